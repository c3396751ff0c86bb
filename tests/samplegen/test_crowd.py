"""The crowded square (issue 25): 60+ people, faces 8-20 px at 1080p, some still, some partly hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.samplegen import crowd_scene, crowd_tracks, write_crowd_clip
from cctvkit.video import probe


def test_sixty_people_small_faces_still_walking_and_partly_hidden() -> None:
    scene = crowd_scene(seconds=4.0, seed=0)
    seen: dict[str, list[tuple[int, int, int]]] = {}
    partly_hidden = 0
    for i in range(0, 100, 5):
        faces = scene.faces(i)
        assert len(faces) >= 55
        for box in faces:
            x1, _, x2, _ = box.xyxy
            seen.setdefault(box.face_id, []).append((i, x1, x2 - x1))
            partly_hidden += 0.5 <= box.visible_fraction < 0.95
    assert len(seen) >= 60
    # Widths of faces whole in the frame (edge boxes are clipped): 8-20 px, most under 16.
    widths = [w for track in seen.values() for _, x1, w in track if x1 > 0 and x1 + w < 1919]
    assert min(widths) >= 7 and max(widths) <= 21
    assert sum(w < 16 for w in widths) > 0.6 * len(widths)
    still = [f for f, track in seen.items() if len(track) == 20 and len({x for _, x, _ in track}) == 1]
    moving = [f for f, track in seen.items() if len({x for _, x, _ in track}) > 3]
    assert len(still) >= 20 and len(moving) >= 20
    assert partly_hidden >= 50  # groups, a queue, walkers passing in front


def test_needs_sixty_people() -> None:
    with pytest.raises(ValueError, match="60"):
        crowd_tracks(30)


def test_written_clip_has_exact_truth_per_frame(tmp_path: Path) -> None:
    truth = write_crowd_clip(tmp_path / "c.mp4", seconds=0.4, fps=10, size_wh=(640, 360), seed=1)
    assert truth.frame_count == 4 == probe(tmp_path / "c.mp4").frame_count
    assert truth.frames[2] == crowd_scene(size_wh=(640, 360), fps=10, seconds=0.4, seed=1).faces(2)
