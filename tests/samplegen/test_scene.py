"""Synthetic scenes: determinism, box geometry, the flash-through face, and clips that probe right."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from cctvkit.samplegen import FaceTrack, Keyframe, Scene, write_clip
from cctvkit.samplegen.archive import sample_scenes
from cctvkit.video import probe

TRACKS = (
    FaceTrack("entering", "collins", (Keyframe(0.0, -0.10, 0.55, 0.20), Keyframe(2.0, 0.40, 0.55, 0.20))),
    FaceTrack("still", "collins-dark", (Keyframe(0.0, 0.80, 0.45, 0.12),)),
    FaceTrack(
        "leaving-bottom", "collins-grey", (Keyframe(0.0, 0.5, 0.80, 0.33), Keyframe(2.0, 0.5, 1.2, 0.33))
    ),
)


def _scene(seed: int = 3) -> Scene:
    return Scene(size_wh=(320, 180), fps=Fraction(10), tracks=TRACKS, background="gate", seed=seed)


def test_same_seed_same_frames_and_truth() -> None:
    a, b = _scene(), _scene()
    for i in (0, 7, 19):
        image_a, faces_a = a.render(i, "2026-10-01 09:00:00  GATE")
        image_b, faces_b = b.render(i, "2026-10-01 09:00:00  GATE")
        assert np.array_equal(image_a, image_b)
        assert faces_a == faces_b == a.faces(i)


def test_other_seed_other_pixels_same_truth() -> None:
    image_a, faces_a = _scene(3).render(5)
    image_b, faces_b = _scene(4).render(5)
    assert not np.array_equal(image_a, image_b)
    assert faces_a == faces_b  # the people are given explicitly; only texture and noise change


def test_boxes_lie_inside_the_frame() -> None:
    scene = _scene()
    w, h = scene.size_wh
    seen_partial = set()
    for i in range(21):
        for box in scene.faces(i):
            x1, y1, x2, y2 = box.xyxy
            assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
            assert 0 < box.visible_fraction <= 1
            if box.visible_fraction < 1:
                seen_partial.add(box.face_id)
    assert {"entering", "leaving-bottom"} <= seen_partial


def test_still_face_keeps_its_box() -> None:
    scene = _scene()
    boxes = {b.xyxy for i in range(20) for b in scene.faces(i) if b.face_id == "still"}
    assert len(boxes) == 1


def test_face_box_matches_requested_size() -> None:
    # size is the face width as a fraction of frame height: 0.2 * 180 = 36 px.
    scene = Scene(
        size_wh=(320, 180),
        fps=Fraction(10),
        tracks=(FaceTrack("a", "collins", (Keyframe(0.0, 0.5, 0.5, 0.2),)),),
    )
    (box,) = scene.faces(0)
    x1, y1, x2, y2 = box.xyxy
    assert abs((x2 - x1) - 36) <= 1
    assert abs((x1 + x2) / 2 - 160) <= 1 and abs((y1 + y2) / 2 - 90) <= 1


def test_sample_gate_has_a_short_flash_through_face() -> None:
    gate = sample_scenes(seed=0)["gate"]
    frames = [i for i in range(180) if any(b.face_id == "runner" for b in gate.faces(i))]
    assert 1 <= len(frames) <= 5
    assert frames == list(range(frames[0], frames[-1] + 1))


def test_sample_ground_truth_depends_only_on_seed() -> None:
    a, b = sample_scenes(seed=5), sample_scenes(seed=5)
    assert a["reception"].ground_truth(0, 120) == b["reception"].ground_truth(0, 120)
    assert a["gate"].ground_truth(0, 180) != sample_scenes(seed=6)["gate"].ground_truth(0, 180)


def test_write_clip_probes_as_written(tmp_path: Path) -> None:
    start = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    path = tmp_path / "clip.mp4"
    truth = write_clip(path, seconds=2, fps=10, size_wh=(320, 180), seed=1, faces=2, creation_time_utc=start)
    info = probe(path)
    assert (info.width, info.height) == (320, 180) == truth.size_wh
    assert info.frame_count == 20 == truth.frame_count
    assert info.fps == Fraction(10)
    assert info.creation_time_utc == start
    assert not info.has_audio
    assert truth.face_ids == {"person-1", "person-2"}
    assert all(len(faces) == 2 and all(b.visible_fraction == 1 for b in faces) for faces in truth.frames)
    assert set(truth.frames_json()) == {str(i) for i in range(20)}


def test_write_clip_refuses_odd_size(tmp_path: Path) -> None:
    from cctvkit.errors import VideoError

    with pytest.raises(VideoError):
        write_clip(tmp_path / "odd.mp4", seconds=1, size_wh=(321, 180))
