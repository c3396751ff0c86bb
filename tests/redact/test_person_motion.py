"""Changes that masked people's bodies explain are not zoomed by the face check (issue 25)."""

from __future__ import annotations

import numpy as np
import pytest

from cctvkit.redact.face_checker import RenderedBoxes, build_face_checker
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.person_motion import bodies, unexplained
from cctvkit.samplegen import FaceTrack, Keyframe, write_clip
from cctvkit.video import VideoReader

FRAME = (1280, 720)
HD = (1920, 1080)


def test_a_near_persons_body_explains_the_changes_over_it() -> None:
    face = np.array([[900, 300, 960, 370]])  # 60 px
    body = bodies(face, 32, margin_px=0)
    assert body.tolist() == [[810, 240, 1050, 850]]  # 2 faces each side, 1 above, 8 below
    moving = np.array([[860, 280, 1000, 800]])  # their walk
    assert len(unexplained(moving, body, HD)) == 0


def test_changes_beyond_the_body_stay_and_small_faces_explain_nothing() -> None:
    face = np.array([[900, 300, 960, 370]])
    moving = np.array([[860, 280, 1000, 800], [1400, 200, 1500, 300]])  # and someone else
    left = unexplained(moving, bodies(face, 32, margin_px=0), HD)
    assert len(left) == 1
    x1, y1, x2, y2 = left[0]
    assert x1 <= 1400 and y1 <= 200 and x2 >= 1500 and y2 >= 300 and x2 - x1 < 200
    crowd = np.array([[900, 300, 912, 312], [950, 310, 962, 322]])  # 12 px faces: no body
    assert len(bodies(crowd, 32, margin_px=0)) == 0
    assert unexplained(moving, bodies(crowd, 32, 0), HD).tolist() == moving.tolist()


def test_a_body_that_covers_part_of_a_change_leaves_the_rest() -> None:
    body = np.array([[0, 0, 500, 1080]])
    left = unexplained(np.array([[400, 100, 800, 300]]), body, HD)
    assert len(left) == 1 and 400 < left[0][0] <= 500 and left[0][2] >= 800  # grown a little


@pytest.fixture(scope="module")
def walkers(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[np.ndarray], list]:
    """A near walker (65 px face) and a far one (14 px) crossing the yard, 1 s at 10 fps."""
    path = tmp_path_factory.mktemp("walkers") / "walkers.mp4"
    faces = (
        FaceTrack("near", "collins", (Keyframe(0.0, 0.30, 0.45, 0.09), Keyframe(1.0, 0.42, 0.45, 0.09))),
        FaceTrack("far", "collins-dark", (Keyframe(0.0, 0.75, 0.30, 0.02), Keyframe(1.0, 0.80, 0.30, 0.02))),
    )
    truth = write_clip(path, seconds=1.0, fps=10, size_wh=FRAME, seed=3, faces=faces, background="yard")
    with VideoReader(path) as reader:
        images = [f.image for f in reader.frames()]
    return images, truth.frames


def _second_check(images: list[np.ndarray], truth: list, explained: float) -> tuple[list, int]:
    """Findings on frame 8 after checking frame 0, and the pixels zoomed for frame 8."""
    checker = build_face_checker(FRAME, options=FaceCheckOptions(explained_face_px=explained))
    zoomed, found = 0, []
    for index in (0, 8):  # the near face counts as masked: a finding there is its mask
        near = np.array([b.xyxy for b in truth[index] if b.face_id == "near"], np.float32)
        zoomed = checker.zoomed_px
        found = checker.check(index, images[index], RenderedBoxes(masked=near))
    return found, checker.zoomed_px - zoomed


def test_the_far_face_is_found_either_way_with_the_near_body_not_zoomed(walkers) -> None:
    images, truth = walkers
    far = next(b.xyxy for b in truth[8] if b.face_id == "far")
    zoomed = {}
    for explained in (0.0, 32.0):
        found, zoomed[explained] = _second_check(images, truth, explained)
        centres = [((f.xyxy[0] + f.xyxy[2]) / 2, (f.xyxy[1] + f.xyxy[3]) / 2) for f in found]
        assert any(far[0] <= x <= far[2] and far[1] <= y <= far[3] for x, y in centres), explained
    near_body = (4 * 65) * (10 * 65) * 4  # a 65 px face's body, zoomed 2x
    assert zoomed[0.0] - zoomed[32.0] > near_body / 2


def test_where_a_near_person_walked_from_is_still_zoomed() -> None:
    """Leaving, a near person may reveal a small face that stood behind them: only where their
    body is now explains a change."""
    checker = build_face_checker(HD, options=FaceCheckOptions())
    face_before = np.array([[400, 300, 460, 370]], np.float32)  # 60 px, on the last checked frame
    face_now = face_before + np.array([500, 0, 500, 0], np.float32)  # walked 500 px right since
    checker._unexplained(np.empty((0, 4), np.int64), face_before)
    changed = np.array([[300, 200, 1100, 880]])  # where they were, and where they are
    left = checker._unexplained(changed, face_now)
    assert any(x1 <= 300 and 700 <= x2 <= 900 for x1, _, x2, _ in left)  # their old place
    assert not any(x1 < 900 < x2 for x1, _, x2, _ in left)  # not their body now
    assert checker._unexplained(changed, None).tolist() == changed.tolist()
