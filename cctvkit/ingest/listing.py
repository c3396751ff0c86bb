"""What the index holds: recordings by camera, place, time and state, and one recording in full."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cctvkit.catalog import recordings as rq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.records import Recording, as_json
from cctvkit.config import SiteConfig
from cctvkit.errors import NotFoundError, UsageError

__all__ = ["find_recording", "list_recordings", "recording_json"]


def list_recordings(
    catalog: Catalog,
    config: SiteConfig,
    *,
    cameras: Sequence[str] | None = None,
    place: str | None = None,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    states: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Recording]:
    """Recordings overlapping ``[start_utc, end_utc)``, oldest first.

    Args:
        cameras: only these camera ids.
        place: an area name, or ``site/area``.
        states: only these states (present, missing, quarantined, purged).

    Raises:
        UsageError: the end is not after the start.
        NotFoundError: an unknown camera.
    """
    if start_utc and end_utc and end_utc <= start_utc:
        raise UsageError("--to must be after --from")
    for cam in cameras or []:
        if config.camera(cam) is None:
            raise NotFoundError(
                f"unknown camera {cam!r} (configured: {', '.join(c.id for c in config.cameras)})"
            )
    site, area = _split_place(place)
    with catalog.read() as conn:
        return rq.list_recordings(
            conn,
            camera_ids=list(cameras) if cameras else None,
            site=site,
            area=area,
            start_utc=start_utc,
            end_utc=end_utc,
            states=list(states) if states else None,
            limit=limit,
        )


def find_recording(catalog: Catalog, target: str) -> Recording:
    """One recording by id or by path.

    Raises:
        NotFoundError: no such recording in the catalog.
    """
    with catalog.read() as conn:
        if target.isdigit():
            rec = rq.get_recording(conn, int(target))
        else:
            rec = rq.find_recording(conn, os.path.abspath(target))
    if rec is None:
        raise NotFoundError(f"no recording {target!r} in the catalog")
    return rec


def recording_json(recording: Recording) -> dict[str, Any]:
    """A recording as plain JSON values."""
    return as_json(recording)


def _split_place(place: str | None) -> tuple[str | None, str | None]:
    if not place:
        return None, None
    if "/" in place:
        site, area = place.split("/", 1)
        return site.strip() or None, area.strip() or None
    return None, place.strip()
