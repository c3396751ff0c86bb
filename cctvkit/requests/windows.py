"""Request windows: a place (camera or area) and a time range entered in the site's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cctvkit.cameras import cameras_watching
from cctvkit.config import SiteConfig
from cctvkit.errors import NotFoundError, UsageError
from cctvkit.timeparse import parse_local

__all__ = ["MAX_WINDOW_HOURS", "WindowSpec", "parse_window", "resolve_place"]

MAX_WINDOW_HOURS = 24
"""A longer window is almost certainly a typo; split genuine long requests into several windows."""


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A window as entered, resolved to cameras and UTC.

    Attributes:
        place: the camera id or area as the operator named it.
        camera_ids: the cameras it resolves to.
        start_utc: start (inclusive), aware UTC.
        end_utc: end (exclusive), aware UTC.
    """

    place: str
    camera_ids: tuple[str, ...]
    start_utc: datetime
    end_utc: datetime


def resolve_place(place: str, config: SiteConfig) -> tuple[str, ...]:
    """The cameras a place names: a camera id, an area, or ``site/area`` (case-insensitive).

    Raises:
        NotFoundError: no camera or area has that name.
    """
    wanted = place.strip()
    cam = config.camera(wanted)
    if cam is not None:
        return (cam.id,)
    found = cameras_watching(wanted, config)
    if not found:
        names = sorted({c.id for c in config.cameras} | {c.area for c in config.cameras})
        raise NotFoundError(f"unknown place {place!r} (cameras and areas: {', '.join(names)})")
    return found


def parse_window(spec: str, config: SiteConfig) -> WindowSpec:
    """Parse ``PLACE@FROM/TO``, e.g. ``gate@2026-10-01T09:00:04/09:00:10``.

    ``FROM`` and ``TO`` are ISO 8601, in the site's timezone unless they carry an offset; ``TO``
    may be a bare time of day on ``FROM``'s date.

    Raises:
        UsageError: malformed spec, end not after start, or longer than ``MAX_WINDOW_HOURS``.
        NotFoundError: unknown place.
    """
    place, sep, span = spec.partition("@")
    start_text, sep2, end_text = span.partition("/")
    if not sep or not sep2 or not place.strip():
        raise UsageError(f"window {spec!r}: expected PLACE@FROM/TO (e.g. gate@2026-10-01T09:00:04/09:00:10)")
    cameras = resolve_place(place, config)
    start = parse_local(start_text, config.tz, what="window start")
    end = parse_local(end_text, config.tz, what="window end", day_of=start)
    if end <= start:
        raise UsageError(f"window {spec!r}: the end must be after the start")
    if (end - start).total_seconds() > MAX_WINDOW_HOURS * 3600:
        raise UsageError(f"window {spec!r}: longer than {MAX_WINDOW_HOURS} h; split it into several windows")
    return WindowSpec(place.strip(), cameras, start.astimezone(UTC), end.astimezone(UTC))
