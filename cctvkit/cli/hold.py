"""`cctvkit hold`: keep footage past retention for an investigation or request (policy 12.5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cctvkit.cli.columns import Col, compact_time, print_table
from cctvkit.cli.context import console, parse_when, print_json, state
from cctvkit.errors import UsageError

if TYPE_CHECKING:
    from cctvkit.retention.holds import Hold

app = typer.Typer(help="Holds: keep footage past retention while an investigation or request needs it.")


def _json(h: Hold) -> dict[str, Any]:
    return {
        "id": h.id,
        "cameras": list(h.camera_ids),
        "place": h.place,
        "from_utc": h.from_utc.isoformat(),
        "to_utc": h.to_utc.isoformat(),
        "ends_at": h.ends_at.isoformat() if h.ends_at else None,
        "reason": h.reason,
        "reference": h.reference,
        "request_id": h.request_id,
        "placed_by": h.placed_by,
        "placed_at": h.placed_at.isoformat(),
        "released_at": h.released_at.isoformat() if h.released_at else None,
        "released_by": h.released_by,
        "release_reason": h.release_reason,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    *,
    camera: Annotated[list[str] | None, typer.Option("--camera", help="Camera id (repeatable).")] = None,
    place: Annotated[
        str | None, typer.Option(help="Area (or 'site/area'): every camera watching it.")
    ] = None,
    from_: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="TIME",
            help="Footage from, e.g. 2026-10-01T09:00 (site time unless it says +01:00).",
        ),
    ],
    to: Annotated[str, typer.Option(metavar="TIME", help="Footage to, as --from.")],
    reason: Annotated[
        str, typer.Option(help="Why the footage is kept: the investigation or claim it serves.")
    ],
    reference: Annotated[str, typer.Option(help="Case number, request id or claim number.")],
    until: Annotated[
        str | None, typer.Option(help="When the hold lapses by itself, ISO; default: until released.")
    ] = None,
    request: Annotated[str | None, typer.Option(help="Id of the request that needs the footage.")] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the hold as JSON.")] = False,
) -> None:
    """Place a hold on cameras (or a place) over a footage time range."""
    from cctvkit.retention import place_hold

    st = state(ctx)
    cfg = st.config
    start, end = parse_when(from_, cfg, option="--from"), parse_when(to, cfg, option="--to")
    if start is None or end is None:
        raise UsageError("--from and --to are required")
    hold = place_hold(
        st.catalog,
        cfg,
        actor=st.operator,
        cameras=camera or (),
        place=place,
        from_utc=start,
        to_utc=end,
        reason=reason,
        reference=reference,
        ends_at=parse_when(until, cfg, option="--until"),
        request_id=request,
    )
    if as_json_out:
        print_json(_json(hold))
        return
    console.print(
        f"hold #{hold.id} placed on {', '.join(hold.camera_ids)} ({hold.reference}); "
        f"{'until ' + hold.ends_at.astimezone(cfg.tz).isoformat() if hold.ends_at else 'until released'}",
        highlight=False,
    )


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    show_all: Annotated[bool, typer.Option("--all", help="Include released and lapsed holds.")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Who placed it, why released, full times.")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List holds in force (or all of them)."""
    from cctvkit.retention import list_holds

    st = state(ctx)
    holds = list_holds(st.catalog, include_inactive=show_all)
    if as_json_out:
        print_json([_json(h) for h in holds])
        return
    tz, now = st.config.tz, datetime.now(UTC)
    cells = []
    for h in holds:
        if wide:
            when = [f"{t.astimezone(tz):%Y-%m-%d %H:%M %Z}" for t in (h.from_utc, h.to_utc)]
            until = f"{h.ends_at.astimezone(tz):%Y-%m-%d %H:%M %Z}" if h.ends_at else "release"
        else:
            when = [compact_time(h.from_utc, tz, now=now), compact_time(h.to_utc, tz, now=now)]
            if h.from_utc.astimezone(tz).date() == h.to_utc.astimezone(tz).date():
                when[1] = f"{h.to_utc.astimezone(tz):%H:%M}"  # the same day: its date once
            until = compact_time(h.ends_at, tz, now=now) if h.ends_at else "release"  # until released
        if h.released_at:
            until = f"released {compact_time(h.released_at, tz, now=now, clock=False)}"
        row = [str(h.id), ", ".join(h.camera_ids), *when, until, h.reference, h.reason]
        if wide:
            row += [h.placed_by, h.release_reason or "-"]
        cells.append(row)
    columns = [
        Col("id", justify="right"), Col("cameras", cut="right", min_width=7), Col("from"), Col("to"),
        Col("until"), Col("reference", cut="right", min_width=10), Col("reason", cut="right", min_width=10),
    ]  # fmt: skip
    if wide:
        columns += [Col("placed by", cut="right"), Col("release reason", cut="right")]
    print_table(console, columns, cells)
    console.print(f"{len(holds)} hold(s); times {st.config.site.timezone}; full text: --json")


@app.command("release")
def release(
    ctx: typer.Context,
    hold_id: Annotated[int, typer.Argument(help="Hold id.")],
    *,
    reason: Annotated[str, typer.Option(help="Why the footage is no longer needed.")],
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the hold as JSON.")] = False,
) -> None:
    """Release a hold: its footage follows the normal rule again at the next purge."""
    from cctvkit.retention import release_hold

    st = state(ctx)
    hold = release_hold(st.catalog, hold_id, actor=st.operator, reason=reason)
    if as_json_out:
        print_json(_json(hold))
        return
    console.print(f"hold #{hold.id} released; its footage is purged at the next run if past retention")
