"""Redact one video: the analysis stage composed with the render stage, plus the report files.

:func:`redact_video` is :func:`~cctvkit.redact.analysis.analyze` streamed into
:func:`~cctvkit.redact.render.render` (detection beside masking and encoding, one decode), then
the JSON report and, on request, the review files. Callers that need only tracks (review,
``--keep-face``) use the analysis alone; see those modules for the contract.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from cctvkit.errors import UsageError
from cctvkit.redact.analysis import Analysis, ProgressCallback, analyze, build_detector
from cctvkit.redact.detectors import FaceDetector
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.render import REDACTED_COMMENT, MaskCallback, render
from cctvkit.redact.report import RedactionReport, TrackSummary, write_json
from cctvkit.redact.review import write_contact_sheet
from cctvkit.redact.zones import Polygon

__all__ = [
    "REDACTED_COMMENT",
    "MaskCallback",
    "ProgressCallback",
    "build_detector",
    "default_report_path",
    "redact_video",
    "review_paths",
    "write_review",
]

log = logging.getLogger(__name__)


def review_paths(output_path: Path) -> tuple[Path, Path]:
    """Return the contact sheet (PNG) and tracks (JSON) paths that go with ``output_path``."""
    output_path = Path(output_path)
    stem = output_path.with_suffix("")
    return stem.with_name(stem.name + ".review.png"), stem.with_name(stem.name + ".tracks.json")


def redact_video(
    input_path: Path,
    output_path: Path,
    *,
    options: RedactOptions | None = None,
    span_s: tuple[float, float] | None = None,
    privacy_zones: Sequence[Polygon] = (),
    keep_tracks: Iterable[int] = (),
    detector: FaceDetector | None = None,
    progress: ProgressCallback | None = None,
    report_path: Path | None = None,
    review: bool = False,
    on_mask: MaskCallback | None = None,
    metadata: dict[str, str] | None = None,
) -> RedactionReport:
    """Write a copy of ``input_path`` with every face (but kept tracks) and every zone masked.

    The output is H.264 in MP4 with the input's frame count and timestamps (from the start of
    ``span_s``), even dimensions (an odd input is padded by one black row or column) and no
    audio unless ``options.keep_audio`` (then the same span's audio, re-encoded as AAC). Frames
    are detected every ``options.detect_every_s`` and, for large frames, only on regions (see
    :class:`~cctvkit.redact.regions.RegionDetector`); decoding and encoding run on worker
    threads beside detection. It is written under a temporary name beside
    ``output_path`` and renamed only when complete; on any error nothing is left behind.

    Args:
        input_path: the source video.
        output_path: the redacted MP4 to create (mode 0600).
        options: detection, tracking, masking and encoding parameters.
        span_s: (start, end) seconds of the input to redact, so a request cuts and redacts in
            one decode; ``None`` for the whole file.
        privacy_zones: polygons in normalised coordinates, masked in every frame.
        keep_tracks: track ids (from a review run with the same input and options) to leave
            visible; every other face is masked.
        detector: a ready detector (saves loading one per clip); built from ``options`` if None.
        progress: called with (frames done, frames expected).
        report_path: where to write the JSON report; default ``<output stem>.redaction.json``.
        review: also write a contact sheet of the tracks and a tracks JSON
            (see :func:`review_paths`).
        on_mask: called with each frame's mask (for evaluation).
        metadata: container tags for the output (``creation_time`` as ISO 8601 UTC,
            ``comment``...); ``comment`` defaults to a note that the clip is redacted.

    Returns:
        The report (also written to ``report_path``).

    Raises:
        VideoOpenError: the input cannot be opened.
        CorruptVideoError: the input is truncated or damaged.
        SeekError: ``span_s`` lies outside the input.
        UsageError: bad options, zones or span; output path equal to the input.
        ModelError: detector weights missing or not matching the manifest.
    """
    options = options or RedactOptions()
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.resolve() == input_path.resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    with analyze(input_path, options=options, span_s=span_s, detector=detector) as analysis:
        report = render(
            analysis,
            output_path,
            privacy_zones=privacy_zones,
            keep_tracks=keep_tracks,
            progress=progress,
            on_mask=on_mask,
            metadata=metadata,
        )
    if report_path is None:
        report_path = default_report_path(output_path)
    write_json(report.to_dict(), report_path)
    if review:
        write_review(analysis, report.tracks, output_path)
    log.info(
        "redacted %s: %d frames, %d tracks, %d kept, %.1f fps",
        input_path,
        report.frame_count,
        len(report.tracks),
        len(report.kept_tracks),
        report.frames_per_second,
    )
    return report


def default_report_path(output_path: Path) -> Path:
    """``<output stem>.redaction.json``: where a redaction's JSON report goes by default."""
    stem = Path(output_path).with_suffix("")
    return stem.with_name(stem.name + ".redaction.json")


def write_review(analysis: Analysis, tracks: Sequence[TrackSummary], output_path: Path) -> tuple[Path, Path]:
    """Write the contact sheet and tracks JSON of a finished analysis beside ``output_path``.

    Returns:
        The two paths (see :func:`review_paths`).
    """
    sheet_path, tracks_path = review_paths(output_path)
    write_contact_sheet(analysis.gallery, sheet_path)
    data = {"input": str(analysis.clip.input_path), "tracks": [_track_json(t) for t in tracks]}
    write_json(data, tracks_path)
    return sheet_path, tracks_path


def _track_json(track: TrackSummary) -> dict[str, object]:
    return {
        "track_id": track.track_id,
        "first_frame": track.first_frame,
        "last_frame": track.last_frame,
        "detected_frames": track.detected_frames,
        "best_frame": track.best_frame,
        "best_xyxy": list(track.best_xyxy),
    }
