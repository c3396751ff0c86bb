"""Fixtures for the redaction tests: one detector per session, small synthetic clips with ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.redact import FaceDetector, RedactOptions, build_detector
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, write_clip


@pytest.fixture(scope="session")
def detector() -> FaceDetector:
    """The default CenterFace detector, loaded once (about 0.3 s)."""
    return build_detector(RedactOptions())


SCENE_TRACKS = (
    # Walks in from beyond the left edge: first frames show half a face.
    FaceTrack("entering", "collins", (Keyframe(0.0, -0.06, 0.55, 0.20), Keyframe(3.0, 0.35, 0.55, 0.20))),
    # Stands still on the right.
    FaceTrack("standing", "collins-dark", (Keyframe(0.0, 0.80, 0.45, 0.16),)),
    # Far away (about 26 px wide), walking.
    FaceTrack("far", "collins-cap", (Keyframe(0.0, 0.55, 0.30, 0.072), Keyframe(3.0, 0.65, 0.30, 0.072))),
    # Appears for 0.3 s only (three frames at 10 fps): the flash that leaks in naive tools.
    FaceTrack("flash", "collins-grey", (Keyframe(1.5, 0.20, 0.25, 0.14), Keyframe(1.7, 0.22, 0.25, 0.14))),
)


@pytest.fixture(scope="session")
def scene_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """A 3 s, 10 fps, 640x360 clip with four people, and its per-frame face boxes."""
    path = tmp_path_factory.mktemp("scene") / "scene.mp4"
    truth = write_clip(path, seconds=3, fps=10, size_wh=(640, 360), seed=7, faces=SCENE_TRACKS)
    return path, truth


@pytest.fixture(scope="session")
def clip_two_faces(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """1.2 s, 10 fps, 640x360: two faces about 47 px wide walking slowly (the face check tests)."""
    path = tmp_path_factory.mktemp("two") / "two.mp4"
    tracks = (
        FaceTrack("left", "collins", (Keyframe(0.0, 0.22, 0.5, 0.13), Keyframe(1.2, 0.28, 0.5, 0.13))),
        FaceTrack("right", "collins-dark", (Keyframe(0.0, 0.75, 0.5, 0.13), Keyframe(1.2, 0.70, 0.5, 0.13))),
    )
    return path, write_clip(path, seconds=1.2, fps=10, size_wh=(640, 360), seed=3, faces=tracks)
