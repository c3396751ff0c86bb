"""`cctvkit status`: per camera, what the archive holds and how much is past retention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from cctvkit.cli.context import console, print_json, state
from cctvkit.retention.status import archive_status


def status(
    ctx: typer.Context,
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per camera: recordings, hours, bytes, oldest and newest, and how many are past retention."""
    st = state(ctx)
    cfg = st.config
    status = archive_status(st.catalog, cfg, now=datetime.now(UTC))
    rows, unassigned = status.cameras, status.quarantined_without_camera
    if as_json_out:
        print_json(status.to_dict())
        return
    table = Table(
        "camera",
        "place",
        "keep",
        "recordings",
        "hours",
        "MB",
        "oldest",
        "newest",
        "past retention",
        "quarantined",
        "missing",
        title=f"{cfg.site.name} ({cfg.site.timezone})",
    )
    tz = cfg.tz
    for r in rows:
        table.add_row(
            r["camera"],
            f"{r['site']} / {r['area']}",
            f"{r['retention_days']} d",
            str(r["recordings"]),
            f"{r['hours']:.2f}",
            f"{r['bytes'] / 1e6:.1f}",
            _local(r["oldest"], tz),
            _local(r["newest"], tz),
            str(r["past_retention"]),
            str(r["quarantined"]),
            str(r["missing"]),
        )
    console.print(table)
    if unassigned:
        console.print(
            f"[yellow]{unassigned} file(s) quarantined with no camera[/] "
            "(see `cctvkit index ls --state quarantined`)"
        )


def _local(iso: str | None, tz) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")
