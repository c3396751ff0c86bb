"""The render stage of a redaction: mask each analysed frame's plan and zones, encode, report.

Contract: :func:`render` consumes a :class:`~cctvkit.redact.analysis.FrameSource` (a live
:class:`~cctvkit.redact.analysis.Analysis`, whose detection then runs beside the masking and
encoding, or a :class:`~cctvkit.redact.analysis.Replay` of a stored one, which only decodes) and
writes one H.264 MP4 with an atomic rename. What is masked in a frame:

* every plan box, except those of a kept track (``keep_tracks``) that are not ``early``, and
  except those matching one of the frame's ``keep_boxes`` (IoU >= :data:`KEEP_IOU`, not early);
* every box of ``extra_masks`` for the frame (manual masks, the face check's findings), whatever is kept;
* but not a line of text overlapping one of the frame's ``spec.keep_text`` boxes (IoU >= :data:`KEEP_IOU`:
  a sign the review page kept readable, issue 29);
* the privacy zones, in every frame;
* in a requester-only release (``spec.requester_only``), everything outside the requester's
  region, coarsely (:mod:`cctvkit.redact.outside_mask`; issue 26).

Where a stranger's mask overlaps a kept face's measured box (detected, or interpolated between
two sightings: :data:`MEASURED_SOURCES`), the kept face wins and stays visible, unless the
stranger's measured face box is at least as tall (nearer the camera, in front of it) or the
pixels lie in a privacy zone or an extra mask (issue #13; ``options.kept_face_wins``).

``keep_boxes`` and ``extra_masks`` map a frame's index *in the analysed span* (``AnalyzedFrame.index``,
the same across replays) to an ``(n, 4)`` array of ``xyxy`` pixel boxes; :func:`span_boxes`
builds one from boxes held over frame ranges. Frame indices in the report and for ``on_mask``
count output frames (equal to the analysed ones unless a frame range is replayed).

Threads: masking and handing frames to the encoder run on one thread, encoding on another,
beside the source's decoding and detection on the caller's thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np
import supervision as sv

from cctvkit._worker import OrderedWorker
from cctvkit.errors import UsageError
from cctvkit.files import atomic_path
from cctvkit.redact.analysis import AnalyzedFrame, FrameSource
from cctvkit.redact.boxes import MEASURED_SOURCES, FrameBoxes, mask_plan
from cctvkit.redact.masking import Masker
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.report import FrameStat, RedactionReport
from cctvkit.redact.spec import MaskSpec, Outputs
from cctvkit.redact.text_masking import mask_lines
from cctvkit.redact.text_stage import TEXT_SOURCE
from cctvkit.redact.zones import rasterize_zones
from cctvkit.video import AudioSpan, VideoWriter, even_size, pad_to_even

__all__ = [
    "ENCODE_QUEUE_FRAMES",
    "KEEP_IOU",
    "MASK_QUEUE_FRAMES",
    "MEASURED_SOURCES",
    "REDACTED_COMMENT",
    "RENDER_FIELDS",
    "FrameMasks",
    "FrameWatch",
    "MaskCallback",
    "frame_masks",
    "mask_frame",
    "masked_images",
    "render",
    "render_options",
    "span_boxes",
]

log = logging.getLogger(__name__)


class FrameWatch(Protocol):
    """Sees each output frame as :func:`render` hands it to the encoder (the face check's first
    look, :class:`~cctvkit.redact.face_check_rounds.LiveCheck`)."""

    def wants_original(self, number: int) -> bool:
        """Whether output frame ``number``'s input pixels are wanted (copied before masking)."""
        ...

    def see(
        self,
        number: int,
        image: np.ndarray,
        original: np.ndarray | None,
        masked: np.ndarray,
        plan: sv.Detections,
    ) -> None:
        """Output frame ``number`` as written, its input (if wanted), the boxes masked, its plan."""
        ...


MaskCallback = Callable[[int, np.ndarray, sv.Detections], None]
"""Called per output frame with its index, its boolean (height, width) mask (reused: copy to keep)
and the face boxes masked; for evaluation."""

ENCODE_QUEUE_FRAMES = 4
"""Frames queued for the encoder's worker thread."""

