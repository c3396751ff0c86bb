"""Follow a box a reviewer drew over a missed face through the clip, forwards and backwards (issue #15).

The detector missed this face, so the face tracker has nothing to follow: a per-object visual
tracker (OpenCV's MIL, which ships with ``opencv-python`` and needs no model file) follows the
drawn pixels instead. It runs on frames shrunk to at most :data:`TRACK_LONG_SIDE` pixels and
stops where it loses the object or the box leaves the frame; the reviewer can then narrow or
widen the span, or draw again further on. MIL samples at random, so the same box may be followed
a little differently twice: the followed boxes are stored, and the release masks exactly those.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from cctvkit.errors import UsageError
from cctvkit.video import VideoReader

__all__ = ["TRACK_LONG_SIDE", "TRACK_REACH_S", "track_drawn_box"]

log = logging.getLogger(__name__)

TRACK_LONG_SIDE = 640
"""Frames are shrunk to this longest side for tracking (MIL costs grow with the pixels)."""

TRACK_REACH_S = 20.0
"""How far (seconds) the box is followed each way from the frame it was drawn on; the frames
kept for the backward pass cost ``reach x fps`` shrunk frames of memory (~0.7 MB each)."""

Box = tuple[float, float, float, float]


def track_drawn_box(
    video_path: Path,
    frame_index: int,
    xyxy: Sequence[float],
    *,
    reach_s: float = TRACK_REACH_S,
    person: bool = False,
) -> dict[int, Box]:
    """Follow ``xyxy`` drawn on frame ``frame_index`` of ``video_path`` both ways.

    Args:
        video_path: the clip (frame indexes count from its first frame).
        frame_index: the frame the box was drawn on.
        xyxy: the drawn box, pixels of the full frame.
        reach_s: seconds followed each way at most.
        person: the box is a whole person (the requester's region, issue 26): followed as the
            region is, by median flow on its upper part (head and chest), the box moved with it
            (:func:`cctvkit.redact.requester_region.follow_drawn_person`); MIL, which follows what
            fills its box, drifts onto the scene behind a body's box or a seated stranger in it.

    Returns:
        Per frame index, the box (pixels), always including ``frame_index``; the frames form
        one contiguous run.

    Raises:
        UsageError: the box is degenerate or outside the frame, or the frame does not exist.
        VideoOpenError, CorruptVideoError: as :class:`~cctvkit.video.VideoReader`.
    """
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    with VideoReader(video_path) as reader:
        fps = float(reader.fps)
        width, height = reader.width, reader.height
        x1, x2 = max(0.0, min(x1, x2)), min(float(width), max(x1, x2))
        y1, y2 = max(0.0, min(y1, y2)), min(float(height), max(y1, y2))
        if x2 - x1 < 4 or y2 - y1 < 4:
            raise UsageError(f"box {list(xyxy)}: needs at least 4x4 pixels inside the {width}x{height} frame")
        scale = min(1.0, TRACK_LONG_SIDE / max(width, height))
        reach = max(1, round(reach_s * fps))
        first = max(0, frame_index - reach)
        frames: list[np.ndarray] = []
        for frame in reader.frames(first / fps if first else None, (frame_index + reach + 1) / fps):
            small = (
                frame.image
                if scale == 1.0
                else cv2.resize(
                    frame.image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
                )
            )
            frames.append(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    anchor = frame_index - first
    if not 0 <= anchor < len(frames):
        raise UsageError(f"{video_path.name}: no frame {frame_index}")
    box = (x1, y1, x2, y2)
    out: dict[int, Box] = {frame_index: box}
    small_box = tuple(v * scale for v in box)
    for step in (1, -1):
        if person:
            from cctvkit.redact.requester_region import follow_drawn_person

            followed = follow_drawn_person(frames, anchor, small_box, step, (width * scale, height * scale))
        else:
            followed = _follow(frames, anchor, small_box, step, (width * scale, height * scale))
        for offset, b in followed:
            out[first + offset] = tuple(round(v / scale, 1) for v in b)  # type: ignore[assignment]  # always four values: the box followed
    log.info(
        "drawn box on frame %d of %s followed over frames %d-%d",
        frame_index,
        video_path.name,
        min(out),
        max(out),
    )
    return dict(sorted(out.items()))


def _follow(
    frames: list[np.ndarray], anchor: int, xyxy: Sequence[float], step: int, size_wh: tuple[float, float]
) -> list[tuple[int, Box]]:
    tracker = cv2.TrackerMIL_create()
    x1, y1, x2, y2 = xyxy
    try:
        tracker.init(frames[anchor], (round(x1), round(y1), max(1, round(x2 - x1)), max(1, round(y2 - y1))))
    except cv2.error:
        # MIL samples patches around the box; one (nearly) filling the frame leaves no room and
        # OpenCV asserts. Nothing can move inside such a box: hold it still over the reach (more
        # masked, never less; the span can be narrowed on the page).
        box = (float(x1), float(y1), float(x2), float(y2))
        return [(i, box) for i in range(anchor + step, len(frames) if step > 0 else -1, step)]
    out = []
    index = anchor + step
    while 0 <= index < len(frames):
        try:
            ok, (x, y, w, h) = tracker.update(frames[index])
        except cv2.error:
            break
        if not ok:
            break
        box = (float(x), float(y), float(x + w), float(y + h))
        # Half the box off the frame: the object has left.
        inside_w = min(box[2], size_wh[0]) - max(box[0], 0.0)
        inside_h = min(box[3], size_wh[1]) - max(box[1], 0.0)
        if inside_w <= 0.5 * w or inside_h <= 0.5 * h:
            break
        out.append((index, box))
        index += step
    return out
