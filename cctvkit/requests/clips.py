"""The clips and stills a request produces: numbered, their sources verified, clips cut into the work dir.

Clips are numbered 1.. and stills ``still-1``.. apart, so that a request's clip numbers (which
the review's decisions are stored under) do not move when a snapshot falls between two clips.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cctvkit._fault import FaultPoints
from cctvkit.catalog.records import Recording
from cctvkit.catalog.request_records import RequestWindow
from cctvkit.errors import ConflictError, PolicyError, UsageError
from cctvkit.files import sha256_file
from cctvkit.requests.coverage import CameraCoverage, SourceSpan
from cctvkit.requests.cut import CutClip, cut_key, cut_run

__all__ = [
    "STILL_PREFIX",
    "PlannedClip",
    "PlannedStill",
    "cut_clips",
    "parse_keep_tracks",
    "parse_reasons",
    "plan_clips",
    "plan_stills",
    "verify_sources",
]

STILL_PREFIX = "still-"
"""How options name a still: ``still-1`` is the request's first still (``--withhold still-1=...``)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlannedClip:
    """One clip to cut: a contiguous stretch of one camera's footage within one window.

    Attributes:
        number: 1-based, in window, camera and time order (what ``--keep-track N:ID`` refers to).
        window: the request window.
        camera_id: the camera.
        spans: the parts of recordings to concatenate.
    """

    number: int
    window: RequestWindow
    camera_id: str
    spans: tuple[SourceSpan, ...]

    @property
    def recording_ids(self) -> list[int]:
        return [s.recording.id for s in self.spans]


@dataclass(frozen=True, slots=True)
class PlannedStill:
    """One still (snapshot) to release: a picture whose instant lies in a window.

    Attributes:
        number: 1-based, in window, camera and time order (``still-N`` in options).
        window: the request window.
        camera_id: the camera.
        recording: the catalog's record of the still.
    """

    number: int
    window: RequestWindow
    camera_id: str
    recording: Recording

    @property
    def label(self) -> str:
        """How options and messages name it (``still-1``)."""
        return f"{STILL_PREFIX}{self.number}"

    @property
    def taken_utc(self) -> datetime:
        """The still's instant (the catalog's start time; planned stills always have one)."""
        assert self.recording.start_utc is not None
        return self.recording.start_utc


def plan_stills(coverage: Sequence[CameraCoverage]) -> list[PlannedStill]:
    """Number every releasable still of every window and camera."""
    stills = []
    for cov in coverage:
        for rec in cov.stills:
            stills.append(PlannedStill(len(stills) + 1, cov.window, cov.camera_id, rec))
    return stills


def plan_clips(coverage: Sequence[CameraCoverage]) -> list[PlannedClip]:
    """Number every run of every window and camera as one clip."""
    clips = []
    for cov in coverage:
        for run in cov.runs:
            clips.append(PlannedClip(len(clips) + 1, cov.window, cov.camera_id, run))
    return clips


def _clip_number(text: str, count: int, option: str) -> int:
    if text.strip().lower().startswith(STILL_PREFIX):
        raise UsageError(
            f"{option}: {text.strip()} is a still: a still has no tracks (use --keep-face PHOTO)"
        )
    if not text.strip().isdigit() or not 1 <= int(text) <= count:
        raise UsageError(f"{option}: clip {text!r} does not exist (clips 1..{count})")
    return int(text)


def _still_number(text: str, count: int, option: str) -> int:
    number = text.strip().lower().removeprefix(STILL_PREFIX)
    if not number.isdigit() or not 1 <= int(number) <= count:
        known = f"{STILL_PREFIX}1..{STILL_PREFIX}{count}" if count else "none in this request"
        raise UsageError(f"{option}: still {text.strip()!r} does not exist (stills: {known})")
    return int(number)


