"""Journaled purge: index, plan, then delete in batches so a crash at any instant is finished next run.

Each deletion goes through the ``purge_journal`` table:

1. all rows of the plan are committed as ``planned``;
2. per batch, holds, leases and the rule are re-checked and the survivors marked ``deleting``
   (one transaction; a lease taken before it wins, one taken after it is refused);
3. each file is unlinked (inside the archive roots only; a symlink itself, never its target);
4. the directories are fsynced, then recording ``purged``, journal ``purged`` and an audit record
   commit together.

A run killed anywhere leaves rows ``planned`` (cancelled and re-planned next run) or ``deleting``
(next run: file gone, mark purged; file present, delete it if still due, else cancel).
"""

from __future__ import annotations

import logging
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.audit import write_audit
from cctvkit.catalog import holds as hq
from cctvkit.catalog import leases as lq
from cctvkit.catalog import purge_candidates as cq
from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog import recordings as rq
from cctvkit.catalog import restrictions as xq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.purge_journal import JournalEntry
from cctvkit.config import SiteConfig
from cctvkit.errors import CctvkitError
from cctvkit.ingest import ScanSummary, scan_archive
from cctvkit.retention._fault import FaultPoints
from cctvkit.retention.lock import PurgeLock, purge_lock
from cctvkit.retention.plan import HoldIndex, PurgePlan, plan_purge
from cctvkit.retention.policy import RetentionPolicy
from cctvkit.retention.unlink import fsync_dirs, prune_empty_dirs, unlink_in_roots

__all__ = ["DEFAULT_BATCH", "PurgeSummary", "build_plan", "run_purge"]

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200
"""Files per transaction: small enough that a stop request is honoured within a second or so."""


@dataclass(slots=True)
class PurgeSummary:
    """What a purge run did (or, dry, would do)."""

    run_id: str
    dry_run: bool
    plan: PurgePlan | None = None
    scan: ScanSummary | None = None
    deleted: int = 0
    deleted_bytes: int = 0
    already_missing: int = 0
    cancelled: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    recovered: int = 0
    pending_recovery: int = 0
    dirs_removed: int = 0
    interrupted: bool = False
    seconds: float = 0.0

    def line(self) -> str:
        """The one summary line a cron mail shows."""
        p = self.plan
        held = len(p.kept_by("hold")) if p else 0
        leased = len(p.kept_by("lease")) if p else 0
        in_ret = sum(p.in_retention.values()) if p else 0
        quarantined = p.quarantined if p else 0
        if self.dry_run:
            n = len(p.purge) if p else 0
            head = f"purge (dry run): would delete {n} ({(p.purge_bytes if p else 0) / 1e6:.1f} MB)"
            if self.pending_recovery:
                head += f", {self.pending_recovery} left by an interrupted run"
        else:
            head = (
                f"purge: deleted {self.deleted} ({self.deleted_bytes / 1e6:.1f} MB), "
                f"{self.already_missing} already missing, {len(self.failed)} failed"
            )
            if self.recovered:
                head += f", {self.recovered} finished from an interrupted run"
        tail = f"; kept {held} held, {leased} leased, {in_ret} in retention"
        if quarantined:
            tail += f"; {quarantined} quarantined need attention"
        if self.interrupted:
            tail += "; INTERRUPTED (the rest is left for the next run)"
        return f"{head}{tail} (run {self.run_id}, {self.seconds:.1f} s)"


def build_plan(catalog: Catalog, policy: RetentionPolicy, now: datetime) -> PurgePlan:
    """Read candidates (SQL, indexed per camera), holds, leases and restrictions; plan at ``now``."""
    with catalog.read() as conn:
        cutoffs = policy.cutoffs(now)
        candidates = cq.due_candidates(conn, cutoffs, policy.ceiling_cutoff(now))
        holds = hq.active_holds(conn, now)
        leases = lq.active_leases(conn, now)
        restricted = xq.restricted_ids(conn)
        in_retention = cq.count_in_retention(conn, cutoffs)
        quarantined = cq.count_quarantined(conn)
    return plan_purge(
        candidates,
        policy=policy,
        now=now,
        holds=holds,
        leases=leases,
        restrictions=restricted,
        in_retention=in_retention,
        quarantined=quarantined,
    )


