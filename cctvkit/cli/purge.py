"""`cctvkit purge`: index, plan and delete footage past retention (cron-safe, journaled, locked)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cctvkit.cli.context import console, print_json, progress_bar, state
from cctvkit.errors import PartialFailureError

if TYPE_CHECKING:
    from cctvkit.retention import PurgeSummary

INTERRUPTED_EXIT = 130
"""A run stopped by SIGINT/SIGTERM between batches (what was done is consistent; the rest waits)."""


def purge(
    ctx: typer.Context,
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted; delete nothing.")
    ] = False,
    list_kept: Annotated[
        bool, typer.Option("--list-kept", help="List due recordings kept (held, leased) and why.")
    ] = False,
    list_purged: Annotated[
        bool, typer.Option("--list-purged", help="List every recording deleted (or, dry, to delete).")
    ] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, max=100_000, help="Files per transaction.", hidden=True),
    ] = None,
) -> None:
    """Delete footage past its camera's retention period that no hold keeps (policy 12.5).

    Exit codes: 0 done or nothing due; 8 another purge holds the lock; 9 some deletions failed;
    130 stopped by a signal (the next run finishes); 3 no valid config.
    """
    from cctvkit.retention import run_purge
    from cctvkit.retention.purge import DEFAULT_BATCH

    st = state(ctx)
    config, catalog, actor = st.config, st.catalog, st.operator
    with progress_bar("purging", enabled=not as_json_out) as update:
        summary = run_purge(
            catalog,
            config,
            actor=actor,
            dry_run=dry_run,
            batch_size=batch_size or DEFAULT_BATCH,
            progress=update,
        )
    if as_json_out:
        print_json(_as_json(summary, list_kept=list_kept, list_purged=list_purged or dry_run))
    else:
        _print(summary, config.tz, list_kept=list_kept, list_purged=list_purged)
    if summary.failed:
        _path, error = summary.failed[0]
        raise PartialFailureError(f"{len(summary.failed)} deletion(s) failed; first: {error}")
    if summary.interrupted:
        raise typer.Exit(INTERRUPTED_EXIT)


def _line(text: str) -> None:
    # One plain line per item: greppable in a cron mail, never wrapped into a table.
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _local(t: datetime, tz: Any) -> str:
    return t.astimezone(tz).isoformat(timespec="seconds")


def _print(summary: PurgeSummary, tz: Any, *, list_kept: bool, list_purged: bool) -> None:
    plan = summary.plan
    if plan and list_purged:
        verb = "would delete" if summary.dry_run else "planned"
        for p in plan.purge:
            c = p.candidate
            _line(f"{verb} #{c.recording_id} {c.camera_id} {_local(c.start_utc, tz)} {c.path}: {p.reason}")
    if plan and list_kept:
        for k in plan.kept:
            c = k.candidate
            _line(f"kept #{c.recording_id} {c.camera_id} {_local(c.start_utc, tz)} {c.path}: {k.reason}")
        for cam, n in sorted(plan.in_retention.items()):
            cutoff = plan.cutoffs[cam].astimezone(tz).isoformat(timespec="seconds")
            _line(f"kept {n} recording(s) of {cam}: in retention (start not before {cutoff})")
    for path, error in summary.failed:
        _line(f"failed {path}: {error}")
    _line(summary.line())


def _as_json(summary: PurgeSummary, *, list_kept: bool, list_purged: bool) -> dict[str, Any]:
    plan = summary.plan
    out: dict[str, Any] = {
        "run_id": summary.run_id,
        "dry_run": summary.dry_run,
        "planned": len(plan.purge) if plan else 0,
        "deleted": summary.deleted,
        "deleted_bytes": summary.deleted_bytes,
        "already_missing": summary.already_missing,
        "failed": [{"path": p, "error": e} for p, e in summary.failed],
        "cancelled": summary.cancelled,
        "recovered": summary.recovered,
        "pending_recovery": summary.pending_recovery,
        "held": len(plan.kept_by("hold")) if plan else 0,
        "leased": len(plan.kept_by("lease")) if plan else 0,
        "in_retention": dict(plan.in_retention) if plan else {},
        "quarantined": plan.quarantined if plan else 0,
        "cutoffs": {c: t.isoformat() for c, t in plan.cutoffs.items()} if plan else {},
        "interrupted": summary.interrupted,
        "seconds": round(summary.seconds, 3),
        "summary": summary.line(),
    }
    if plan and list_purged:
        out["purge"] = [
            {
                "recording_id": p.candidate.recording_id,
                "camera": p.candidate.camera_id,
                "start_utc": p.candidate.start_utc.isoformat(),
                "path": p.candidate.path,
                "reason": p.reason,
            }
            for p in plan.purge
        ]
    if plan and list_kept:
        out["kept"] = [
            {
                "recording_id": k.candidate.recording_id,
                "camera": k.candidate.camera_id,
                "start_utc": k.candidate.start_utc.isoformat(),
                "path": k.candidate.path,
                "rule": k.rule,
                "reason": k.reason,
                "hold_ids": list(k.hold_ids),
            }
            for k in plan.kept
        ]
    return out
