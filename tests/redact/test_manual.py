"""A box drawn over a missed face is followed forwards and backwards with OpenCV's MIL tracker."""

from __future__ import annotations

import json

import pytest

from cctvkit.errors import UsageError
from cctvkit.redact.manual import track_drawn_box
from tests.conftest import SAMPLE_DIR
from tests.requests.test_end_to_end import _iou

SEGMENT = "archive/gate/gate_20261001_090006.mp4"


def test_drawn_box_follows_the_walker_both_ways() -> None:
    if not (SAMPLE_DIR / "ground_truth.json").is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    files = {f["path"]: f for f in json.loads((SAMPLE_DIR / "ground_truth.json").read_text())["files"]}
    truth = {  # frames where the walker's face is mostly in sight (later it is hidden)
        int(i): b["xyxy"]
        for i, faces in files[SEGMENT]["faces"].items()
        for b in faces
        if b["face_id"] == "walker" and b["visible_fraction"] >= 0.5
    }
    drawn = 15
    x1, y1, x2, y2 = truth[drawn]
    boxes = track_drawn_box(SAMPLE_DIR / SEGMENT, drawn, [x1 - 3, y1 - 3, x2 + 3, y2 + 3], reach_s=2.0)
    assert sorted(boxes) == list(range(min(boxes), max(boxes) + 1))  # one contiguous run
    assert min(boxes) <= drawn - 15 and max(boxes) >= drawn + 15  # 1.5 s each way at 10 fps
    overlaps = [_iou(list(boxes[f]), truth[f]) for f in boxes if f in truth]
    assert len(overlaps) >= 25 and sum(o > 0.4 for o in overlaps) >= 0.9 * len(overlaps), overlaps


def test_degenerate_box_is_refused() -> None:
    if not (SAMPLE_DIR / SEGMENT).is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    with pytest.raises(UsageError, match="at least 4x4 pixels"):
        track_drawn_box(SAMPLE_DIR / SEGMENT, 3, [700, 10, 720, 30])


def test_full_frame_box_is_held_still_not_a_crash() -> None:
    """A box over the whole frame (OpenCV's MIL tracker asserted on it: a 500 on the page)."""
    if not (SAMPLE_DIR / SEGMENT).is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    boxes = track_drawn_box(SAMPLE_DIR / SEGMENT, 15, [0, 0, 640, 360], reach_s=1.0)
    assert sorted(boxes) == list(range(5, 26))  # 1 s each way at 10 fps, one contiguous run
    assert set(boxes.values()) == {(0.0, 0.0, 640.0, 360.0)}
