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


def _at(x: float, width: float, confidence: float) -> sv.Detections:
    return sv.Detections(
        xyxy=np.array([[x, 100, x + width, 100 + width * 1.3]], np.float32),
        confidence=np.array([confidence], np.float32),
    )


def _faces(tracker: FaceTracker, sightings: list[sv.Detections | None]) -> list[int]:
    """Faces the tracker returns per call (None: a call that saw nothing)."""
    empty = sv.Detections(xyxy=np.empty((0, 4), np.float32), confidence=np.empty(0, np.float32))
    return [len(tracker.update(s if s is not None else empty)) for s in sightings]


def test_a_small_face_seen_weakly_again_at_one_place_is_a_face() -> None:
    # A half-hidden 13 px face scores under small_threshold on every detection: no single
    # sighting starts a track, the second at the same place (moved 3 px, gap of two calls) does.
    tracker = FaceTracker(fps=10, small_face_px=24, small_threshold=0.35, confirm_small=2)
    assert _faces(tracker, [_at(100, 13, 0.28), None, None, _at(103, 13, 0.3)]) == [0, 0, 0, 1]
    without = FaceTracker(fps=10, small_face_px=24, small_threshold=0.35)
    assert _faces(without, [_at(100, 13, 0.28), None, None, _at(103, 13, 0.3)]) == [0, 0, 0, 0]


def test_weak_sightings_elsewhere_or_long_apart_or_large_are_not_confirmed() -> None:
    options = {"fps": 10, "small_face_px": 24, "small_threshold": 0.35, "confirm_small": 2}
    # a neighbour's face, a face width away: two places seen once each
    assert _faces(FaceTracker(**options), [_at(100, 13, 0.3), _at(114, 13, 0.3)]) == [0, 0]
    # seen again after more than lost_track_s (1 s = 10 calls at 10 fps): the count restarts
    apart = [_at(100, 13, 0.3), *[None] * 11, _at(100, 13, 0.3), _at(100, 13, 0.3)]
    assert _faces(FaceTracker(**options), apart) == [0] * 13 + [1]
    # a large face is judged by the threshold alone, however often it is seen weakly
    assert _faces(FaceTracker(**options), [_at(100, 60, 0.3)] * 4) == [0] * 4