MASK_QUEUE_FRAMES = 4
"""Frames queued for the masking thread."""

KEEP_IOU = 0.5
"""Overlap with a kept box at which a planned box is left visible."""

REDACTED_COMMENT = "redacted by cctvkit (faces and privacy zones masked)"

RENDER_FIELDS = ("style", "kept_face_wins", "preset", "crf", "x264_params", "keep_audio")
"""The :class:`RedactOptions` fields a render uses; the others are the analysis'."""


def span_boxes(spans: Iterable[tuple[int, int, Sequence[float]]]) -> dict[int, np.ndarray]:
    """Build :data:`~cctvkit.redact.spec.BoxesByFrame` from ``(first frame, last frame, xyxy)`` boxes
    held over inclusive ranges."""
    spans = list(spans)
    for first, last, xyxy in spans:
        if len(xyxy) != 4 or first > last:
            raise UsageError(
                f"box {list(xyxy)} over frames {first}..{last}: needs x1 y1 x2 y2 and first <= last"
            )
    return FrameBoxes.of(
        (index, xyxy) for first, last, xyxy in spans for index in range(max(0, first), last + 1)
    )


def frame_masks(
    boxes: sv.Detections,
    *,
    keep_tracks: Sequence[int] = (),
    keep_boxes: np.ndarray | None = None,
    extra: np.ndarray | None = None,
    keep_text: np.ndarray | None = None,
) -> tuple[sv.Detections, np.ndarray]:
    """The boxes a render masks in one frame, by the rules in this module's docstring.

    Also what the review page's preview masks (issue #15), so the two cannot disagree.

    Args:
        boxes: the frame's plan (``tracker_id``, ``data["early"]``).
        keep_tracks: track ids left visible.
        keep_boxes: (n, 4) boxes whose overlapping plan boxes stay visible.
        extra: (n, 4) boxes masked in addition.
        keep_text: (n, 4) lines of text left readable: text boxes overlapping one stay visible.

    Returns:
        The boxes to mask, and per plan box whether it was kept.
    """
    # A kept track's boxes up to one it adopted by distance may be a stranger's
    # (see MaskPlanner), so they stay masked.
    kept = np.zeros(len(boxes), bool)
    if len(keep_tracks):
        kept = np.isin(boxes.tracker_id, list(keep_tracks))
    if keep_boxes is not None and len(keep_boxes) and len(boxes):
        kept |= (sv.box_iou_batch(boxes.xyxy, np.asarray(keep_boxes, np.float32)) >= KEEP_IOU).any(axis=1)
    if len(keep_tracks) or keep_boxes is not None:
        kept &= ~boxes.data["early"]
    if keep_text is not None and len(keep_text) and len(boxes):
        overlap = sv.box_iou_batch(boxes.xyxy, np.asarray(keep_text, np.float32))
        kept |= (boxes.data["source"] == TEXT_SOURCE) & (overlap >= KEEP_IOU).any(axis=1)
    masked = boxes[~kept] if kept.any() else boxes
    if extra is not None and len(extra):
        masked = sv.Detections.merge([masked, _manual(extra)])
    return masked, kept


def mask_frame(
    masker: Masker,
    image: np.ndarray,
    boxes: sv.Detections,
    *,
    keep_tracks: Sequence[int] = (),
    keep_boxes: np.ndarray | None = None,
    extra: np.ndarray | None = None,
    kept_face_wins: bool = True,
    keep_text: np.ndarray | None = None,
) -> tuple[np.ndarray, sv.Detections, np.ndarray]:
    """Mask one frame in place as a render does (the review page's preview uses it too).

    With ``kept_face_wins``, strangers' masks stop at a kept face's measured box, except a
    stranger's own measured box at least as tall (nearer the camera); manual masks (``extra``)
    and privacy zones are masked inside it all the same (issue #13).

    Returns:
        The boolean mask (reused by the masker's next call), the boxes masked (manual ones
        included) and per plan box whether it was kept.
    """
    masked, kept = frame_masks(boxes, keep_tracks=keep_tracks, keep_boxes=keep_boxes, keep_text=keep_text)
    text = masked.data["source"] == TEXT_SOURCE  # readable text: its own style, after the faces'
    faces = masked[~text] if text.any() else masked
    visible = occluders = pinned = None
    if kept_face_wins and kept.any():
        measured = np.isin(boxes.data["source"], MEASURED_SOURCES)
        visible, occluders = boxes.xyxy[kept & measured], boxes.xyxy[~kept & measured]
        occluders = _not_the_kept_face(occluders, visible)
    if extra is not None and len(extra):
        pinned = np.asarray(extra, np.float32).reshape(-1, 4)
    mask = masker.apply(image, faces.xyxy, visible, pinned, occluders)
    if text.any():
        mask_lines(image, masked.xyxy[text], mask)
    if pinned is not None:
        masked = sv.Detections.merge([masked, _manual(pinned)])
    return mask, masked, kept


