"""`cctvkit status`: per camera, what the archive holds and how much is past retention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from cctvkit.catalog import recordings as rq
from cctvkit.cli.context import console, print_json, state
from cctvkit.retention import retention_cutoff


def status(
    ctx: typer.Context,
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per camera: recordings, hours, bytes, oldest and newest, and how many are past retention."""
    st = state(ctx)
    cfg = st.config
    now = datetime.now(UTC)
    with st.catalog.read() as conn:
        stats = rq.camera_stats(conn)
        rows = []
        for cam in cfg.cameras:
            present = [s for s in stats if s.camera_id == cam.id and s.state == "present"]
            other = {s.state: s.count for s in stats if s.camera_id == cam.id and s.state != "present"}
            p = present[0] if present else None
            rows.append(
                {
                    "camera": cam.id,
                    "site": cam.site,
                    "area": cam.area,
                    "retention_days": cam.retention_days,
                    "recordings": p.count if p else 0,
                    "hours": round(p.seconds / 3600, 3) if p else 0.0,
                    "bytes": p.bytes if p else 0,
                    "oldest": p.oldest_utc.isoformat() if p and p.oldest_utc else None,
                    "newest": p.newest_utc.isoformat() if p and p.newest_utc else None,
                    "past_retention": rq.count_started_before(
                        conn, cam.id, retention_cutoff(now, cam.retention_days)
                    ),
                    "missing": other.get("missing", 0),
                    "quarantined": other.get("quarantined", 0),
                    "damaged": other.get("damaged", 0),
                    "purged": other.get("purged", 0),
                }
            )
        unassigned = sum(s.count for s in stats if s.camera_id is None)
    if as_json_out:
        print_json({"site": cfg.site.name, "cameras": rows, "quarantined_without_camera": unassigned})
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
        "damaged",
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
            str(r["damaged"]),
            str(r["missing"]),
        )
    console.print(table)
    if any(r["damaged"] for r in rows):
        console.print(
            "[yellow]damaged recordings are kept with their decodable span[/] "
            "(see `cctvkit index ls --state damaged`)"
        )
    if unassigned:
        console.print(
            f"[yellow]{unassigned} file(s) quarantined with no camera[/] "
            "(see `cctvkit index ls --state quarantined`)"
        )


def _local(iso: str | None, tz) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M")
