"""`cctvkit restrict`: restriction of processing (policy 13.2.2): no release, no export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cctvkit.cli.context import console, print_json, state

if TYPE_CHECKING:
    from cctvkit.retention.restrictions import Restriction

app = typer.Typer(help="Restrictions (13.2.2): restricted recordings are neither released nor exported.")


def _json(r: Restriction) -> dict[str, Any]:
    return {
        "id": r.id,
        "recording_id": r.recording_id,
        "reason": r.reason,
        "placed_by": r.placed_by,
        "placed_at": r.placed_at.isoformat(),
        "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
        "lifted_by": r.lifted_by,
        "lift_reason": r.lift_reason,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    recording_id: Annotated[int, typer.Argument(help="Recording id (see `cctvkit index ls`).")],
    *,
    reason: Annotated[str, typer.Option(help="Why (the data subject's request, its reference).")],
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the restriction as JSON.")] = False,
) -> None:
    """Restrict a recording. It is still purged when due: add a hold if it must be kept."""
    from cctvkit.retention import restrict_recording

    st = state(ctx)
    res = restrict_recording(st.catalog, recording_id, actor=st.operator, reason=reason)
    if as_json_out:
        print_json(_json(res))
        return
    console.print(
        f"restriction #{res.id} on recording #{recording_id}; it is still purged when due "
        "(place a hold if it must be kept for a legal claim)",
        highlight=False,
    )


@app.command("lift")
def lift(
    ctx: typer.Context,
    restriction_id: Annotated[int, typer.Argument(help="Restriction id.")],
    *,
    reason: Annotated[str, typer.Option(help="Why the restriction ends.")],
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the restriction as JSON.")] = False,
) -> None:
    """Lift a restriction (logged)."""
    from cctvkit.retention import lift_restriction

    st = state(ctx)
    res = lift_restriction(st.catalog, restriction_id, actor=st.operator, reason=reason)
    if as_json_out:
        print_json(_json(res))
        return
    console.print(f"restriction #{res.id} lifted (recording #{res.recording_id})", highlight=False)


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    show_all: Annotated[bool, typer.Option("--all", help="Include lifted restrictions.")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List restrictions in force (or all of them)."""
    from rich.table import Table

    from cctvkit.retention import list_restrictions

    st = state(ctx)
    rows = list_restrictions(st.catalog, include_lifted=show_all)
    if as_json_out:
        print_json([_json(r) for r in rows])
        return
    tz = st.config.tz
    table = Table("id", "recording", "reason", "placed by", "placed", "lifted")
    for r in rows:
        table.add_row(
            str(r.id),
            str(r.recording_id),
            r.reason,
            r.placed_by,
            f"{r.placed_at.astimezone(tz):%Y-%m-%d %H:%M}",
            f"{r.lifted_at.astimezone(tz):%Y-%m-%d} {r.lift_reason}" if r.lifted_at else "-",
        )
    console.print(table)
    console.print(f"{len(rows)} restriction(s)")
