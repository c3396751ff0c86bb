"""Chunk planning: boundaries at keyframes, context on the detection cadence, no frame lost or doubled."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cctvkit.jobs import context_frames, plan_chunks
from cctvkit.redact import RedactOptions
from cctvkit.video.timeline import FrameTimeline


def timeline(frames: int, keyframes: tuple[int, ...], fps: int = 10) -> FrameTimeline:
    return FrameTimeline(
        pts=tuple(range(0, frames * 100, 100)),
        keyframes=keyframes,
        time_base=Fraction(1, 100 * fps),
        start_pts=0,
        fps=Fraction(fps),
    )


@pytest.mark.parametrize(
    ("frames", "keyframes", "chunk_s", "firsts"),
    [
        (100, (0,), 2.0, [0, 20, 40, 60, 80]),  # no keyframes near: the target frames
        (100, (0, 22, 38, 61), 2.0, [0, 22, 38, 61, 81]),  # nearest keyframe within a quarter chunk
        (100, (0, 26), 2.0, [0, 20, 40, 60, 80]),  # 26 is more than 5 frames from 20
        (29, (0,), 2.0, [0]),  # under 1.5 chunks: one chunk
        (48, (0,), 2.0, [0, 20]),  # a last piece under half a chunk joins the one before
    ],
)
def test_boundaries(frames: int, keyframes: tuple[int, ...], chunk_s: float, firsts: list[int]) -> None:
    chunks = plan_chunks(timeline(frames, keyframes), chunk_s=chunk_s, before=7, after=4, align=3)
    assert [c.first for c in chunks] == firsts
    # Every frame in exactly one chunk, in order.
    assert [c.end for c in chunks] == [*firsts[1:], frames]
    for chunk in chunks:
        assert chunk.context_first % 3 == 0 and chunk.context_first <= max(0, chunk.first - 7)
        assert chunk.context_end == min(frames, chunk.end + 4) or chunk.end == frames
        assert chunk.track_id_offset == chunk.index * 10_000
    assert chunks[0].context_first == 0 and chunks[-1].context_end == frames


def test_context_covers_trail_lookahead_and_lost_tracks() -> None:
    options = RedactOptions(
        trail_s=0.5, lookahead_s=0.3, lost_track_s=1.0, detect_every_s=0.12, sweep_every=5
    )
    before, after, align = context_frames(options, 25.0, overlap_s=0.0)
    stride = options.detect_stride(25.0)
    assert stride == 3 and align == 15
    assert before >= round(1.5 * 25) + 2 * stride  # trail + lost-track time + two detections
    assert after >= round(0.3 * 25) + stride  # lookahead + one detection
    assert context_frames(options, 25.0, overlap_s=10.0)[:2] == (250, 250)  # the configured floor
