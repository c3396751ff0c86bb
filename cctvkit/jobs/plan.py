"""Split a clip into chunks at keyframes, each with the context its edges need to redact as one pass."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from cctvkit.redact.options import RedactOptions
from cctvkit.video.timeline import FrameTimeline

__all__ = ["TRACK_ID_BLOCK", "Chunk", "context_frames", "plan_chunks"]

TRACK_ID_BLOCK = 10_000
"""Chunk ``i``'s track ids are ``i * TRACK_ID_BLOCK + id``: unique across a clip, and a one-chunk
clip keeps the ids of an unchunked run. A chunk with more tracks than this fails (never seen: a
minute of a crowd holds a few hundred)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk of a clip, in the clip's frame indices (end exclusive).

    Attributes:
        index: 0-based position in the clip.
        first: its first output frame (a keyframe of the clip where one lies near the target).
        end: one past its last output frame; the next chunk's ``first``.
        context_first: first frame decoded, detected and tracked (``first`` minus the context
            before, on the detection cadence so that frames are detected as in one pass).
        context_end: one past the last frame decoded (``end`` plus the context after).
    """

    index: int
    first: int
    end: int
    context_first: int
    context_end: int

    @property
    def frames(self) -> int:
        return self.end - self.first

    @property
    def track_id_offset(self) -> int:
        return self.index * TRACK_ID_BLOCK


def context_frames(options: RedactOptions, fps: float, overlap_s: float) -> tuple[int, int, int]:
    """Frames of context before and after a chunk, and the cadence its start is aligned to.

    Before: a face seen just before the chunk keeps its mask for the trail, and its track its id
    for the lost-track time (gaps are interpolated), plus two detections to confirm a new track.
    After: a face first seen just after the chunk is masked back by the lookahead. On busy
    footage a face is searched natively only on every sweep, which widens both. The start is
    aligned to the detection stride times the sweep period, so each frame is detected (and
    swept) as in a pass over the whole clip.

    Returns:
        (frames before, frames after, alignment in frames).
    """
    stride = options.detect_stride(fps)
    sweep = options.sweep_every * stride
    before = options.frames(options.trail_s + options.lost_track_s, fps, minimum=1) + sweep + 2 * stride
    after = options.frames(options.lookahead_s, fps, minimum=1) + sweep + stride
    floor = options.frames(overlap_s, fps)
    return max(before, floor), max(after, floor), sweep


def plan_chunks(
    timeline: FrameTimeline, *, chunk_s: float, before: int, after: int, align: int = 1
) -> list[Chunk]:
    """Cut the clip's frames into chunks of about ``chunk_s`` seconds.

    Each boundary is the keyframe nearest to its target within a quarter chunk, else the target
    frame itself (decoding then starts at the keyframe before the context: slower, not wrong).
    A last piece shorter than half a chunk joins the one before.

    Args:
        timeline: the clip's frames.
        chunk_s: target length, seconds.
        before: context frames before each chunk (see :func:`context_frames`).
        after: context frames after each chunk.
        align: ``context_first`` is a multiple of this (the detection cadence).

    Returns:
        The chunks in order; one chunk (no context) for a clip shorter than 1.5 chunks.
    """
    count = timeline.frame_count
    size = max(1, round(chunk_s * float(timeline.fps)))
    keyframes = sorted(set(timeline.keyframes))
    tolerance = size // 4
    boundaries = [0]
    target = size
    while target + size // 2 <= count:
        near = [k for k in keyframes if abs(k - target) <= tolerance and k > boundaries[-1] + size // 2]
        boundary = min(near, key=lambda k: (abs(k - target), k)) if near else target
        boundaries.append(boundary)
        target = boundary + size
    boundaries.append(count)
    align = max(1, align)
    chunks = []
    for index, (first, end) in enumerate(itertools.pairwise(boundaries)):
        context_first = max(0, math.floor((first - before) / align) * align) if first else 0
        context_end = min(count, end + after) if end < count else count
        chunks.append(Chunk(index, first, end, context_first, context_end))
    return chunks
