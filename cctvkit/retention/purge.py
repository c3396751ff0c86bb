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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from cctvkit.audit import write_audit
from cctvkit.catalog import holds as hq
from cctvkit.catalog import leases as lq
from cctvkit.catalog import purge_candidates as cq
from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog import restrictions as xq
from cctvkit.catalog.db import Catalog
from cctvkit.config import SiteConfig
from cctvkit.ingest import scan_archive
from cctvkit.retention.journal import JournalSteps, PurgeSummary
from cctvkit.retention.lock import PurgeLock, purge_lock
from cctvkit.retention.plan import PurgePlan, plan_purge
from cctvkit.retention.policy import RetentionPolicy
from cctvkit.retention.unlink import prune_empty_dirs
from cctvkit.states import JournalState

__all__ = ["DEFAULT_BATCH", "PurgeSummary", "build_plan", "run_purge"]

log = logging.getLogger(__name__)

DEFAULT_BATCH = 200
"""Files per transaction: small enough that a stop request is honoured within a second or so."""


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
    installed: dict[signal.Signals, Any] = {}
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
            signal.signal(
                sig, old
            )  # what signal() returned: a handler, SIG_DFL/SIG_IGN or None (a C handler)


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
    with lock or purge_lock(config, catalog), _stop_on_signals(stop) as stopped:
        ex = JournalSteps(catalog, config, policy, actor=actor, now=now)
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
    ex: JournalSteps,
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
            "state": JournalState.PLANNED,
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
            jq.set_journal_state(conn, left, JournalState.CANCELLED, now=now, error="run stopped by signal")
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