def parse_keep_tracks(values: Iterable[str], clip_count: int) -> dict[int, frozenset[int]]:
    """Parse ``--keep-track`` values: ``CLIP:TRACK`` or, when there is one clip, ``TRACK``.

    Track ids are per clip: they come from ``request review``'s contact sheet of that clip.

    Raises:
        UsageError: malformed value, unknown clip, or a bare id with several clips.
    """
    out: dict[int, set[int]] = {}
    for value in values:
        clip_text, sep, track_text = value.rpartition(":")
        if not sep:
            if clip_count != 1:
                raise UsageError(
                    f"--keep-track {value}: this request has {clip_count} clips; "
                    f"write CLIP:TRACK (e.g. 1:{value})"
                )
            clip_text = "1"
        clip = _clip_number(clip_text, clip_count, "--keep-track")
        if not track_text.strip().isdigit():
            raise UsageError(f"--keep-track {value}: the track id must be a number from the review sheet")
        out.setdefault(clip, set()).add(int(track_text))
    return {k: frozenset(v) for k, v in out.items()}


def parse_reasons(
    values: Iterable[str], clip_count: int, still_count: int = 0, *, option: str = "--withhold"
) -> tuple[dict[int, str], dict[int, str]]:
    """Parse ``--withhold ITEM=REASON``: clips or stills staff decide not to release (13.9.1),
    with the reason (``--accept-faces ITEM=REASON`` has the same form). ``ITEM`` is a clip number
    (``2``) or a still (``still-1``).

    Returns:
        (reasons by clip number, reasons by still number).

    Raises:
        UsageError: malformed value, unknown clip or still, or no reason.
    """
    clips: dict[int, str] = {}
    stills: dict[int, str] = {}
    for value in values:
        item, sep, reason = value.partition("=")
        if not sep or not reason.strip():
            raise UsageError(
                f"{option} {value!r}: expected CLIP=REASON or still-N=REASON "
                "(e.g. 2='faces not reliably detected')"
            )
        if item.strip().lower().startswith(STILL_PREFIX):
            stills[_still_number(item, still_count, option)] = reason.strip()
        else:
            clips[_clip_number(item, clip_count, option)] = reason.strip()
    return clips, stills


def verify_sources(clips: Sequence[PlannedClip], stills: Sequence[PlannedStill] = ()) -> dict[int, str]:
    """Hash every source recording (the clips' and the stills') and compare with the catalog
    (13.2: originals are never altered).

    Returns:
        The sha256 of each recording, by id.

    Raises:
        PolicyError: a recording's content changed since it was indexed.
        ConflictError: a recording's file is gone.
    """
    hashes: dict[int, str] = {}
    recordings = [span.recording for clip in clips for span in clip.spans] + [s.recording for s in stills]
    for rec in recordings:
        if rec.id in hashes:
            continue
        try:
            digest = sha256_file(Path(rec.path))
        except FileNotFoundError:
            raise ConflictError(
                f"recording #{rec.id} ({rec.path}) is no longer on disk although the catalog lists it; "
                "run `cctvkit index scan` and try again"
            ) from None
        if rec.sha256 and digest != rec.sha256:
            raise PolicyError(
                f"recording #{rec.id} ({rec.path}) changed since it was indexed (sha256 mismatch); "
                "originals must never be altered (13.2): investigate before releasing anything"
            )
        hashes[rec.id] = digest
    FaultPoints.shared("release").reach("verified")
    return hashes


def cut_clips(
    clips: Sequence[PlannedClip],
    work: Path,
    hashes: dict[int, str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, CutClip]:
    """Cut every clip into ``work`` (reusing earlier cuts of the same spans); by clip number."""
    out = {}
    for clip in clips:
        key = cut_key(clip.spans, hashes)
        path = work / f"cut-{clip.number:02d}-{clip.camera_id}-{key}.mp4"
        out[clip.number] = cut_run(clip.spans, path, hashes=hashes, progress=progress)
        FaultPoints.shared("release").reach("cut")
    return out
