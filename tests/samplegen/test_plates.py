"""The gate scene with number plates and a name badge: exact text truth for text masking (issue 29)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cctvkit.samplegen.plates import gate_text_scene, write_gate_text_clip
from cctvkit.video import VideoReader


def test_plates_span_the_sizes_asked_for_and_a_badge_is_worn() -> None:
    scene = gate_text_scene(size_wh=(1920, 1080), fps=10, seconds=6)
    truth = [scene.truth(i)[0] for i in range(60)]
    plates = [b for boxes in truth for b in boxes if b.kind == "plate" and b.visible_fraction == 1.0]
    heights = [b.text_px for b in plates]
    assert min(heights) == 8.0 and max(heights) >= 38.0
    assert {b.text_id for b in plates} == {"car-1", "car-2", "car-3", "car-4"}
    badges = [b for boxes in truth for b in boxes if b.kind == "badge"]
    assert len(badges) == 60 and all(9 <= b.text_px <= 13 for b in badges)
    # A plate as wide as the plate letters' line, about 1.45 letters tall.
    box = next(b for b in plates if b.text_px == 8.0)
    assert 10 <= box.xyxy[3] - box.xyxy[1] <= 13


def test_text_free_scene_differs_only_inside_the_plates_and_badge() -> None:
    with_text = gate_text_scene(size_wh=(640, 360), fps=10, seconds=2, text_px=(8, 16))
    blank = gate_text_scene(size_wh=(640, 360), fps=10, seconds=2, text_px=(8, 16), text=False)
    image, boxes, faces = with_text.render(5)
    plain, blank_boxes, blank_faces = blank.render(5)
    assert boxes == blank_boxes and faces == blank_faces
    inside = np.zeros(image.shape[:2], bool)
    for box in boxes:
        x1, y1, x2, y2 = box.xyxy
        inside[y1:y2, x1:x2] = True
    differs = np.any(image != plain, axis=2)
    assert differs[inside].sum() > 50  # the letters
    assert not differs[~inside].any()


def test_written_clip_matches_its_truth(tmp_path: Path) -> None:
    path = tmp_path / "gate.mp4"
    truth = write_gate_text_clip(path, size_wh=(320, 180), fps=10, seconds=1, text_px=(8, 12))
    assert truth.frame_count == 10
    with VideoReader(path) as reader:
        assert sum(1 for _ in reader.frames()) == 10
    frames = truth.frames_json()
    assert set(frames) == {str(i) for i in range(10)}
    assert {"text", "faces"} == set(frames["0"])
    # The truth says where text is, never what it says.
    said = {car.text for car in gate_text_scene(size_wh=(320, 180), fps=10, seconds=1, text_px=(8, 12)).cars}
    assert not any(plate in json.dumps(frames) for plate in said)
