"""The analysis stage of a redaction: decode, detect, track and carry, yielding each frame's mask plan.

Contract (the render stage, :mod:`cctvkit.redact.render`, and every analysis-only caller rely on it):

* :func:`analyze` opens a video (or a span of it) and returns an :class:`Analysis`: iterate it
  once to get one :class:`AnalyzedFrame` per decoded frame, in order, with nothing encoded. Each
  carries the unmasked frame and its *mask plan*: an ``sv.Detections`` of every face box to mask
  in that frame, with ``tracker_id`` (-1 for a sighting never confirmed as a track),
  ``confidence``, ``data["source"]`` (``detected``, ``interpolated``, ``lookahead``, ``trail``:
  see :data:`~cctvkit.redact.carry.SOURCES`) and ``data["early"]`` (the box may be a stranger's:
  a kept track still masks it). Frames leave a few frames late (the carry planner's delay line
  must see where a face goes next); the frame's pixels are untouched until a consumer masks them.
* After the last frame, :meth:`Analysis.summary` gives the tracks (each with its clearest
  sighting), the unconfirmed sightings and the detector's figures; :attr:`Analysis.gallery`
  holds the tracks' thumbnails for a contact sheet. Track ids are deterministic for the same
  input, span and options, so a review's ids are the ones a later analysis assigns.
* :func:`collect` turns an analysis into a :class:`StoredAnalysis`: plain per-frame boxes
  (:class:`FramePlan`) plus the summary, JSON-able with ``to_dict``/``from_dict``. :func:`replay`
  decodes the frames again (all of them or a frame range) and yields the same
  :class:`AnalyzedFrame` stream from the stored plan, without detecting, so a render can be
  repeated (other kept tracks, manual masks, a span) at the cost of a decode and an encode.

Threads: frames are decoded on a prefetch thread (:data:`PREFETCH_FRAMES` ahead); detection,
tracking and carrying run on the caller's thread; masking and encoding are the render's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import supervision as sv

from cctvkit.errors import ConflictError, CorruptVideoError, UsageError
from cctvkit.redact.backtrack import Backtracker, extend_back_confirmed, sighted_before
from cctvkit.redact.boxes import empty_detections, mask_plan
from cctvkit.redact.carry import CarryRules, MaskPlanner
from cctvkit.redact.detectors import DetectorInfo, FaceDetector, create_detector
from cctvkit.redact.masking import MaskStyle
from cctvkit.redact.options import MAX_TIMING_FPS, RedactOptions
from cctvkit.redact.regions import RegionDetector, RegionRules
from cctvkit.redact.report import TrackSummary
from cctvkit.redact.review import TrackGallery
from cctvkit.redact.text_stage import text_stage, with_text
from cctvkit.redact.tracking import FaceTracker
from cctvkit.redact.zoom_sweep import ZoomSweepDetector
from cctvkit.video import VideoFrame, VideoReader, probe

__all__ = [
    "PREFETCH_FRAMES",
    "Analysis",
    "AnalysisSummary",
    "AnalyzedFrame",
    "ClipInfo",
    "FramePlan",
    "FrameSource",
    "ProgressCallback",
    "Replay",
    "StoredAnalysis",
    "analyze",
    "build_detector",
    "collect",
    "no_faces",
    "replay",
]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called after each frame with (frames done, frames expected)."""

PREFETCH_FRAMES = 4
"""Frames decoded ahead on a worker thread (each 1080p RGB frame is 6 MB)."""


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


def no_faces() -> sv.Detections:
    """An empty mask plan, with the plan's ``tracker_id`` and ``data`` columns."""
    return empty_detections(plan=True)