@contextmanager
def _stop_on_signals(stop: Callable[[], bool] | None) -> Iterator[Callable[[], bool]]:
    """SIGINT/SIGTERM set a flag checked between batches (main thread only), restored afterwards."""
    flag = threading.Event()
    installed: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):

            def _handler(signum: int, _frame: object) -> None:
                log.warning("purge.signal signal=%s: stopping after this batch", signal.Signals(signum).name)
                flag.set()

            installed[sig] = signal.signal(sig, _handler)
    try:
        yield lambda: flag.is_set() or bool(stop and stop())
    finally:
        for sig, old in installed.items():
            signal.signal(sig, old)  # type: ignore[arg-type]


class _Executor:
    """Carries one run's context through the journal steps."""

    def __init__(
        self, catalog: Catalog, config: SiteConfig, policy: RetentionPolicy, *, actor: str, now: datetime
    ) -> None:
        self.catalog = catalog
        self.policy = policy
        self.actor = actor
        self.now = now
        self.roots = [Path(r) for r in config.archive_roots]
        self.keep_dirs = [Path(r) / c.dir_name for r in self.roots for c in config.cameras]
        self.faults = FaultPoints.from_env()
        self.touched_dirs: set[Path] = set()
        self.sizes: dict[int, int] = {}

    def _recheck(self, conn, entries: Sequence[JournalEntry]) -> dict[int, str]:
        """Why each entry must not be deleted now (absent: still fine), re-read inside the transaction."""
        ids = [e.recording_id for e in entries]
        facts = jq.recording_facts(conn, ids)
        index = HoldIndex(hq.active_holds(conn, self.now), self.now)
        leased = {le.recording_id for le in lq.active_leases(conn, self.now, ids)}
        refuse: dict[int, str] = {}
        for e in entries:
            f = facts.get(e.recording_id)
            if f is None or f.state != "present" or f.path != e.path or f.start_utc is None:
                refuse[e.id] = f"recording is no longer a present file at {e.path}"
            elif not self.policy.is_due(f.camera_id, f.start_utc, self.now):
                refuse[e.id] = "no longer due under the current retention period"
            elif covering := index.covering(f.camera_id, f.start_utc, f.end_utc):
                refuse[e.id] = "held by " + ", ".join(f"#{h.id}" for h in covering)
            elif e.recording_id in leased:
                refuse[e.id] = "leased (in use)"
        return refuse

    def mark_deleting(self, entries: Sequence[JournalEntry]) -> list[JournalEntry]:
        """Step 2: re-check and mark survivors ``deleting``; cancel the others. Returns the survivors."""
        with self.catalog.write() as conn:
            lq.lock_retention_checks(conn)
            refuse = self._recheck(conn, entries)
            ok = [e for e in entries if e.id not in refuse]
            for e in entries:
                if e.id in refuse:
                    jq.set_journal_state(conn, [e.id], "cancelled", now=self.now, error=refuse[e.id])
            jq.set_journal_state(conn, [e.id for e in ok], "deleting", now=self.now)
        return ok

    def delete(self, entries: Sequence[JournalEntry], *, recovering: bool, summary: PurgeSummary) -> None:
        """Steps 3-4 for entries marked ``deleting``: unlink, fsync, then commit the outcome."""
        outcomes: list[tuple[JournalEntry, str, str | None]] = []
        for e in entries:
            try:
                removed = unlink_in_roots(e.path, self.roots)
            except (CctvkitError, OSError) as exc:
                outcomes.append((e, "failed", str(exc)))
                continue
            # A 'deleting' row found with its file gone was unlinked by the killed run.
            outcomes.append((e, "purged" if removed or recovering else "missing", None))
            self.touched_dirs.add(Path(e.path).parent)
            self.faults.reach("unlinked")
        fsync_dirs({Path(e.path).parent for e, state, _ in outcomes if state != "failed"})
        self._commit(outcomes, recovering=recovering, summary=summary)

    def _commit(
        self, outcomes: list[tuple[JournalEntry, str, str | None]], *, recovering: bool, summary: PurgeSummary
    ) -> None:
        with self.catalog.write() as conn:
            facts = jq.recording_facts(conn, [e.recording_id for e, _, _ in outcomes])
            for e, state, error in outcomes:
                f = facts.get(e.recording_id)
                cam = f.camera_id if f else None
                details = {"path": e.path, "sha256": e.sha256, "run_id": e.run_id, "reason": e.reason}
                if recovering:
                    details["finished_after_interruption"] = True
                if state == "failed":
                    jq.set_journal_state(conn, [e.id], "failed", now=self.now, error=error)
                    write_audit(
                        conn,
                        actor=self.actor,
                        action="purge.fail",
                        object_kind="recording",
                        object_id=e.recording_id,
                        camera_id=cam,
                        details={**details, "error": error},
                        now=self.now,
                    )
                    log.warning("purge.fail recording=%d path=%s error=%s", e.recording_id, e.path, error)
                    summary.failed.append((e.path, error or ""))
                    continue
                rec_state = "purged" if state == "purged" else "missing"
                note = (
                    f"purged by run {e.run_id}"
                    if state == "purged"
                    else f"file already gone when run {e.run_id} came to delete it"
                )
                rq.set_recording_state(conn, [e.recording_id], rec_state, note, self.now)
                jq.set_journal_state(conn, [e.id], state, now=self.now)
                write_audit(
                    conn,
                    actor=self.actor,
                    action="purge.delete" if state == "purged" else "purge.missing",
                    object_kind="recording",
                    object_id=e.recording_id,
                    camera_id=cam,
                    details=details,
                    now=self.now,
                )
                log.debug("purge.%s recording=%d path=%s", state, e.recording_id, e.path)
                if state == "purged":
                    summary.deleted += 1
                    summary.deleted_bytes += self.sizes.get(e.recording_id, 0)
                    summary.recovered += int(recovering)
                else:
                    summary.already_missing += 1
        self.faults.reach("committed")

    def recover(self, summary: PurgeSummary, batch_size: int) -> None:
        """Finish what a killed run left: cancel ``planned`` rows, settle ``deleting`` ones."""
        with self.catalog.read() as conn:
            left = jq.open_entries(conn)
        if not left:
            return
        log.warning("purge.recover rows=%d: finishing an interrupted run first", len(left))
        planned = [e.id for e in left if e.state == "planned"]
        with self.catalog.write() as conn:
            jq.set_journal_state(
                conn, planned, "cancelled", now=self.now, error="interrupted before deletion; re-planned"
            )
        deleting = [e for e in left if e.state == "deleting"]
        for i in range(0, len(deleting), batch_size):
            chunk = deleting[i : i + batch_size]
            with self.catalog.write() as conn:
                lq.lock_retention_checks(conn)
                refuse = self._recheck(conn, chunk)
            go: list[JournalEntry] = []
            settle: list[tuple[JournalEntry, str, str | None]] = []
            for e in chunk:
                if e.id not in refuse:
                    go.append(e)
                elif not _exists(e.path):
                    settle.append((e, "purged", None))  # already unlinked by the killed run
                else:
                    settle.append((e, "cancelled", refuse[e.id]))
            self.delete(go, recovering=True, summary=summary)
            gone = [s for s in settle if s[1] == "purged"]
            if gone:
                self._commit(gone, recovering=True, summary=summary)
            with self.catalog.write() as conn:
                for e, _, why in (s for s in settle if s[1] == "cancelled"):
                    jq.set_journal_state(conn, [e.id], "cancelled", now=self.now, error=why)
                    summary.cancelled += 1


