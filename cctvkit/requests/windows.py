"""Request windows: a place (camera or area) and a time range entered in the site's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from cctvkit.config import SiteConfig
from cctvkit.errors import NotFoundError, UsageError
from cctvkit.ingest.pattern import TimeAmbiguous, localize

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
    site, _, area = wanted.rpartition("/")
    found = tuple(
        c.id
        for c in config.cameras
        if c.area.casefold() == area.strip().casefold()
        and (not site or c.site.casefold() == site.strip().casefold())
    )
    if not found:
        names = sorted({c.id for c in config.cameras} | {c.area for c in config.cameras})
        raise NotFoundError(f"unknown place {place!r} (cameras and areas: {', '.join(names)})")
    return found


def _parse_time(text: str, tz: ZoneInfo, *, what: str, day_of: datetime | None = None) -> datetime:
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        if day_of is None:
            raise UsageError(
                f"window {what} {text!r} is not an ISO date-time (e.g. 2026-10-01T09:00:04)"
            ) from exc
        try:
            clock = time.fromisoformat(text)
        except ValueError as exc:
            raise UsageError(f"window {what} {text!r} is not an ISO date-time or time of day") from exc
        parsed = datetime.combine(day_of.date(), clock)
    if parsed.tzinfo is None:
        # A wall time the DST change skips or repeats is refused, not guessed: taking the first of
        # two instants silently left the second occurrence out of the release (issue 7).
        try:
            parsed = localize(parsed, tz)
        except TimeAmbiguous as exc:
            raise UsageError(
                f"window {what} {text!r}: {exc}; give the UTC offset, e.g. {parsed:%Y-%m-%dT%H:%M:%S}+01:00"
            ) from None
    return parsed


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
    start = _parse_time(start_text, config.tz, what="start")
    end = _parse_time(end_text, config.tz, what="end", day_of=start)
    if end <= start:
        raise UsageError(f"window {spec!r}: the end must be after the start")
    if (end - start).total_seconds() > MAX_WINDOW_HOURS * 3600:
        raise UsageError(f"window {spec!r}: longer than {MAX_WINDOW_HOURS} h; split it into several windows")
    return WindowSpec(place.strip(), cameras, start.astimezone(UTC), end.astimezone(UTC))