@dataclass(frozen=True, slots=True)
class ClipInfo:
    """What a render needs to know about the frames an analysis yields.

    Attributes:
        input_path: the source video.
        span_s: (start, end) seconds of the input analysed; None for the whole file.
        width: frame width (as decoded, possibly odd).
        height: frame height.
        fps: the input's frame rate, from its frames' timestamps (see
            :attr:`cctvkit.video.VideoReader.fps`).
        time_base: the input stream's time base (the frames' ``pts`` unit).
        has_audio: whether the input has an audio stream.
        expected_frames: frames the span should hold (for progress).
    """

    input_path: Path
    span_s: tuple[float, float] | None
    width: int
    height: int
    fps: Fraction
    time_base: Fraction
    has_audio: bool
    expected_frames: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        data = asdict(self)
        data.update(input_path=str(self.input_path), fps=str(self.fps), time_base=str(self.time_base))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipInfo:
        span = data["span_s"]
        return cls(
            Path(data["input_path"]),
            (float(span[0]), float(span[1])) if span is not None else None,
            int(data["width"]),
            int(data["height"]),
            Fraction(data["fps"]),
            Fraction(data["time_base"]),
            bool(data["has_audio"]),
            int(data["expected_frames"]),
        )


@dataclass(slots=True)
class AnalyzedFrame:
    """One frame and what to mask in it.

    Attributes:
        frame: the decoded frame (unmasked; ``frame.index`` counts from the analysed span's start).
        boxes: the mask plan (see the module docstring for its columns).
        detections: faces the detector found at or above the threshold in this frame (0 on
            frames not detected).
    """

    frame: VideoFrame
    boxes: sv.Detections
    detections: int

    @property
    def index(self) -> int:
        """The frame's index in the analysed span."""
        return self.frame.index


