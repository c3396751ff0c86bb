"""First-pass small-face handling: a weak sighting of a small face is a face; a large one is not."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from cctvkit.errors import UsageError
from cctvkit.redact import RedactOptions
from cctvkit.redact.tracking import FaceTracker


def _one(width: float, confidence: float) -> sv.Detections:
    return sv.Detections(
        xyxy=np.array([[100, 100, 100 + width, 100 + width * 1.3]], np.float32),
        confidence=np.array([confidence], np.float32),
    )


@pytest.mark.parametrize(
    ("width", "small_threshold", "masked"), [(14, 0.35, True), (14, None, False), (60, 0.35, False)]
)
def test_small_faces_have_their_own_threshold(
    width: float, small_threshold: float | None, masked: bool
) -> None:
    tracker = FaceTracker(fps=10, threshold=0.5, small_face_px=24, small_threshold=small_threshold)
    detections = _one(width, 0.4)
    faces = tracker.update(detections)
    assert (len(faces) == 1) is masked
    assert detections.confidence[0] == pytest.approx(0.4)  # the caller's detections are not changed


def test_small_threshold_is_checked() -> None:
    with pytest.raises(UsageError, match="small_threshold"):
        RedactOptions(small_threshold=0.1)
    with pytest.raises(UsageError, match="track_zoom"):
        RedactOptions(track_zoom=8)