def render_options(analysed: RedactOptions, spec_options: RedactOptions | None) -> RedactOptions:
    """The analysis' options with the render's fields (:data:`RENDER_FIELDS`) of ``spec_options``."""
    if spec_options is None:
        return analysed
    return replace(analysed, **{name: getattr(spec_options, name) for name in RENDER_FIELDS})


class FrameMasks:
    """What a render does to each frame's pixels (by the rules in this module's docstring), for
    :func:`render` and for the face check's rounds, which judge re-masked frames before the one
    re-render (:func:`masked_images`).

    Args:
        size: the frames' (width, height).
        options: the render's options (``style``, ``kept_face_wins``).
        spec: zones, kept tracks and boxes, manual masks, kept text, a requester's region; None:
            nothing kept, no zones.

    Raises:
        UsageError: a requester's region not resolved yet.
    """

    def __init__(self, size: tuple[int, int], options: RedactOptions, spec: MaskSpec | None) -> None:
        self.options = options
        self.keep_tracks = [int(t) for t in frozenset(spec.keep_tracks if spec is not None else ())]
        self.keep_boxes = (spec.keep_boxes if spec is not None else None) or {}
        self.extra_masks = (spec.manual_masks if spec is not None else None) or {}
        self.kept_text = (spec.keep_text if spec is not None else None) or {}
        zones = spec.zones if spec is not None else ()
        self.masker = Masker(options.style, size, rasterize_zones(zones, size))
        self.requester = spec.requester_only if spec is not None else None
        self.outside = None
        if self.requester is not None:
            from cctvkit.redact.outside_mask import OutsideMasker
            from cctvkit.redact.region_strangers import with_held

            self.requester.boxes(0)  # refuses an unresolved region before any frame is written
            self.outside = OutsideMasker(size)
            self._with_held = with_held

    def apply(self, analyzed: AnalyzedFrame) -> tuple[np.ndarray, sv.Detections, np.ndarray]:
        """Mask ``analyzed``'s image in place; the mask, the boxes masked and which plan boxes
        were kept (as :func:`mask_frame`)."""
        frame, boxes, requester = analyzed.frame, analyzed.boxes, self.requester
        if requester is not None and requester.resolved is not None:  # strangers held in the region
            boxes = self._with_held(boxes, requester.resolved.held, analyzed.index)
        mask, masked_boxes, kept = mask_frame(
            self.masker,
            frame.image,
            boxes,
            keep_tracks=self.keep_tracks,
            keep_boxes=self.keep_boxes.get(analyzed.index),
            extra=self.extra_masks.get(analyzed.index),
            kept_face_wins=self.options.kept_face_wins,
            keep_text=self.kept_text.get(analyzed.index),
        )
        if self.outside is not None and requester is not None:
            self.outside.apply(frame.image, requester.boxes(analyzed.index), mask)
        return mask, masked_boxes, kept


