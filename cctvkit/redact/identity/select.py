"""Keep the subject by face: an analysis finds the tracks, the render masks all but the matching ones.

Nothing is encoded twice: the analysis (no encode) gives the tracks and each one's clearest
sighting; those frames are decoded again and embedded; the render then replays the stored
analysis (no detection) with the matching tracks kept. About 1.1-1.3x a plain redaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.errors import ConflictError, NotFoundError
from cctvkit.redact.analysis import (
    AnalysisSummary,
    ProgressCallback,
    StoredAnalysis,
    analyze,
    build_detector,
    collect,
    replay,
)
from cctvkit.redact.detectors import FaceDetector
from cctvkit.redact.identity.embedder import FaceEmbedder
from cctvkit.redact.identity.match import (
    DEFAULT_MAX_DISTANCE,
    MIN_FACE_PX,
    IdentityMatch,
    TrackCandidate,
    decide_tracks,
)
from cctvkit.redact.identity.reference import ReferenceFace, load_reference
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.pipeline import default_report_path, write_review
from cctvkit.redact.render import render
from cctvkit.redact.report import RedactionReport, TrackSummary, write_json
from cctvkit.redact.review import TrackGallery
from cctvkit.redact.zones import Polygon
from cctvkit.video import VideoReader

__all__ = [
    "check_same_tracks",
    "match_tracks",
    "redact_keeping_face",
    "redact_keeping_reference",
    "select_tracks",
]

log = logging.getLogger(__name__)


def select_tracks(
    input_path: Path,
    reference: ReferenceFace,
    *,
    embedder: FaceEmbedder,
    options: RedactOptions | None = None,
    span_s: tuple[float, float] | None = None,
    detector: FaceDetector | None = None,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    min_face_px: float = MIN_FACE_PX,
    progress: ProgressCallback | None = None,
) -> IdentityMatch:
    """Find the tracks of ``input_path`` and decide which are the subject (analysis only, no encode).

    Track ids are deterministic for the same input and options, so the ids decided here are the
    ones a :func:`~cctvkit.redact.pipeline.redact_video` with the same ``options`` and ``span_s``
    assigns (see :func:`check_same_tracks`).

    Args:
        input_path: the video.
        reference: the subject's face (:func:`load_reference`).
        embedder: the face embedder.
        options: the redaction options the real pass will use.
        span_s: (start, end) seconds, as the real pass will use.
        detector: a ready detector (built from ``options`` if None).
        max_distance: the similarity threshold.
        min_face_px: narrower sightings are not compared.
        progress: called with (frames done, frames expected) during the analysis.

    Returns:
        A decision for every track, with distances.

    Raises:
        VideoOpenError, CorruptVideoError, SeekError, UsageError, ModelError: as
            :func:`~cctvkit.redact.analysis.analyze`.
    """
    with analyze(
        input_path, options=options, span_s=span_s, detector=detector, progress=progress
    ) as analysis:
        summary = analysis.run()
    return match_tracks(
        summary,
        reference,
        embedder=embedder,
        max_distance=max_distance,
        min_face_px=min_face_px,
        gallery=analysis.gallery,
    )


def match_tracks(
    summary: AnalysisSummary,
    reference: ReferenceFace,
    *,
    embedder: FaceEmbedder,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    min_face_px: float = MIN_FACE_PX,
    gallery: TrackGallery | None = None,
) -> IdentityMatch:
    """Decide which tracks of a finished analysis are the subject (nothing is detected).

    With the live analysis' ``gallery`` the sightings are embedded from the pixels it kept;
    without (a stored analysis), the analysed span is decoded again up to the last track's
    clearest sighting.
    """
    clip, options = summary.clip, summary.options
    if gallery is not None:
        candidates = _embed_kept_sightings(summary.tracks, embedder, gallery)
    else:
        candidates = _embed_sightings(Path(clip.input_path), summary.tracks, embedder, clip.span_s)
    fps = float(Fraction(clip.fps))
    tolerance = options.frames(options.lookahead_s + options.trail_s, fps)
    tracks = decide_tracks(
        reference.embedding,
        candidates,
        max_distance=max_distance,
        min_face_px=min_face_px,
        overlap_tolerance_frames=tolerance,
    )
    match = IdentityMatch(
        reference.name,
        reference.sha256,
        reference.face_xyxy,
        max_distance,
        min_face_px,
        embedder.info,
        tracks,
    )
    log.info(
        "%s: %d track(s), kept %s by face (max distance %.2f)",
        clip.input_path,
        len(tracks),
        list(match.kept_tracks),
        max_distance,
    )
    return match


def _embed_sightings(
    input_path: Path,
    tracks: Sequence[TrackSummary],
    embedder: FaceEmbedder,
    span_s: tuple[float, float] | None,
) -> list[TrackCandidate]:
    wanted: dict[int, list[TrackSummary]] = {}
    for track in tracks:
        if track.detected_frames > 0 and track.best_xyxy[2] > track.best_xyxy[0]:
            wanted.setdefault(track.best_frame, []).append(track)
    embeddings = {}
    if wanted:
        last = max(wanted)
        start_s, end_s = span_s if span_s is not None else (None, None)
        with VideoReader(input_path) as reader:
            for frame in reader.frames(start_s, end_s):
                for track in wanted.get(frame.index, []):
                    embeddings[track.track_id] = embedder.embed(frame.image, track.best_xyxy)
                if frame.index >= last:
                    break
    return _candidates(tracks, embeddings)


def _embed_kept_sightings(
    tracks: Sequence[TrackSummary], embedder: FaceEmbedder, gallery: TrackGallery
) -> list[TrackCandidate]:
    embeddings = {}
    for track in tracks:
        sighting = gallery.sighting(track.track_id)
        if track.detected_frames > 0 and track.best_xyxy[2] > track.best_xyxy[0] and sighting is not None:
            embeddings[track.track_id] = embedder.embed(*sighting)
    return _candidates(tracks, embeddings)


def _candidates(tracks: Sequence[TrackSummary], embeddings: dict[int, np.ndarray]) -> list[TrackCandidate]:
    return [
        TrackCandidate(
            t.track_id,
            t.first_frame,
            t.last_frame,
            float(t.best_xyxy[2] - t.best_xyxy[0]) if t.track_id in embeddings else 0.0,
            embeddings.get(t.track_id),
        )
        for t in tracks
    ]


def check_same_tracks(match: IdentityMatch, report: RedactionReport) -> None:
    """Check the real pass saw the tracks the first pass decided on.

    Raises:
        ConflictError: the track ids or their frame ranges differ (the decision would apply to
            the wrong faces).
    """
    decided = [(t.track_id, t.first_frame, t.last_frame) for t in match.tracks]
    seen = [(t.track_id, t.first_frame, t.last_frame) for t in report.tracks]
    if decided != seen:
        raise ConflictError(
            f"{report.input_path}: the face tracks changed between the two passes "
            f"({len(decided)} then {len(seen)}); pick tracks with --review and --keep-track instead"
        )


def redact_keeping_reference(
    input_path: Path,
    output_path: Path,
    reference: ReferenceFace,
    *,
    embedder: FaceEmbedder,
    options: RedactOptions | None = None,
    span_s: tuple[float, float] | None = None,
    privacy_zones: Sequence[Polygon] = (),
    keep_tracks: Iterable[int] = (),
    max_distance: float = DEFAULT_MAX_DISTANCE,
    detector: FaceDetector | None = None,
    progress: ProgressCallback | None = None,
    report_path: Path | None = None,
    review: bool = False,
    metadata: dict[str, str] | None = None,
) -> tuple[RedactionReport, IdentityMatch]:
    """Redact ``input_path`` leaving visible the tracks whose face matches a loaded ``reference``.

    The analysis runs once (no encode) and is kept as plain boxes; the matching tracks are
    decided (:func:`match_tracks`); the render replays the stored analysis with them (plus
    ``keep_tracks``) kept. The JSON report (``report_path``, default ``<output stem>.redaction.json``)
    gains an ``identity`` section with the threshold, every track's distance and decision.
    Arguments as :func:`redact_keeping_face`, but for ``reference`` and ``metadata`` (container tags).

    Returns:
        The redaction report and the identity decisions.
    """
    options = options or RedactOptions()
    input_path, output_path = Path(input_path), Path(output_path)
    if not output_path.parent.is_dir():  # before the work, not after
        raise NotFoundError(f"{output_path.parent}: the output folder does not exist")

    def first_half(done: int, total: int) -> None:
        if progress is not None:
            progress(done, 2 * total)

    def second_half(done: int, total: int) -> None:
        if progress is not None:
            progress(total + done, 2 * total)

    with analyze(
        input_path, options=options, span_s=span_s, detector=detector, progress=first_half
    ) as analysis:
        stored: StoredAnalysis = collect(analysis)
    match = match_tracks(
        stored.summary, reference, embedder=embedder, max_distance=max_distance, gallery=analysis.gallery
    )
    report = render(
        replay(stored),
        output_path,
        privacy_zones=privacy_zones,
        keep_tracks=sorted({*map(int, keep_tracks), *match.kept_tracks}),
        progress=second_half,
        metadata=metadata,
    )
    try:
        check_same_tracks(match, report)
    except ConflictError:
        output_path.unlink(missing_ok=True)
        raise
    write_json(
        {**report.to_dict(), "identity": match.to_dict()}, report_path or default_report_path(output_path)
    )
    if review:
        write_review(analysis, report.tracks, output_path)
    return report, match


def redact_keeping_face(
    input_path: Path,
    output_path: Path,
    photo_path: Path,
    *,
    options: RedactOptions | None = None,
    span_s: tuple[float, float] | None = None,
    privacy_zones: Sequence[Polygon] = (),
    keep_tracks: Iterable[int] = (),
    max_distance: float = DEFAULT_MAX_DISTANCE,
    detector: FaceDetector | None = None,
    embedder: FaceEmbedder | None = None,
    progress: ProgressCallback | None = None,
    report_path: Path | None = None,
    review: bool = False,
) -> tuple[RedactionReport, IdentityMatch]:
    """Redact ``input_path`` leaving visible the tracks whose face matches ``photo_path``.

    One analysis and one render (see :func:`redact_keeping_reference`): the detection runs
    once, the render replays it with the matching tracks (plus ``keep_tracks``) kept.

    Args:
        input_path: the source video.
        output_path: the redacted MP4 to create.
        photo_path: the subject's reference photo (one face).
        options: detection, tracking, masking and encoding parameters.
        span_s: (start, end) seconds to redact; None for the whole file.
        privacy_zones: polygons in normalised coordinates, masked in every frame.
        keep_tracks: track ids kept in addition to the matching ones.
        max_distance: the similarity threshold (see :data:`DEFAULT_MAX_DISTANCE`).
        detector: a ready detector; built from ``options`` if None.
        embedder: a ready embedder; loaded if None.
        progress: called with (frames done, frames expected) over both passes.
        report_path: the JSON report; default ``<output stem>.redaction.json``.
        review: also write the contact sheet and tracks JSON (see ``review_paths``).

    Returns:
        The redaction report and the identity decisions.

    Raises:
        NotFoundError: the photo or the output folder does not exist.
        UsageError: unreadable photo, no face or several similar faces in it; bad options.
        ModelError: dlib or its weights are missing (extra ``faces``), or detector weights.
        ConflictError: the analysis and the render saw different tracks (the output is removed).
        VideoOpenError, CorruptVideoError, SeekError: as ``redact_video``.
    """
    options = options or RedactOptions()
    output_path = Path(output_path)
    if not output_path.parent.is_dir():  # before loading models, not after
        raise NotFoundError(f"{output_path.parent}: the output folder does not exist")
    embedder = embedder or FaceEmbedder()
    detector = detector or build_detector(options)
    reference = load_reference(photo_path, detector=detector, embedder=embedder, threshold=options.threshold)
    return redact_keeping_reference(
        input_path,
        output_path,
        reference,
        embedder=embedder,
        options=options,
        span_s=span_s,
        privacy_zones=privacy_zones,
        keep_tracks=keep_tracks,
        max_distance=max_distance,
        detector=detector,
        progress=progress,
        report_path=report_path,
        review=review,
    )
