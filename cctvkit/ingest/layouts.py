"""Archive layouts of common NVRs as path patterns, and each camera's effective patterns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from cctvkit.ingest.pattern import PathPattern

__all__ = [
    "PRESETS",
    "CameraNaming",
    "Layout",
    "LayoutPreset",
    "camera_patterns",
    "name_zone",
    "uses_path_patterns",
]

UTC_ZONE = ZoneInfo("UTC")


class Layout(StrEnum):
    """NVR archive layouts cctvkit knows (issue 14); :data:`PRESETS` holds their patterns."""

    FRIGATE = "frigate"
    HIKVISION = "hikvision"
    DAHUA = "dahua"


class CameraNaming(Protocol):
    """What this module reads of a camera (:class:`cctvkit.config.CameraConfig` has it).

    A protocol rather than an import: the config validates cameras with this module, so this
    module must not import the config (issue 24: the two imported each other).
    """

    @property
    def id(self) -> str: ...
    @property
    def directory(self) -> str | None: ...
    @property
    def path_pattern(self) -> str | list[str] | None: ...
    @property
    def layout(self) -> Layout | None: ...
    @property
    def channel(self) -> int | None: ...
    @property
    def nvr_name(self) -> str | None: ...
    @property
    def timezone(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class LayoutPreset:
    """One NVR's layout: path patterns with ``{name}``/``{channel}`` slots, and the zone of its names.

    Attributes:
        patterns: alternatives tried in order; ``{name}`` is the camera's NVR name, ``{channel:02d}``
            its channel number.
        names_in_utc: the NVR writes UTC times (Frigate), whatever the camera's zone.
        needs_channel: the camera must set ``channel``.
        sample: a sample file path below the archive root, for docs and error messages.
        example: the ``[[cameras]]`` entries ``cctvkit init --layout`` writes.
    """

    patterns: tuple[str, ...]
    names_in_utc: bool
    needs_channel: bool
    sample: str
    example: str


_RETAIN = """\
retention_days = 30                   # 1..90: policy 12.5 allows 90 days at most
retention_justification = "Incidents are reported within days; 30 days covers claims."
"""

_FRIGATE = (
    """\
# archive_roots should name Frigate's recordings folder (e.g. /media/frigate/recordings):
#   2026-10-01/08/front_door/00.00.mp4 = 1 October 2026, 08:00:00 UTC, camera front_door
[[cameras]]
id = "front_door"
site = "Riverside Depot"
area = "Front door"
layout = "frigate"                    # %Y-%m-%d/%H/<nvr_name>/%M.%S, times in UTC
# nvr_name = "front_door"             # the camera's folder in Frigate (default: the id)
"""
    + _RETAIN
)

_HIKVISION = (
    """\
# Hikvision exports: ch01_20261001090000_20261001091500.mp4 (start and end, local time) or
# 192.168.1.64_01_20261001090000123.mp4 (start with milliseconds); several channels per folder.
[[cameras]]
id = "yard"
site = "Riverside Depot"
area = "Yard"
layout = "hikvision"
channel = 1
# directory = "export"                # a folder below the archive root holding the files
"""
    + _RETAIN
    + """
[[cameras]]
id = "loading-bay"
site = "Riverside Depot"
area = "Loading bay"
layout = "hikvision"
channel = 2
"""
    + _RETAIN
)

_DAHUA = (
    """\
# Dahua: 2026-10-01/001/dav/09/09.00.00-09.15.00[M][0@0][0].dav (or .mp4), local time.
# FFmpeg reads many .dav files; those it cannot read are quarantined: export them as MP4.
[[cameras]]
id = "car-park"
site = "Riverside Depot"
area = "Car park"
layout = "dahua"
channel = 1                           # the channel folder, 001
"""
    + _RETAIN
)

PRESETS: dict[Layout, LayoutPreset] = {
    # Frigate's own recordings index: recordings/YYYY-MM-DD/HH/<camera>/MM.SS.mp4, all in UTC.
    Layout.FRIGATE: LayoutPreset(
        ("%Y-%m-%d/%H/{name}/%M.%S",), True, False, "2026-10-01/08/front_door/00.00.mp4", _FRIGATE
    ),
    # Hikvision exports: ch01_<start>_<end>.mp4, or <device>_01_<start with milliseconds>.mp4.
    Layout.HIKVISION: LayoutPreset(
        (
            "ch{channel:02d}_%Y%m%d%H%M%S_%(end)Y%(end)m%(end)d%(end)H%(end)M%(end)S",
            "*_{channel:02d}_%Y%m%d%H%M%S%f",
        ),
        False,
        True,
        "ch01_20261001090000_20261001091500.mp4",
        _HIKVISION,
    ),
    # Dahua: YYYY-MM-DD/<channel>/dav/HH/HH.MM.SS-HH.MM.SS[M][0@0][0].dav (or .mp4 when exported).
    Layout.DAHUA: LayoutPreset(
        ("%Y-%m-%d/{channel:03d}/dav/%H/%H.%M.%S-%(end)H.%(end)M.%(end)S*",),
        False,
        True,
        "2026-10-01/001/dav/09/09.00.00-09.15.00[M][0@0][0].dav",
        _DAHUA,
    ),
}


def uses_path_patterns(camera: CameraNaming) -> bool:
    """Whether the camera's files are matched by path patterns (a layout or ``path_pattern``)."""
    return camera.layout is not None or camera.path_pattern is not None


def camera_patterns(camera: CameraNaming) -> list[PathPattern]:
    """The camera's path patterns, below ``directory`` when one is set; empty for a plain camera.

    Raises:
        ValueError: a pattern that does not compile (the message names the problem).
    """
    if camera.layout is not None:
        preset = PRESETS[camera.layout]
        # Literal text of the NVR name must not read as codes.
        name = (camera.nvr_name or camera.id).replace("%", "%%")
        texts = [p.format(name=name, channel=camera.channel or 0) for p in preset.patterns]
    elif isinstance(camera.path_pattern, str):
        texts = [camera.path_pattern]
    else:
        texts = list(camera.path_pattern or [])
    prefix = camera.directory.strip("/").replace("%", "%%") + "/" if camera.directory else ""
    return [PathPattern.compile(prefix + t) for t in texts]


def name_zone(camera: CameraNaming, site_zone: str) -> ZoneInfo:
    """The zone the camera's file names are written in (Frigate: UTC; else the camera's zone)."""
    if camera.layout is not None and PRESETS[camera.layout].names_in_utc:
        return UTC_ZONE
    return ZoneInfo(camera.timezone or site_zone)
