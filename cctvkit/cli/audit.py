"""`cctvkit audit`: verify the hash chain of the audit log (policy 7.1) and list its records."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cctvkit.audit_log import audit_json, check_audit_log, list_audit_records
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
            console.print(f"[red]{p.kind}[/] {p.message}", highlight=False)
        if not problems:
            console.print(
                f"audit log verifies: {check.records} record(s), head #{head_seq or 0} {head_hash or '-'}",
                highlight=False,
            )
    if problems:
        raise AuditError(
            f"audit log does not verify: {len(problems)} problem(s); first: {problems[0].message}"
        )


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    action: Annotated[
        list[str] | None, typer.Option("--action", help="Action, e.g. purge.delete, hold.add (repeatable).")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Object kind: recording, hold, purge, camera...")] = None,
    camera: Annotated[str | None, typer.Option(help="Camera id.")] = None,
    since: Annotated[str | None, typer.Option(help="From this time, ISO; site timezone if naive.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time, ISO; site timezone if naive.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many records.")] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List audit records (who, what, when, why), oldest first."""
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
    table = Table("seq", "time", "actor", "action", "object", "camera", "details")
    for r in rows:
        table.add_row(
            str(r.seq),
            r.ts_utc.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M:%S"),
            r.actor,
            r.action,
            f"{r.object_kind} {r.object_id or ''}".strip(),
            r.camera_id or "-",
            r.details,
        )
    console.print(table)
    console.print(f"{len(rows)} record(s)")
