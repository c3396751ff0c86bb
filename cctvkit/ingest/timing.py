"""A file's start and end: from its name or path, checked against what the container says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cctvkit.config import CameraConfig, SiteConfig
from cctvkit.ingest.layouts import name_zone
from cctvkit.ingest.pattern import FilenamePattern, NameTimes, TimeAmbiguous, TimeNotFound, localize

if TYPE_CHECKING:
    from cctvkit.video import MediaInfo  # PyAV: the scanner imports it only to probe a file

__all__ = ["Timing", "establish_times"]


@dataclass(frozen=True, slots=True)
class Timing:
    """Established times: ``end_utc`` is where the decodable footage ends.

    Attributes:
        note: what disagrees between name and container (shown by ``index show``), if anything.
        damage: why the file counts as damaged (its container's own damage, or a name that spans
            more time than the file holds), if it does.
    """

    start_utc: datetime
    end_utc: datetime
    note: str | None = None
    damage: str | None = None


def establish_times(
    path: Path, camera: CameraConfig, config: SiteConfig, info: MediaInfo, named: NameTimes | None
) -> Timing:
    """Start and end of one file; the name wins over the container's clock, with a note.

    Args:
        path: the file (its stem is read for a plain camera's ``filename_pattern``).
        camera: the file's camera.
        config: the site (its zone is the default for names).
        info: what probing the container found.
        named: times a path pattern read, or ``None`` for a plain camera.

    Raises:
        TimeNotFound: neither the name nor the container gives a time.
        TimeAmbiguous: the name's local time falls in a DST gap, or twice and nothing decides.
    """
    created = info.creation_time_utc
    zone = name_zone(camera, config.site.timezone)
    notes: list[str] = []
    named_end: datetime | None = None
    if named is not None:
        try:
            start = _aware(named.start, named.start_offset, zone, created)
        except TimeAmbiguous:
            # A fall-back start with no creation_time: an unambiguous end in the name decides it.
            end_hint = _unambiguous_end(named, zone)
            if end_hint is None:
                raise
            start = _aware(named.start, named.start_offset, zone, end_hint - _span(info))
        if named.end is not None:
            try:
                named_end = _named_end(named.end, named, zone, start, start + _span(info))
            except TimeAmbiguous as exc:
                notes.append(f"the end in the name is not used: {exc}")
    elif camera.filename_pattern:
        try:
            naive, offset = FilenamePattern.compile(camera.filename_pattern).parse(path.stem)
        except TimeNotFound:
            if created is None:
                raise
            return _checked(
                created,
                None,
                info,
                camera,
                created_note=False,
                notes=["name does not match the pattern; time from the container's creation_time"],
            )
        start = _aware(naive, offset, zone, created)
    else:
        if created is None:
            raise TimeNotFound("no filename pattern for this camera and no creation_time in the container")
        return _checked(created, None, info, camera, created_note=False, notes=[])
    return _checked(start, named_end, info, camera, created_note=True, notes=notes)


def _named_end(
    naive: datetime, named: NameTimes, zone: ZoneInfo, start: datetime, hint: datetime | None
) -> datetime:
    """The name's end in UTC; an undated end placed before the start is on the next day (midnight)."""
    end = _aware(naive, named.end_offset, zone, hint)
    if not named.end_dated and end <= start:
        end = _aware(naive + timedelta(days=1), named.end_offset, zone, hint)
    return end


def _unambiguous_end(named: NameTimes, zone: ZoneInfo) -> datetime | None:
    """The name's end when it is one instant on its own (to decide an ambiguous start), else None."""
    if named.end is None:
        return None
    naive = named.end
    if not named.end_dated and naive <= named.start:
        naive += timedelta(days=1)
    try:
        return _aware(naive, named.end_offset, zone, None)
    except TimeAmbiguous:
        return None


def _aware(naive: datetime, offset: tzinfo | None, zone: ZoneInfo, hint: datetime | None) -> datetime:
    if offset is not None:
        return naive.replace(tzinfo=offset).astimezone(UTC)
    return localize(naive, zone, hint_utc=hint)


def _span(info: MediaInfo) -> timedelta:
    return timedelta(seconds=info.duration_s)


def _checked(
    start: datetime,
    named_end: datetime | None,
    info: MediaInfo,
    camera: CameraConfig,
    *,
    created_note: bool,
    notes: list[str],
) -> Timing:
    """Cross-check the name's times with the container's, beyond the camera's tolerance."""
    tol = camera.time_tolerance_s
    created = info.creation_time_utc
    if created_note and created is not None and abs((created - start).total_seconds()) > tol:
        notes.append(
            f"the name says it starts {start:%Y-%m-%d %H:%M:%S} UTC, the container's creation_time "
            f"{created:%Y-%m-%d %H:%M:%S} UTC ({_gap(created - start)} apart); indexed by the name"
        )
    end = start + _span(info)
    damage = info.damage
    if named_end is not None:
        named_s = (named_end - start).total_seconds()
        if named_s - info.duration_s > tol and damage is None:
            damage = f"it holds {info.duration_s:.1f} s but its name spans {named_s:.1f} s (cut short)"
        elif info.duration_s - named_s > tol:
            notes.append(
                f"it holds {info.duration_s:.1f} s but its name spans only {named_s:.1f} s; "
                "the end is the footage's"
            )
    return Timing(start, end, "; ".join(notes) or None, damage)


def _gap(delta: timedelta) -> str:
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return f"{abs(delta.total_seconds()):.1f} s"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