def masked_images(
    source: FrameSource, spec: MaskSpec, wanted: Collection[int]
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """The frames a render of ``source`` with ``spec`` would write, numbered as output frames,
    only those ``wanted`` (the frames before the last of them are decoded, not masked): (output
    frame, RGB image, boxes masked). Nothing is encoded."""
    clip = source.clip
    masks = FrameMasks((clip.width, clip.height), render_options(source.options, spec.options), spec)
    last = max(wanted, default=-1)
    frames = iter(source)
    try:
        for number, analyzed in enumerate(frames):
            if number > last:
                break
            if number in wanted:
                _, masked_boxes, _ = masks.apply(analyzed)
                yield number, analyzed.frame.image, np.asarray(masked_boxes.xyxy, np.float32)
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()


def render(
    source: FrameSource, outputs: Outputs, spec: MaskSpec | None = None, watch: FrameWatch | None = None
) -> RedactionReport:
    """Write ``source``'s frames to ``outputs.path`` with their plans (but kept boxes) and zones masked.

    The output is H.264 in MP4 with the source's frame count and timestamps (from its first
    frame), even dimensions (an odd input is padded by one black row or column) and no audio
    unless ``options.keep_audio`` (then the same span's audio, re-encoded as AAC). It is written
    under a temporary name beside ``outputs.path`` and renamed only when complete; on any error
    (the source's included) nothing is left behind.

    Args:
        source: the analysed frames (consumed).
        outputs: the redacted MP4 to create (mode 0600); ``progress`` is called after each output
            frame, ``on_mask`` with each output frame's mask (for evaluation), ``metadata`` are
            the container tags (``comment`` defaults to a note that the clip is redacted),
            ``encoder_threads`` x264's threads (0: FFmpeg decides; 1 makes the file the same,
            byte for byte, on every run: with frame threads it is not, issue 16). The report
            is not written here.
        spec: the masking and encoding options (``style``, ``kept_face_wins``, ``preset``,
            ``crf``, ``x264_params``, ``keep_audio``; the others are the analysis'), the privacy
            zones, kept tracks and boxes, and manual masks (per analysed frame); None: the
            source's options, nothing kept, no zones.
        watch: shown each output frame as written, on the masking thread (the face check's
            first look, beside the encoder and the detection of later frames).

    Returns:
        The report (not written to disk: :func:`~cctvkit.redact.pipeline.redact_clip` does).

    Raises:
        UsageError: the output path equals the input; no frames.
        VideoError: the output cannot be written.
        Whatever the source raises while iterating (see :func:`~cctvkit.redact.analysis.analyze`).
    """
    output_path, progress, on_mask = Path(outputs.path), outputs.progress, outputs.on_mask
    privacy_zones = spec.zones if spec is not None else ()
    keep_tracks = spec.keep_tracks if spec is not None else ()
    options = spec.options if spec is not None else None
    started = time.perf_counter()
    clip = source.clip
    if output_path.resolve() == Path(clip.input_path).resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    options = render_options(source.options, options)
    keep = frozenset(int(t) for t in keep_tracks)
    width, height = clip.width, clip.height
    out_w, out_h = even_size(width, height)
    audio = None
    if options.keep_audio and clip.has_audio:
        audio = AudioSpan(clip.input_path, *(clip.span_s if clip.span_s is not None else (0.0, None)))
    elif options.keep_audio:
        log.info("%s has no audio track: the output has none either", clip.input_path)
    masks = FrameMasks((width, height), options, spec)
    span_start = clip.span_s[0] if clip.span_s else 0.0
    stats: list[FrameStat] = []
    first_pts: list[int | None] = []

    with (
        atomic_path(output_path) as partial,
        VideoWriter(
            partial,
            width=out_w,
            height=out_h,
            fps=clip.fps,
            time_base=clip.time_base,
            preset=options.preset,
            crf=options.crf,
            x264_params=options.x264_params,
            metadata={"comment": REDACTED_COMMENT, **(outputs.metadata or {})},
            queue_frames=ENCODE_QUEUE_FRAMES,
            threads=outputs.encoder_threads,
            audio=audio,
        ) as writer,
    ):

        def emit(analyzed: AnalyzedFrame) -> None:
            frame = analyzed.frame
            number = len(stats)
            wanted = watch is not None and watch.wants_original(number)
            original = frame.image.copy() if wanted else None  # masking works in place
            mask, masked_boxes, kept = masks.apply(analyzed)
            if on_mask is not None:
                on_mask(number, mask, masked_boxes)
            # A padded frame is a new canvas each time: the encoder thread may still hold the last.
            image = pad_to_even(frame.image)
            if not first_pts:
                first_pts.append(frame.pts)
            pts = None if frame.pts is None or first_pts[0] is None else frame.pts - first_pts[0]
            writer.write(image, pts=pts)
            if watch is not None:
                watch.see(number, image, original, np.asarray(masked_boxes.xyxy, np.float32), analyzed.boxes)
            stats.append(
                FrameStat(
                    number,
                    round(frame.time_s - span_start, 4),
                    analyzed.detections,
                    len(masked_boxes),
                    int(kept.sum()),
                    round(np.count_nonzero(mask) / mask.size, 5),
                )
            )
            if progress is not None:
                progress(len(stats), max(clip.expected_frames, len(stats)))

        # Masking and handing frames to the encoder run on their own thread, beside the
        # detection of later frames (issue #6: ~7-11 % of the main thread's time).
        masking: OrderedWorker[AnalyzedFrame] = OrderedWorker(
            emit, capacity=MASK_QUEUE_FRAMES, name="redact-mask"
        )
        frames = iter(source)
        try:
            for analyzed in frames:
                masking.put(analyzed)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:  # a generator left mid-way: stop its decoding thread now
                close()
            masking.stop()
        masking.raise_error()
        if not stats:
            raise UsageError(f"{clip.input_path}: no frames in span {clip.span_s}")

    summary = source.summary()
    track_ids = {t.track_id for t in summary.tracks}
    parameters = dict(summary.parameters)
    analysis_only = {
        k: parameters.pop(k) for k in ("detect_stride_frames", "detect_regions", "detect_region_stats")
    }
    report = RedactionReport(
        input_path=str(clip.input_path),
        output_path=str(output_path),
        span_s=tuple(clip.span_s) if clip.span_s is not None else None,
        width=out_w,
        height=out_h,
        fps=str(clip.fps),
        frame_count=len(stats),
        audio=audio is not None,
        parameters={
            **parameters,
            **{name: value for name, value in options.to_dict().items() if name in RENDER_FIELDS},
            "privacy_zones": [[list(map(float, v)) for v in zone] for zone in privacy_zones],
            "keep_tracks_requested": sorted(keep),
            **analysis_only,
        },
        detector=summary.detector,
        tracks=tuple(replace(t, kept=t.track_id in keep) for t in summary.tracks),
        kept_tracks=tuple(sorted(keep & track_ids)),
        unknown_kept_tracks=tuple(sorted(keep - track_ids)),
        untracked_boxes=summary.untracked_boxes,
        masked_fraction_mean=round(float(np.mean([s.masked_fraction for s in stats])), 5),
        frames=tuple(stats),
        elapsed_s=round(time.perf_counter() - started, 3),
    )
    if report.unknown_kept_tracks:
        log.warning(
            "kept track ids %s do not exist: nothing was left visible for them",
            list(report.unknown_kept_tracks),
        )
    return report


SAME_FACE_IOU = 0.6
"""A stranger's measured box overlapping a kept face's this much (IoU) is that face seen twice."""

NEARER_SCALE = 1.15
"""...unless it is this many times taller: then it is another face, nearer, in front of it."""


def _not_the_kept_face(occluders: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """The strangers' measured boxes that may stand in front of a kept face: not the kept face itself.

    Where a stranger directly behind the requester at the same depth is hidden by them, the
    detector can find the requester's face twice and the tracker give the second box the
    stranger's id (the street's street-24 behind street-16, 13 frames): a box that coincides
    with the kept face's at about its size is that face, and must not win it (issue 26). A
    clearly taller box is a nearer face in front and still does.
    """
    if not len(occluders) or not len(visible):
        return occluders
    iou = sv.box_iou_batch(occluders, visible)
    heights = occluders[:, 3] - occluders[:, 1]
    kept_heights = visible[:, 3] - visible[:, 1]
    same = (iou >= SAME_FACE_IOU) & (heights[:, None] < NEARER_SCALE * kept_heights[None, :])
    return occluders[~same.any(axis=1)]


def _manual(xyxy: np.ndarray) -> sv.Detections:
    """Injected boxes in the plan's columns (untracked, source ``manual``)."""
    return mask_plan(xyxy, source="manual")
