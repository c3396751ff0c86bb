"""Redact one video: decode, detect, track, carry, mask and encode, with an atomic output."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import supervision as sv

from cctvkit._worker import OrderedWorker
from cctvkit.errors import CorruptVideoError, UsageError
from cctvkit.files import atomic_path
from cctvkit.redact.carry import MaskPlanner
from cctvkit.redact.detectors import FaceDetector, create_detector
from cctvkit.redact.masking import Masker
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.regions import RegionDetector
from cctvkit.redact.report import FrameStat, RedactionReport, TrackSummary, write_json
from cctvkit.redact.review import TrackGallery, write_contact_sheet
from cctvkit.redact.tracking import FaceTracker
from cctvkit.redact.zones import Polygon, rasterize_zones
from cctvkit.video import AudioSpan, VideoFrame, VideoReader, VideoWriter, probe

__all__ = ["MaskCallback", "ProgressCallback", "build_detector", "redact_video", "review_paths"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called after each output frame with (frames done, frames expected)."""

MaskCallback = Callable[[int, np.ndarray, sv.Detections], None]
"""Called per output frame with its index, its boolean (height, width) mask (reused: copy to keep)
and the face boxes masked; for evaluation."""

PREFETCH_FRAMES = 4
"""Frames decoded ahead on a worker thread (each 1080p RGB frame is 6 MB)."""

ENCODE_QUEUE_FRAMES = 4
"""Frames queued for the encoder's worker thread."""

MASK_QUEUE_FRAMES = 4
"""Frames queued for the masking thread."""

REDACTED_COMMENT = "redacted by cctvkit (faces and privacy zones masked)"


def build_detector(options: RedactOptions) -> FaceDetector:
    """Create the detector ``options`` names (reuse it across clips: loading costs ~0.3 s).

    Raises:
        UsageError: unknown detector or provider.
        ModelError: weights missing or not matching the manifest.
    """
    extra = {"weights_path": options.weights} if options.weights else {}
    return create_detector(
        options.model,
        score_threshold=options.min_score,
        input_long_side=options.detect_long_side,
        provider=options.provider,
        threads=options.threads,
        precision=options.precision,
        **extra,
    )


def review_paths(output_path: Path) -> tuple[Path, Path]:
    """Return the contact sheet (PNG) and tracks (JSON) paths that go with ``output_path``."""
    output_path = Path(output_path)
    stem = output_path.with_suffix("")
    return stem.with_name(stem.name + ".review.png"), stem.with_name(stem.name + ".tracks.json")


