"""`cctvkit status`: per camera, what the archive holds and how much is past retention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from cctvkit.cli.columns import Col, compact_time, print_table
from cctvkit.cli.context import console, print_json, state


def status(
    ctx: typer.Context,
    *,
    wide_out: Annotated[bool, typer.Option("--wide", help="All columns and full times.")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per camera: recordings, hours, bytes, oldest and newest, and how many are past retention."""
    from cctvkit.retention.status import archive_status

    st = state(ctx)
    cfg = st.config
    now = datetime.now(UTC)
    status = archive_status(st.catalog, cfg, now=now)
    rows, unassigned = status.cameras, status.quarantined_without_camera
    if as_json_out:
        print_json(status.to_dict())
        return
    tz, wide = cfg.tz, wide_out
    if wide:
        columns = [
            Col("camera"), Col("place", cut="right"), Col("keep"), Col("recordings", justify="right"),
            Col("hours", justify="right"), Col("MB", justify="right"), Col("oldest"), Col("newest"),
            Col("past retention", justify="right"), Col("quarantined", justify="right"),
            Col("damaged", justify="right"), Col("missing", justify="right"),
        ]  # fmt: skip
    else:
        # 80 columns: the place goes to --wide; the oldest day is enough to see retention at work;
        # short headers, so that every column fits whole beside 9-letter camera ids.
        columns = [
            Col("camera"), Col("keep"), Col("files", justify="right"), Col("hours", justify="right"),
            Col("MB", justify="right"), Col("oldest"), Col("newest"), Col("past", justify="right"),
            Col("quar", justify="right"), Col("dmg", justify="right"), Col("miss", justify="right"),
        ]  # fmt: skip
    cells = []
    for r in rows:
        oldest, newest = _utc(r["oldest"]), _utc(r["newest"])
        numbers = [str(r["recordings"]), f"{r['hours']:.2f}", f"{r['bytes'] / 1e6:.1f}"]
        problems = [str(r[k]) for k in ("past_retention", "quarantined", "damaged", "missing")]
        if wide:
            span = [_full(oldest, tz), _full(newest, tz)]
            place = f"{r['site']} / {r['area']}"
            cells.append([r["camera"], place, f"{r['retention_days']} d", *numbers, *span, *problems])
        else:
            span = [compact_time(oldest, tz, now=now, clock=False), compact_time(newest, tz, now=now)]
            cells.append([r["camera"], f"{r['retention_days']} d", *numbers, *span, *problems])
    console.print(f"{cfg.site.name} (times {cfg.site.timezone})")
    print_table(console, columns, cells)
    if not wide:
        console.print("past retention, quarantined, damaged, missing; --wide: all columns, whole headings")
    if any(r["damaged"] for r in rows):
        console.print(
            "damaged recordings are kept with their decodable span (see `cctvkit index ls --state damaged`)",
            style="yellow",
        )
    if unassigned:
        console.print(
            f"{unassigned} file(s) quarantined with no camera (see `cctvkit index ls --state quarantined`)",
            style="yellow",
        )


def _utc(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def _full(moment: datetime | None, tz) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "-"
