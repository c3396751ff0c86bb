"""Synthetic catalogs for benchmarks: N cameras x D days of hourly segments, inserted in bulk."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.schema import cameras, recordings
from cctvkit.states import RecordingState

__all__ = ["generate_catalog"]

BATCH = 20_000
CAMERAS_PER_AREA = 10


def generate_catalog(
    catalog: Catalog,
    *,
    camera_count: int,
    days: int = 90,
    segment_hours: int = 1,
    end_utc: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Fill an empty catalog with ``camera_count`` cameras, each with one segment per ``segment_hours``.

    Cameras are named ``cam-0000``...; every ten cameras share an area (``area-000``...) of site
    ``synthetic``. Retention periods cycle through 7, 30 and 90 days so a purge plan has work.
    The files do not exist: these rows exercise queries and planning, not deletion.

    Returns:
        The number of recordings inserted.
    """
    end = (end_utc or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    per_camera = days * 24 // segment_hours
    total = camera_count * per_camera
    now = datetime.now(UTC)
    with catalog.write() as conn:
        conn.execute(
            insert(cameras),
            [
                {
                    "id": f"cam-{c:04d}",
                    "site": "synthetic",
                    "area": f"area-{c // CAMERAS_PER_AREA:03d}",
                    "timezone": "UTC",
                    "retention_days": (7, 30, 90)[c % 3],
                    "retention_justification": "synthetic benchmark camera",
                    "updated_at": now,
                }
                for c in range(camera_count)
            ],
        )
    done = 0
    rows: list[dict[str, Any]] = []
    seg = timedelta(hours=segment_hours)
    for c in range(camera_count):
        cam = f"cam-{c:04d}"
        area = f"area-{c // CAMERAS_PER_AREA:03d}"
        for i in range(per_camera):
            t = start + i * seg
            path = f"/synthetic/{cam}/{t:%Y%m%d_%H%M%S}.mp4"
            rows.append(
                {
                    "path": path,
                    "camera_id": cam,
                    "site": "synthetic",
                    "area": area,
                    "kind": "video",
                    "start_utc": t,
                    "end_utc": t + seg,
                    "duration_s": seg.total_seconds(),
                    "codec": "h264",
                    "width": 1920,
                    "height": 1080,
                    "fps": 25.0,
                    "frame_count": int(seg.total_seconds() * 25),
                    "has_audio": False,
                    "size_bytes": 900_000_000,
                    "mtime_ns": 0,
                    "sha256": hashlib.sha256(path.encode()).hexdigest(),
                    "state": RecordingState.PRESENT,
                    "state_reason": None,
                    "indexed_at": now,
                    "state_changed_at": now,
                }
            )
            if len(rows) >= BATCH:
                _flush(catalog, rows)
                done += len(rows)
                rows = []
                if progress:
                    progress(done, total)
    if rows:
        _flush(catalog, rows)
        done += len(rows)
    return done


def _flush(catalog: Catalog, rows: list[dict[str, Any]]) -> None:
    with catalog.write() as conn:
        conn.execute(insert(recordings), rows)