@dataclass(frozen=True, slots=True)
class AnalysisSummary:
    """What a whole analysis found.

    Attributes:
        clip: the frames analysed.
        options: the options it ran with.
        frame_count: frames yielded.
        tracks: every confirmed face track (``kept`` is False: keeping is the render's choice).
        untracked_boxes: unconfirmed single sightings (masked with their carry).
        detector: model, weights digest and execution provider.
        parameters: ``options`` as plain values plus the detection stride and region figures.
    """

    clip: ClipInfo
    options: RedactOptions
    frame_count: int
    tracks: tuple[TrackSummary, ...]
    untracked_boxes: int
    detector: DetectorInfo
    parameters: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        return {
            "clip": self.clip.to_dict(),
            "frame_count": self.frame_count,
            "tracks": [asdict(t) for t in self.tracks],
            "untracked_boxes": self.untracked_boxes,
            "detector": asdict(self.detector),
            "parameters": self.parameters,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisSummary:
        style = data["parameters"]["style"]
        style = {**style, "fill_rgb": tuple(style["fill_rgb"])}  # JSON turned the tuple into a list
        parameters = {**data["parameters"], "style": style}
        names = RedactOptions.__dataclass_fields__
        values = {k: v for k, v in parameters.items() if k in names}
        values["style"] = MaskStyle(**style)
        return cls(
            ClipInfo.from_dict(data["clip"]),
            RedactOptions(**values),
            int(data["frame_count"]),
            tuple(
                TrackSummary(**{**t, "best_xyxy": tuple(float(v) for v in t["best_xyxy"])})
                for t in data["tracks"]
            ),
            int(data["untracked_boxes"]),
            DetectorInfo(**data["detector"]),
            parameters,
        )


class FrameSource(Protocol):
    """What :func:`~cctvkit.redact.render.render` consumes: a live :class:`Analysis` or a :class:`Replay`."""

    @property
    def clip(self) -> ClipInfo: ...

    @property
    def options(self) -> RedactOptions: ...

    def __iter__(self) -> Iterator[AnalyzedFrame]: ...

    def summary(self) -> AnalysisSummary: ...


@dataclass(slots=True)
class _TrackTally:
    first_frame: int
    last_frame: int
    detected_frames: int = 0
    covered_frames: int = 0


class Analysis:
    """A running analysis of one video (made by :func:`analyze`); iterate it once, then close it.

    Attributes:
        clip: the frames being analysed.
        options: the options it runs with.
        gallery: each confirmed track's clearest sighting (for a contact sheet).
    """

    def __init__(
        self,
        input_path: Path,
        *,
        options: RedactOptions,
        span_s: tuple[float, float] | None,
        detector: FaceDetector | None,
        progress: ProgressCallback | None,
    ) -> None:
        if span_s is not None and not 0 <= span_s[0] < span_s[1]:
            raise UsageError(f"span {span_s}: needs 0 <= start < end")
        info = probe(input_path)  # truncation and damage surface here, before any work
        if info.kind != "video":
            raise UsageError(f"{input_path}: a still image, not a video")
        self.options = options
        self._detector = detector or build_detector(options)
        self._progress = progress
        self._frame_count = info.frame_count
        self._reader = VideoReader(input_path)
        reader = self._reader
        fps = reader.fps
        self.clip = ClipInfo(
            input_path,
            (float(span_s[0]), float(span_s[1])) if span_s is not None else None,
            reader.width,
            reader.height,
            fps,
            reader.time_base,
            reader.has_audio,
            _expected_frames(info.frame_count, fps, span_s),
        )
        self.gallery = TrackGallery()
        self._tallies: dict[int, _TrackTally] = {}
        self._untracked = 0
        self._yielded = 0
        self._started = False
        self._iterator: Iterator[AnalyzedFrame] | None = None
        self._summary: AnalysisSummary | None = None

    def __iter__(self) -> Iterator[AnalyzedFrame]:
        if self._started:
            raise RuntimeError("an analysis can be iterated only once (collect() it to reuse it)")
        self._started = True
        self._iterator = self._run()
        return self._iterator

    def _run(self) -> Iterator[AnalyzedFrame]:
        options, clip, detector = self.options, self.clip, self._detector
        fps = float(clip.fps)
        stride = options.detect_stride(fps)
        regions = None
        if options.use_regions((clip.width, clip.height)):
            regions = RegionDetector(
                detector,
                (clip.width, clip.height),
                RegionRules(
                    sweep_every=options.sweep_every,
                    max_zoom=options.track_zoom,
                    zoom_tiles=options.zoom_tiles((clip.width, clip.height)),
                    zoom_revisit=options.zoom_revisit,
                ),
            )
        whole: FaceDetector = detector  # regions off: the whole frame, and the zoomed sweep's tiles
        tiles = options.zoom_tiles((clip.width, clip.height))
        if regions is None and tiles:
            whole = ZoomSweepDetector(detector, (clip.width, clip.height), tiles)
        # The tracker sees only the detected frames: its frame rate is theirs.
        tracker = FaceTracker(
            fps=min(fps, MAX_TIMING_FPS) / stride,
            threshold=options.threshold,
            lost_track_s=options.lost_track_s,
            small_face_px=options.small_face_px,
            small_threshold=options.small_threshold,
            confirm_small=options.confirm_small,
        )
        reach = (
            options.frames(options.lookahead_s, fps, minimum=1),
            options.frames(options.trail_s, fps, minimum=1),
        )
        # On busy footage a face is looked for natively only on every sweep: one first found
        # there may have been visible since the previous sweep, and a small one lost after a
        # sighting may stay unseen until the next sweep (then the usual trail applies).
        sweep_gap = options.sweep_every * stride if regions is not None else 0
        busy_reach = (max(reach[0], sweep_gap), reach[1] + sweep_gap)
        max_gap = options.frames(options.lost_track_s, fps, minimum=1)
        rules = CarryRules(
            lookahead_frames=busy_reach[0],
            trail_frames=busy_reach[1],
            # Held long enough that a gap the planner bridges (up to the lost-track time) is
            # still held when its far end is seen: a small face seen again, or confirmed by its
            # weak sightings (issue 25), is masked over the whole gap, not only its last frames.
            confirm_frames=max(2 * stride, max_gap + stride - busy_reach[0]),
            max_gap_frames=max_gap,
            max_scale=options.carry_max_scale,
            max_drift=options.carry_max_drift,
            link_unconfirmed=options.link_unconfirmed,
        )
        planner: MaskPlanner[VideoFrame] = MaskPlanner((clip.width, clip.height), rules)
        # Frames behind a new face are still held by the planner: look for it there.
        backtrack = None
        if options.detect_long_side is None and options.backtrack_s > 0:
            behind = min(options.frames(options.backtrack_s, fps), busy_reach[0])
            backtrack = Backtracker(
                detector,
                frames=behind // stride,
                min_score=float(options.min_score),  # type: ignore[arg-type]  # never None after RedactOptions.__post_init__
                max_distance=planner.adopt_distance + planner.adopt_speed * stride,
            )
        counts: dict[int, int] = {}
        text = text_stage(options, (clip.width, clip.height), fps)
        span = clip.span_s or (None, None)
        with closing(self._reader.frames(*span, prefetch=PREFETCH_FRAMES)) as frames:
            faces = _no_tracks()
            for frame in frames:
                if frame.index % stride == 0:
                    if regions is not None:
                        detections = regions.detect(frame.image, faces.xyxy)
                    else:
                        detections = whole.detect(frame.image)
                    counts[frame.index] = int(np.count_nonzero(detections.confidence >= options.threshold))
                    faces = tracker.update(detections, frame.index)
                    pushed, confirmed, recalled = faces, tracker.confirmed, tracker.recalled
                else:
                    pushed, confirmed, recalled = _no_tracks(), [], []
                # A small face confirmed by its weak sightings was there before: reach back as far
                # as after a busy detection, and over its sightings still held.
                frame_reach = busy_reach if (regions is not None and regions.busy) or confirmed else reach
                released = planner.push(frame.index, pushed, frame, reach=frame_reach)
                # ... and one seen weakly there before it scored, over those older than its lookahead.
                behind = [*confirmed, *sighted_before(recalled, frame.index - reach[0])]
                if behind:
                    extend_back_confirmed(planner, frame.index, behind)
                if backtrack is not None and frame.index % stride == 0:
                    backtrack.update(planner, frame.index, frame.image)
                for ready, boxes in with_text(text, released):
                    yield self._analyzed(ready, boxes, counts.pop(ready.index, 0))
            for ready, boxes in with_text(text, planner.flush(), end=True):
                yield self._analyzed(ready, boxes, counts.pop(ready.index, 0))
        if clip.span_s is None and self._yielded < self._frame_count:
            # NOTE(issue #4): FFmpeg drops undecodable frames silently; a short output must
            # not pass for a complete redaction.
            raise CorruptVideoError(
                f"{clip.input_path}: decoded {self._yielded} of {self._frame_count} frames (damaged data)"
            )
        if not self._yielded:
            raise UsageError(f"{clip.input_path}: no frames in span {clip.span_s}")
        self._summary = AnalysisSummary(
            clip,
            options,
            self._yielded,
            self._tracks(),
            self._untracked,
            detector.info,
            {
                **options.to_dict(),
                "detect_stride_frames": stride,
                "detect_regions": regions is not None,
                "detect_region_stats": asdict(regions.stats) if regions is not None else None,
                "backtrack": (
                    None if backtrack is None else {"crops": backtrack.searched, "sightings": backtrack.found}
                ),
                "text": None if text is None else text.stats(),
            },
        )

    def _analyzed(self, frame: VideoFrame, boxes: sv.Detections, detections: int) -> AnalyzedFrame:
        self.gallery.add(frame.index, frame.image, boxes)  # before any masking: best sightings
        for track_id, source in zip(boxes.tracker_id, boxes.data["source"], strict=True):
            if track_id < 0:
                self._untracked += source == "detected"
                continue
            tally = self._tallies.setdefault(int(track_id), _TrackTally(frame.index, frame.index))
            tally.last_frame = frame.index
            tally.covered_frames += 1
            tally.detected_frames += source == "detected"
        self._yielded += 1
        if self._progress is not None:
            self._progress(self._yielded, max(self.clip.expected_frames, self._yielded))
        return AnalyzedFrame(frame, boxes, detections)

    def _tracks(self) -> tuple[TrackSummary, ...]:
        return tuple(
            TrackSummary(
                track_id,
                tally.first_frame,
                tally.last_frame,
                tally.detected_frames,
                tally.covered_frames,
                False,
                *(self.gallery.best(track_id) or (tally.first_frame, (0.0, 0.0, 0.0, 0.0))),
            )
            for track_id, tally in sorted(self._tallies.items())
        )

    def summary(self) -> AnalysisSummary:
        """What the analysis found; available once every frame has been yielded.

        Raises:
            RuntimeError: the analysis has not run to its end.
        """
        if self._summary is None:
            raise RuntimeError("the analysis has not run to its end")
        return self._summary

    def run(self) -> AnalysisSummary:
        """Analyse every frame (nothing encoded) and return the summary."""
        for _ in self:
            pass
        return self.summary()

    def close(self) -> None:
        """Stop decoding and release the decoder (again: nothing)."""
        if self._iterator is not None:
            self._iterator.close()  # type: ignore[attr-defined]  # a generator, typed as its Iterator
        self._reader.close()

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def analyze(
    input_path: Path,
    *,
    options: RedactOptions | None = None,
    span_s: tuple[float, float] | None = None,
    detector: FaceDetector | None = None,
    progress: ProgressCallback | None = None,
) -> Analysis:
    """Open ``input_path`` for analysis; iterate the result (or call ``run()``) inside ``with``.

    Frames are detected every ``options.detect_every_s`` and, for large frames, only on regions
    (see :class:`~cctvkit.redact.regions.RegionDetector`).

    Args:
        input_path: the source video.
        options: detection and tracking parameters (the masking and encoding ones are the
            render's defaults).
        span_s: (start, end) seconds of the input; ``None`` for the whole file.
        detector: a ready detector (saves loading one per clip); built from ``options`` if None.
        progress: called with (frames done, frames expected) as frames leave the analysis.

    Raises:
        VideoOpenError: the input cannot be opened.
        CorruptVideoError: the input is truncated or damaged (also while iterating).
        SeekError: ``span_s`` lies outside the input (while iterating).
        UsageError: a still image; a bad span; no frames in it (at the end of the iteration).
        ModelError: detector weights missing or not matching the manifest.
    """
    options = options or RedactOptions()
    input_path = Path(input_path)
    return Analysis(input_path, options=options, span_s=span_s, detector=detector, progress=progress)


@dataclass(frozen=True, slots=True)
class FramePlan:
    """One frame's mask plan as plain values (see :class:`AnalyzedFrame`).

    Attributes:
        index: the frame's index in the analysed span.
        time_s: its presentation time in the input, seconds.
        detections: faces detected at or above the threshold.
        xyxy: the boxes to mask, pixels.
        tracker_id: each box's track (-1: unconfirmed; a text line's id ``n`` as ``-2 - n``).
        confidence: each box's detector confidence.
        source: why each box is masked (:data:`~cctvkit.redact.carry.SOURCES`).
        early: whether each box may be a stranger's (a kept track masks it).
    """

    index: int
    time_s: float
    detections: int
    xyxy: tuple[tuple[float, float, float, float], ...] = ()
    tracker_id: tuple[int, ...] = ()
    confidence: tuple[float, ...] = ()
    source: tuple[str, ...] = ()
    early: tuple[bool, ...] = ()

    @classmethod
    def of(cls, analyzed: AnalyzedFrame) -> FramePlan:
        boxes = analyzed.boxes
        return cls(
            analyzed.index,
            round(float(analyzed.frame.time_s), 6),
            analyzed.detections,
            tuple(tuple(float(v) for v in row) for row in boxes.xyxy),  # type: ignore[misc]  # rows of four: xyxy
            tuple(int(t) for t in boxes.tracker_id),
            tuple(float(c) for c in boxes.confidence),
            tuple(str(s) for s in boxes.data["source"]),
            tuple(bool(e) for e in boxes.data["early"]),
        )

    def boxes(self) -> sv.Detections:
        """The plan as the ``sv.Detections`` an :class:`AnalyzedFrame` carries."""
        return mask_plan(
            self.xyxy,
            source=self.source,
            confidence=self.confidence,
            tracker_id=self.tracker_id,
            early=self.early,
        )


@dataclass(frozen=True, slots=True)
class StoredAnalysis:
    """A finished analysis as plain values: its summary and every frame's plan (no pixels)."""

    summary: AnalysisSummary
    frames: tuple[FramePlan, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (:meth:`from_dict` reads them back)."""
        return {"summary": self.summary.to_dict(), "frames": [asdict(f) for f in self.frames]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoredAnalysis:
        frames = tuple(
            FramePlan(
                int(f["index"]),
                float(f["time_s"]),
                int(f["detections"]),
                tuple(tuple(float(v) for v in row) for row in f["xyxy"]),  # type: ignore[misc]  # rows of four: xyxy
                tuple(int(t) for t in f["tracker_id"]),
                tuple(float(c) for c in f["confidence"]),
                tuple(str(s) for s in f["source"]),
                tuple(bool(e) for e in f["early"]),
            )
            for f in data["frames"]
        )
        return cls(AnalysisSummary.from_dict(data["summary"]), frames)

    def dumps(self) -> str:
        """The analysis as JSON text."""
        return json.dumps(self.to_dict())

    @classmethod
    def loads(cls, text: str) -> StoredAnalysis:
        return cls.from_dict(json.loads(text))


def collect(analysis: Analysis) -> StoredAnalysis:
    """Run ``analysis`` to its end and keep every frame's plan (the pixels are dropped)."""
    frames = tuple(FramePlan.of(analyzed) for analyzed in analysis)
    return StoredAnalysis(analysis.summary(), frames)


class Replay:
    """The frames of a stored analysis decoded again, with their stored plans (made by :func:`replay`).

    Attributes:
        clip: the frames replayed (``span_s`` narrowed to the frame range, if one was given).
        options: the options the analysis ran with.
        first: index (in the analysed span) of the first frame replayed.
    """

    def __init__(self, stored: StoredAnalysis, frames: tuple[int, int] | None) -> None:
        plans = stored.frames
        if not plans:
            raise UsageError("the stored analysis holds no frames")
        first, last = frames if frames is not None else (0, len(plans) - 1)
        if not 0 <= first <= last < len(plans):
            raise UsageError(f"frames {first}..{last}: the analysis has frames 0..{len(plans) - 1}")
        self._stored = stored
        self._plans = plans[first : last + 1]
        self.first = first
        self.options = stored.summary.options
        whole = stored.summary.clip
        frame_s = 1 / float(whole.fps)
        span = whole.span_s
        if frames is not None:
            span = (self._plans[0].time_s, self._plans[-1].time_s + frame_s)
        self.clip = ClipInfo(
            whole.input_path,
            span,
            whole.width,
            whole.height,
            whole.fps,
            whole.time_base,
            whole.has_audio,
            len(self._plans),
        )

    def __iter__(self) -> Iterator[AnalyzedFrame]:
        half = 0.5 / float(self.clip.fps)
        plans = iter(self._plans)
        span = self.clip.span_s or (None, None)
        with (
            VideoReader(self.clip.input_path) as reader,
            closing(reader.frames(*span, prefetch=PREFETCH_FRAMES)) as decoded,
        ):
            for frame in decoded:
                plan = next(plans, None)
                if plan is None or abs(frame.time_s - plan.time_s) > half:
                    raise ConflictError(
                        f"{self.clip.input_path}: frame at {frame.time_s:.3f}s does not match the stored "
                        "analysis (the file changed since it was analysed)"
                    )
                frame.index = plan.index
                yield AnalyzedFrame(frame, plan.boxes(), plan.detections)
        missing = next(plans, None)
        if missing is not None:
            raise CorruptVideoError(
                f"{self.clip.input_path}: frame {missing.index} of the stored analysis was not decoded"
            )

    def summary(self) -> AnalysisSummary:
        """The stored analysis' summary (the whole clip's tracks, even for a frame range)."""
        return self._stored.summary


def replay(stored: StoredAnalysis, *, frames: tuple[int, int] | None = None) -> Replay:
    """Decode the analysed video again and yield its stored plans, detecting nothing.

    Args:
        stored: a :func:`collect`-ed analysis (possibly read back from JSON).
        frames: (first, last) frame indices, inclusive, of the analysed span to replay; None: all.

    Raises:
        UsageError: ``frames`` outside the analysis.
        ConflictError: (while iterating) the decoded frames' times differ from the stored ones.
        CorruptVideoError: (while iterating) fewer frames decode than were analysed.
    """
    return Replay(stored, frames)


def _no_tracks() -> sv.Detections:
    return empty_detections(tracked=True)


def _expected_frames(count: int, fps: Fraction, span_s: tuple[float, float] | None) -> int:
    if span_s is None:
        return count
    return max(1, round((span_s[1] - span_s[0]) * float(fps)))