def _exists(path: str) -> bool:
    try:
        Path(path).lstat()
    except FileNotFoundError:
        return False
    return True


def run_purge(
    catalog: Catalog,
    config: SiteConfig,
    *,
    actor: str,
    dry_run: bool = False,
    now: datetime | None = None,
    index_first: bool = True,
    batch_size: int = DEFAULT_BATCH,
    lock: PurgeLock | None = None,
    stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeSummary:
    """Purge every recording past its camera's retention that no hold or lease keeps.

    Under the purge lock: finish an interrupted run's journal, index the archive (an unindexed old
    file must not escape the ceiling), plan, then delete in journaled batches, checking for
    SIGINT/SIGTERM between batches. Quarantined files are never deleted, only counted.

    Args:
        catalog: the open catalog.
        config: the site config (roots, cameras, retention periods).
        actor: who runs it (audited).
        dry_run: plan and report only; nothing is deleted or journaled (the index is updated).
        now: the instant retention is measured from (tests pass a fixed one).
        index_first: run the index scan first (only tests of the journal turn it off).
        batch_size: files per transaction.
        lock: the lock to take (default: :func:`purge_lock` of the config).
        stop: polled between batches; True stops the run cleanly (as SIGTERM does).
        progress: called as ``progress(done, total)`` after each batch.

    Returns:
        What was done; ``failed`` lists deletions that did not happen (the CLI exits 9).

    Raises:
        LockedError: another purge holds the lock.
    """
    t0 = time.perf_counter()
    now = now or datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    summary = PurgeSummary(run_id=run_id, dry_run=dry_run)
    policy = RetentionPolicy.from_config(config)
    with lock or purge_lock(config), _stop_on_signals(stop) as stopped:
        ex = _Executor(catalog, config, policy, actor=actor, now=now)
        ex.faults.reach("locked")
        if dry_run:
            with catalog.read() as conn:
                summary.pending_recovery = len(jq.open_entries(conn))
        else:
            ex.recover(summary, batch_size)
        if index_first:
            summary.scan = scan_archive(catalog, config, actor=actor, now=now)
        plan = summary.plan = build_plan(catalog, policy, now)
        if not dry_run:
            _execute(ex, plan, summary, batch_size, stopped, progress)
    summary.seconds = time.perf_counter() - t0
    log.info("purge.done %s", summary.line())
    return summary


def _execute(
    ex: _Executor,
    plan: PurgePlan,
    summary: PurgeSummary,
    batch_size: int,
    stopped: Callable[[], bool],
    progress: Callable[[int, int], None] | None,
) -> None:
    run_id, now = summary.run_id, ex.now
    rows = [
        {
            "run_id": run_id,
            "recording_id": p.candidate.recording_id,
            "path": p.candidate.path,
            "sha256": p.candidate.sha256,
            "state": "planned",
            "reason": p.reason,
            "planned_at": now,
            "updated_at": now,
        }
        for p in plan.purge
    ]
    ex.sizes = {p.candidate.recording_id: p.candidate.size_bytes for p in plan.purge}
    with ex.catalog.write() as conn:
        jq.insert_journal(conn, rows)
        write_audit(
            conn,
            actor=ex.actor,
            action="purge.plan",
            object_kind="purge",
            object_id=run_id,
            details={
                "planned": len(rows),
                "held": len(plan.kept_by("hold")),
                "leased": len(plan.kept_by("lease")),
                "cutoffs": {c: t.isoformat() for c, t in plan.cutoffs.items()},
            },
            now=now,
        )
        entries = jq.open_entries(conn, run_id=run_id)
    ex.faults.reach("journaled")
    done = 0
    for i in range(0, len(entries), batch_size):
        if stopped():
            summary.interrupted = True
            break
        chunk = entries[i : i + batch_size]
        ok = ex.mark_deleting(chunk)
        summary.cancelled += len(chunk) - len(ok)
        ex.faults.reach("marked")
        ex.delete(ok, recovering=False, summary=summary)
        done += len(chunk)
        log.info(
            "purge.batch run=%s done=%d/%d deleted=%d missing=%d failed=%d",
            run_id,
            done,
            len(entries),
            summary.deleted,
            summary.already_missing,
            len(summary.failed),
        )
        if progress:
            progress(done, len(entries))
    if summary.interrupted:
        with ex.catalog.write() as conn:
            left = [e.id for e in jq.open_entries(conn, run_id=run_id)]
            jq.set_journal_state(conn, left, "cancelled", now=now, error="run stopped by signal")
            summary.cancelled += len(left)
    summary.dirs_removed = prune_empty_dirs(ex.touched_dirs, ex.roots, keep=ex.keep_dirs)
    with ex.catalog.write() as conn:
        write_audit(
            conn,
            actor=ex.actor,
            action="purge.run",
            object_kind="purge",
            object_id=run_id,
            details={
                "deleted": summary.deleted,
                "already_missing": summary.already_missing,
                "failed": len(summary.failed),
                "cancelled": summary.cancelled,
                "recovered": summary.recovered,
                "interrupted": summary.interrupted,
            },
            now=now,
        )
