"""The journal steps of a purge: re-check and mark, unlink, commit; and finishing an interrupted run.

Each deletion goes planned -> deleting -> purged (or missing, failed, cancelled); see
:mod:`cctvkit.retention.purge` for the order and why a kill at any instant is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cctvkit._fault import FaultPoints
from cctvkit.audit import write_audit
from cctvkit.catalog import holds as hq
from cctvkit.catalog import leases as lq
from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.db import Catalog, Connection
from cctvkit.catalog.purge_journal import JournalEntry
from cctvkit.config import SiteConfig
from cctvkit.errors import CctvkitError
from cctvkit.ingest import ScanSummary
from cctvkit.retention.plan import HoldIndex, PurgePlan
from cctvkit.retention.policy import RetentionPolicy
from cctvkit.retention.unlink import fsync_dirs, unlink_in_roots
from cctvkit.states import FOOTAGE_STATES, JournalState, RecordingState

__all__ = ["JournalSteps", "PurgeSummary"]

log = logging.getLogger(__name__)


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


class JournalSteps:
    """One run's context (catalog, rule, roots, actor, instant) carried through the journal steps."""

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

    def _recheck(self, conn: Connection, entries: Sequence[JournalEntry]) -> dict[int, str]:
        """Why each entry must not be deleted now (absent: still fine), re-read inside the transaction."""
        ids = [e.recording_id for e in entries]
        facts = jq.recording_facts(conn, ids)
        index = HoldIndex(hq.active_holds(conn, self.now), self.now)
        leased = {le.recording_id for le in lq.active_leases(conn, self.now, ids)}
        refuse: dict[int, str] = {}
        for e in entries:
            f = facts.get(e.recording_id)
            if f is None or f.state not in FOOTAGE_STATES or f.path != e.path or f.start_utc is None:
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
                    jq.set_journal_state(
                        conn, [e.id], JournalState.CANCELLED, now=self.now, error=refuse[e.id]
                    )
            jq.set_journal_state(conn, [e.id for e in ok], JournalState.DELETING, now=self.now)
        return ok

    def delete(self, entries: Sequence[JournalEntry], *, recovering: bool, summary: PurgeSummary) -> None:
        """Steps 3-4 for entries marked ``deleting``: unlink, fsync, then commit the outcome."""
        outcomes: list[tuple[JournalEntry, str, str | None]] = []
        for e in entries:
            try:
                removed = unlink_in_roots(e.path, self.roots)
            except (CctvkitError, OSError) as exc:
                outcomes.append((e, JournalState.FAILED, str(exc)))
                continue
            # A 'deleting' row found with its file gone was unlinked by the killed run.
            outcomes.append((e, JournalState.PURGED if removed or recovering else JournalState.MISSING, None))
            self.touched_dirs.add(Path(e.path).parent)
            self.faults.reach("unlinked")
        fsync_dirs({Path(e.path).parent for e, state, _ in outcomes if state != JournalState.FAILED})
        self._commit(outcomes, recovering=recovering, summary=summary)

    def _commit(
        self, outcomes: list[tuple[JournalEntry, str, str | None]], *, recovering: bool, summary: PurgeSummary
    ) -> None:
        with self.catalog.write() as conn:
            facts = jq.recording_facts(conn, [e.recording_id for e, _, _ in outcomes])
            for e, state, error in outcomes:
                f = facts.get(e.recording_id)
                cam = f.camera_id if f else None
                details: dict[str, object] = {
                    "path": e.path,
                    "sha256": e.sha256,
                    "run_id": e.run_id,
                    "reason": e.reason,
                }
                if recovering:
                    details["finished_after_interruption"] = True
                if state == JournalState.FAILED:
                    jq.set_journal_state(conn, [e.id], JournalState.FAILED, now=self.now, error=error)
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
                rec_state = RecordingState.PURGED if state == JournalState.PURGED else RecordingState.MISSING
                note = (
                    f"purged by run {e.run_id}"
                    if state == JournalState.PURGED
                    else f"file already gone when run {e.run_id} came to delete it"
                )
                rq.set_recording_state(conn, [e.recording_id], rec_state, note, self.now)
                jq.set_journal_state(conn, [e.id], state, now=self.now)
                write_audit(
                    conn,
                    actor=self.actor,
                    action="purge.delete" if state == JournalState.PURGED else "purge.missing",
                    object_kind="recording",
                    object_id=e.recording_id,
                    camera_id=cam,
                    details=details,
                    now=self.now,
                )
                log.debug("purge.%s recording=%d path=%s", state, e.recording_id, e.path)
                if state == JournalState.PURGED:
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
        planned = [e.id for e in left if e.state == JournalState.PLANNED]
        with self.catalog.write() as conn:
            jq.set_journal_state(
                conn,
                planned,
                JournalState.CANCELLED,
                now=self.now,
                error="interrupted before deletion; re-planned",
            )
        deleting = [e for e in left if e.state == JournalState.DELETING]
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
                    settle.append((e, JournalState.PURGED, None))  # already unlinked by the killed run
                else:
                    settle.append((e, JournalState.CANCELLED, refuse[e.id]))
            self.delete(go, recovering=True, summary=summary)
            gone = [s for s in settle if s[1] == JournalState.PURGED]
            if gone:
                self._commit(gone, recovering=True, summary=summary)
            with self.catalog.write() as conn:
                for e, _, why in (s for s in settle if s[1] == JournalState.CANCELLED):
                    jq.set_journal_state(conn, [e.id], JournalState.CANCELLED, now=self.now, error=why)
                    summary.cancelled += 1


def _exists(path: str) -> bool:
    try:
        Path(path).lstat()
    except FileNotFoundError:
        return False
    return True