@dataclass(slots=True)
class _TrackTally:
    first_frame: int
    last_frame: int
    detected_frames: int = 0
    covered_frames: int = 0


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
    frame_range: tuple[int, int] | None = None,
    track_id_offset: int = 0,
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
        frame_range: (first, end) indices among the span's frames to write (a chunk's core,
            see :mod:`cctvkit.jobs`); the frames around them are decoded, detected and tracked
            only, so tracks, lookahead and trail at the chunk's edges see them. ``None``: all.
        track_id_offset: added to every track id (ids unique across a clip's chunks); kept
            tracks and the report use the shifted ids.

    Returns:
        The report (also written to ``report_path``).

    Raises:
        VideoOpenError: the input cannot be opened.
        CorruptVideoError: the input is truncated or damaged.
        SeekError: ``span_s`` lies outside the input.
        UsageError: bad options, zones or span; output path equal to the input.
        ModelError: detector weights missing or not matching the manifest.
    """
    started = time.perf_counter()
    options = options or RedactOptions()
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.resolve() == input_path.resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    if span_s is not None and not 0 <= span_s[0] < span_s[1]:
        raise UsageError(f"span {span_s}: needs 0 <= start < end")
    info = probe(input_path)  # truncation and damage surface here, before any work
    if info.kind != "video":
        raise UsageError(f"{input_path}: a still image, not a video")
    keep = frozenset(int(t) for t in keep_tracks)
    detector = detector or build_detector(options)

    with VideoReader(input_path) as reader:
        fps = reader.fps
        width, height = reader.width, reader.height
        out_w, out_h = width + width % 2, height + height % 2
        stride = options.detect_stride(float(fps))
        regions = None
        if options.use_regions((width, height)):
            regions = RegionDetector(detector, (width, height), sweep_every=options.sweep_every)
        # The tracker sees only the detected frames: its frame rate is theirs.
        tracker = FaceTracker(
            fps=float(fps) / stride, threshold=options.threshold, lost_track_s=options.lost_track_s
        )
        reach = (
            options.frames(options.lookahead_s, float(fps), minimum=1),
            options.frames(options.trail_s, float(fps), minimum=1),
        )
        # On busy footage a face is looked for natively only on every sweep: one first found
        # there may have been visible since the previous sweep, and a small one lost after a
        # sighting may stay unseen until the next sweep (then the usual trail applies).
        sweep_gap = options.sweep_every * stride if regions is not None else 0
        busy_reach = (max(reach[0], sweep_gap), reach[1] + sweep_gap)
        planner: MaskPlanner[VideoFrame] = MaskPlanner(
            resolution_wh=(width, height),
            lookahead_frames=busy_reach[0],
            trail_frames=busy_reach[1],
            confirm_frames=2 * stride,
            max_gap_frames=options.frames(options.lost_track_s, float(fps), minimum=1),
        )
        audio = None
        if options.keep_audio and reader.has_audio:
            audio = AudioSpan(input_path, *(span_s if span_s is not None else (0.0, None)))
        elif options.keep_audio:
            log.info("%s has no audio track: the output has none either", input_path)
        masker = Masker(options.style, (width, height), rasterize_zones(privacy_zones, (width, height)))
        expected = _expected_frames(info.frame_count, fps, span_s)
        if frame_range is not None:
            expected = frame_range[1] - frame_range[0]
        gallery = TrackGallery()
        tallies: dict[int, _TrackTally] = {}
        stats: list[FrameStat] = []
        detection_counts: dict[int, int] = {}
        untracked = 0
        first_pts: list[int | None] = []
        padded = (out_w, out_h) != (width, height)

        with (
            atomic_path(output_path) as partial,
            VideoWriter(
                partial,
                width=out_w,
                height=out_h,
                fps=fps,
                time_base=reader.time_base,
                preset=options.preset,
                crf=options.crf,
                x264_params=options.x264_params,
                metadata={"comment": REDACTED_COMMENT, **(metadata or {})},
                queue_frames=ENCODE_QUEUE_FRAMES,
                audio=audio,
            ) as writer,
            closing(reader.frames(*(span_s or (None, None)), prefetch=PREFETCH_FRAMES)) as frames,
        ):

            def emit(frame: VideoFrame, boxes: sv.Detections) -> None:
                nonlocal untracked
                if frame_range is not None and not frame_range[0] <= frame.index < frame_range[1]:
                    detection_counts.pop(frame.index, None)
                    return  # context for a chunk's edges, not part of its output
                if track_id_offset:
                    ids = boxes.tracker_id
                    boxes.tracker_id = np.where(ids >= 0, ids + track_id_offset, ids)
                gallery.add(frame.index, frame.image, boxes)  # before masking: best sightings
                # A kept track's boxes up to one it adopted by distance may be a stranger's
                # (see MaskPlanner), so they stay masked.
                kept = np.zeros(len(boxes), bool)
                if keep:
                    kept = np.isin(boxes.tracker_id, list(keep)) & ~boxes.data["early"]
                for track_id, source in zip(boxes.tracker_id, boxes.data["source"], strict=True):
                    if track_id < 0:
                        untracked += source == "detected"
                        continue
                    tally = tallies.setdefault(int(track_id), _TrackTally(frame.index, frame.index))
                    tally.last_frame = frame.index
                    tally.covered_frames += 1
                    tally.detected_frames += source == "detected"
                masked_boxes = boxes[~kept]
                mask = masker.apply(frame.image, masked_boxes.xyxy)
                if on_mask is not None:
                    on_mask(frame.index, mask, masked_boxes)
                image = frame.image
                if padded:  # a new canvas each frame: the encoder thread may still hold the last
                    image = np.zeros((out_h, out_w, 3), np.uint8)
                    image[:height, :width] = frame.image
                if not first_pts:
                    first_pts.append(frame.pts)
                pts = None if frame.pts is None or first_pts[0] is None else frame.pts - first_pts[0]
                writer.write(image, pts=pts)
                stats.append(
                    FrameStat(
                        frame.index,
                        round(frame.time_s - (span_s[0] if span_s else 0.0), 4),
                        detection_counts.pop(frame.index, 0),
                        len(masked_boxes),
                        int(kept.sum()),
                        round(np.count_nonzero(mask) / mask.size, 5),
                    )
                )
                if progress is not None:
                    progress(len(stats), max(expected, len(stats)))

            # Masking and handing frames to the encoder run on their own thread, beside the
            # detection of later frames (issue #6: ~7-11 % of the main thread's time).
            masking: OrderedWorker[tuple[VideoFrame, sv.Detections]] = OrderedWorker(
                lambda item: emit(*item), capacity=MASK_QUEUE_FRAMES, name="redact-mask"
            )
            try:
                faces = _no_faces()
                for frame in frames:
                    if frame.index % stride == 0:
                        if regions is not None:
                            detections = regions.detect(frame.image, faces.xyxy)
                        else:
                            detections = detector.detect(frame.image)
                        detection_counts[frame.index] = int(
                            np.count_nonzero(detections.confidence >= options.threshold)
                        )
                        faces = tracker.update(detections)
                        pushed = faces
                    else:
                        pushed = _no_faces()
                    frame_reach = busy_reach if regions is not None and regions.busy else reach
                    for ready in planner.push(frame.index, pushed, frame, reach=frame_reach):
                        masking.put(ready)
                for ready in planner.flush():
                    masking.put(ready)
            finally:
                masking.stop()
            masking.raise_error()
            if span_s is None and len(stats) < info.frame_count:
                # NOTE(issue #4): FFmpeg drops undecodable frames silently; a short output must
                # not pass for a complete redaction.
                raise CorruptVideoError(
                    f"{input_path}: decoded {len(stats)} of {info.frame_count} frames (damaged data)"
                )
            if not stats:
                raise UsageError(f"{input_path}: no frames in span {span_s}")

    tracks = tuple(
        TrackSummary(
            track_id,
            tally.first_frame,
            tally.last_frame,
            tally.detected_frames,
            tally.covered_frames,
            track_id in keep,
            *(gallery.best(track_id) or (tally.first_frame, (0.0, 0.0, 0.0, 0.0))),
        )
        for track_id, tally in sorted(tallies.items())
    )
    report = RedactionReport(
        input_path=str(input_path),
        output_path=str(output_path),
        span_s=tuple(span_s) if span_s is not None else None,
        width=out_w,
        height=out_h,
        fps=str(Fraction(fps)),
        frame_count=len(stats),
        audio=audio is not None,
        parameters={
            **options.to_dict(),
            "privacy_zones": [[list(map(float, v)) for v in zone] for zone in privacy_zones],
            "keep_tracks_requested": sorted(keep),
            "detect_stride_frames": stride,
            "detect_regions": regions is not None,
            "detect_region_stats": asdict(regions.stats) if regions is not None else None,
        },
        detector=detector.info,
        tracks=tracks,
        kept_tracks=tuple(sorted(keep & set(tallies))),
        unknown_kept_tracks=tuple(sorted(keep - set(tallies))),
        untracked_boxes=untracked,
        masked_fraction_mean=round(float(np.mean([s.masked_fraction for s in stats])), 5),
        frames=tuple(stats),
        elapsed_s=round(time.perf_counter() - started, 3),
    )
    if report.unknown_kept_tracks:
        log.warning(
            "kept track ids %s do not exist: nothing was left visible for them",
            list(report.unknown_kept_tracks),
        )
    if report_path is None:
        stem = output_path.with_suffix("")
        report_path = stem.with_name(stem.name + ".redaction.json")
    write_json(report.to_dict(), report_path)
    if review:
        sheet_path, tracks_path = review_paths(output_path)
        write_contact_sheet(gallery, sheet_path)
        write_json({"input": str(input_path), "tracks": [_track_json(t) for t in tracks]}, tracks_path)
    log.info(
        "redacted %s: %d frames, %d tracks, %d kept, %.1f fps",
        input_path,
        report.frame_count,
        len(tracks),
        len(report.kept_tracks),
        report.frames_per_second,
    )
    return report


def _no_faces() -> sv.Detections:
    return sv.Detections(
        xyxy=np.empty((0, 4), np.float32),
        confidence=np.empty(0, np.float32),
        tracker_id=np.empty(0, int),
    )


def _expected_frames(count: int, fps: Fraction, span_s: tuple[float, float] | None) -> int:
    if span_s is None:
        return count
    return max(1, round((span_s[1] - span_s[0]) * float(fps)))


def _track_json(track: TrackSummary) -> dict[str, object]:
    return {
        "track_id": track.track_id,
        "first_frame": track.first_frame,
        "last_frame": track.last_frame,
        "detected_frames": track.detected_frames,
        "best_frame": track.best_frame,
        "best_xyxy": list(track.best_xyxy),
    }
