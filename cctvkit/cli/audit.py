"""`cctvkit audit`: verify the hash chain of the audit log (policy 7.1) and list its records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from cctvkit.cli.columns import Col, compact_time, print_table, room_left
from cctvkit.cli.context import console, parse_when, print_json, state
from cctvkit.errors import AuditError

app = typer.Typer(help="The tamper-evident audit log: verify it, list it.")


@app.command("verify")
def verify(
    ctx: typer.Context,
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check every record's hash and link; name each modified, deleted, inserted or reordered record.

    Exit codes: 0 the log verifies; 10 it does not.
    """
    from cctvkit.audit_log import check_audit_log

    check = check_audit_log(state(ctx).catalog)
    problems, head_seq, head_hash = check.problems, check.head_seq, check.head_hash
    if as_json_out:
        print_json(
            {
                "ok": not problems,
                "records": check.records,
                "head_seq": head_seq,
                "head_hash": head_hash,
                "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in problems],
            }
        )
    else:
        for p in problems:
            console.print(f"{p.kind} {p.message}", style="red")
        if not problems:
            console.print(
                f"audit log verifies: {check.records} record(s), head #{head_seq or 0} {head_hash or '-'}",
                highlight=False,
            )
    if problems:
        raise AuditError(
            f"audit log does not verify: {len(problems)} problem(s); first: {problems[0].message}"
        )


WIDE_FROM_COLUMNS = 160
"""``audit ls`` shows all its columns from this width on, as with ``--wide``."""


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    action: Annotated[
        list[str] | None, typer.Option("--action", help="Action, e.g. purge.delete, hold.add (repeatable).")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Object kind: recording, hold, purge, camera...")] = None,
    camera: Annotated[str | None, typer.Option(help="Camera id.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="TIME", help="From this time, e.g. 2026-10-01T09:00 (site time unless it says +01:00)."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(metavar="TIME", help="Before this time, as --since.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many records.")] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="OS user, key and camera columns, and full times.")
    ] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List audit records (who: operator name, OS user and uid, key used; what, when, why), oldest first."""
    from cctvkit.audit import WHO, record_who
    from cctvkit.audit_log import audit_json, list_audit_records

    st = state(ctx)
    cfg = st.config
    rows = list_audit_records(
        st.catalog,
        actions=action,
        camera_id=camera,
        object_kind=kind,
        since=parse_when(since, cfg, option="--since"),
        until=parse_when(until, cfg, option="--until"),
        limit=limit,
    )
    if as_json_out:
        print_json([audit_json(r) for r in rows])
        return
    # Where they fit (a wide terminal; a pipe or a cron log kept as evidence is unbounded), every
    # column: the OS account and key tell operators apart (issue 19).
    wide = wide or console.width >= WIDE_FROM_COLUMNS
    now = datetime.now(UTC)
    cells = []
    for r in rows:
        when = (
            r.ts_utc.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M:%S %Z")
            if wide
            else compact_time(r.ts_utc, cfg.tz, now=now, seconds=True)
        )
        who = record_who(r)
        details = _details_text({k: v for k, v in json.loads(r.details).items() if k != WHO})
        row = [str(r.seq), when, r.actor, r.action, f"{r.object_kind} {r.object_id or ''}".strip()]
        if wide:  # the OS account and key beside the operator name (issue 19)
            os_user = "-" if who.uid is None else f"{who.os_user} ({who.uid})"
            cells.append([*row, os_user, who.key_fingerprint or "-", r.camera_id or "-", details])
        else:
            cells.append([*row, details])
    # Sequence numbers, times, actions and objects (request ids) are never cut: people act on them.
    columns = [
        Col("seq", justify="right"), Col("time"), Col("actor", cut="right", min_width=6),
        Col("action"), Col("object"),
    ]  # fmt: skip
    if wide:
        columns += [Col("os user (uid)"), Col("key"), Col("camera")]
    fixed = len(columns)
    details_fit = room_left(console.width, columns, [c[:fixed] for c in cells]) >= DETAILS_MIN
    if details_fit:
        columns += [Col("details", cut="right", min_width=DETAILS_MIN)]
    print_table(console, columns, [c if details_fit else c[:fixed] for c in cells])
    shown = "full details: --json" if details_fit else "details: --json (or a wider terminal)"
    console.print(f"{len(rows)} record(s); times {cfg.site.timezone}; {shown}")


DETAILS_MIN = 16
"""Narrower than this, the details column is left out rather than shown as a stub."""


def _details_text(details: dict[str, object]) -> str:
    """``key: value; ...`` in the record's key order (values that are lists or objects as JSON)."""
    return "; ".join(
        f"{key}: {value if isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)}"
        for key, value in details.items()
    )
