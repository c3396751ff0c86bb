"""Keep the subject by face: which tracks of an analysis are the subject (the render, in
:func:`~cctvkit.redact.pipeline.redact_clip`, masks all but the matching ones).

Nothing is encoded twice: the analysis (no encode) gives the tracks and each one's clearest
sighting; those frames are decoded again and embedded; the render then replays the stored
analysis (no detection) with the matching tracks kept. About 1.1-1.3x a plain redaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.errors import ConflictError
from cctvkit.redact.analysis import (
    AnalysisSummary,
    ProgressCallback,
    analyze,
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
from cctvkit.redact.identity.reference import ReferenceFace
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.report import RedactionReport, TrackSummary
from cctvkit.redact.review import TrackGallery
from cctvkit.video import VideoReader

__all__ = [
    "check_same_tracks",
    "match_tracks",
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
