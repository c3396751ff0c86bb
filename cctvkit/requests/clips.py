"""The clips a request produces: numbered, their sources verified, cut into the working directory."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cctvkit._fault import FaultPoints
from cctvkit.catalog.request_records import RequestWindow
from cctvkit.errors import ConflictError, PolicyError, UsageError
from cctvkit.files import sha256_file
from cctvkit.requests.coverage import CameraCoverage, SourceSpan
from cctvkit.requests.cut import CutClip, cut_key, cut_run

__all__ = ["PlannedClip", "cut_clips", "parse_keep_tracks", "parse_withhold", "plan_clips", "verify_sources"]

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


def plan_clips(coverage: Sequence[CameraCoverage]) -> list[PlannedClip]:
    """Number every run of every window and camera as one clip."""
    clips = []
    for cov in coverage:
        for run in cov.runs:
            clips.append(PlannedClip(len(clips) + 1, cov.window, cov.camera_id, run))
    return clips


def _clip_number(text: str, count: int, option: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= count:
        raise UsageError(f"{option}: clip {text!r} does not exist (clips 1..{count})")
    return int(text)


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


def parse_withhold(values: Iterable[str], clip_count: int, *, option: str = "--withhold") -> dict[int, str]:
    """Parse ``--withhold CLIP=REASON``: clips staff decide not to release (13.9.1), with the reason
    (``--accept-faces CLIP=REASON`` has the same form).

    Raises:
        UsageError: malformed value, unknown clip, or no reason.
    """
    out: dict[int, str] = {}
    for value in values:
        clip_text, sep, reason = value.partition("=")
        if not sep or not reason.strip():
            raise UsageError(
                f"{option} {value!r}: expected CLIP=REASON (e.g. 2='faces not reliably detected')"
            )
        out[_clip_number(clip_text, clip_count, option)] = reason.strip()
    return out


def verify_sources(clips: Sequence[PlannedClip]) -> dict[int, str]:
    """Hash every source recording and compare with the catalog (13.2: originals are never altered).

    Returns:
        The sha256 of each recording, by id.

    Raises:
        PolicyError: a recording's content changed since it was indexed.
        ConflictError: a recording's file is gone.
    """
    hashes: dict[int, str] = {}
    for clip in clips:
        for span in clip.spans:
            rec = span.recording
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
