"""The elevated street scene: 20+ people, faces 10-24 px at 1080p, some walking towards the camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.samplegen import street_scene, street_tracks, write_street_clip
from cctvkit.video import probe


def test_crowd_of_small_faces_some_approaching() -> None:
    scene = street_scene(seconds=8.0, seed=0)
    widths: dict[str, list[tuple[int, int]]] = {}
    per_frame = []
    for i in range(0, 200, 5):
        faces = [b for b in scene.faces(i) if b.visible_fraction >= 0.5]
        per_frame.append(len(faces))
        for box in faces:
            widths.setdefault(box.face_id, []).append((i, box.xyxy[2] - box.xyxy[0]))
    assert len(widths) >= 20
    assert min(per_frame) >= 15
    every_width = [w for seen in widths.values() for _, w in seen]
    assert min(every_width) >= 9 and max(every_width) <= 25
    assert sum(1 for w in every_width if w < 16) > len(every_width) / 4
    growing = [f for f, seen in widths.items() if len(seen) > 4 and seen[-1][1] >= seen[0][1] + 6]
    assert len(growing) >= 4  # walking towards the camera


def test_needs_a_crowd() -> None:
    with pytest.raises(ValueError, match="20"):
        street_tracks(5)


def test_written_clip_has_exact_truth_per_frame(tmp_path: Path) -> None:
    truth = write_street_clip(tmp_path / "s.mp4", seconds=0.4, fps=10, size_wh=(640, 360), seed=1)
    assert truth.frame_count == 4 == probe(tmp_path / "s.mp4").frame_count
    assert truth.frames[0] == street_scene(size_wh=(640, 360), fps=10, seconds=0.4, seed=1).faces(0)
