"""Footage with known faces, and the count of faces a released clip shows unmasked (must be zero)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.redact.evaluation import DETAIL_LEAK, MIN_VISIBLE, detail_correlation
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, Scene, write_scene
from cctvkit.video import VideoReader
from tests.reliability.conftest import local_name

SIZE_WH = (320, 180)
FPS = 10
FACES = (
    FaceTrack("passer-by", "collins", (Keyframe(0.0, 0.25, 0.5, 0.30), Keyframe(4.0, 0.45, 0.5, 0.30))),
    FaceTrack("bystander", "collins-dark", (Keyframe(0.0, 0.75, 0.45, 0.28),)),
)
"""Two third parties, large and frontal: every frame of every release must mask both."""


SCENE = Scene(size_wh=SIZE_WH, fps=Fraction(FPS), tracks=FACES, background="corridor", seed=3)


def write_face_footage(site: Path, start_local: datetime, count: int, *, seconds: int = 2) -> list[Path]:
    """``count`` back-to-back gate segments of one continuous scene, from ``start_local`` (London)."""
    paths = []
    for i in range(count):
        t = start_local + timedelta(seconds=i * seconds)
        path = site.parent / "archive" / "gate" / local_name("gate", t)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_scene(path, SCENE, start=i * seconds * FPS, stop=(i + 1) * seconds * FPS, preset="ultrafast")
        paths.append(path)
    return paths


def truth_of(frame_count: int) -> GroundTruth:
    """Ground truth of the first ``frame_count`` frames of the scene (all segments, concatenated)."""
    return SCENE.ground_truth(0, frame_count)


def decode(paths: list[Path]) -> list[np.ndarray]:
    out = []
    for path in paths:
        with VideoReader(path) as reader:
            out.extend(frame.image for frame in reader.frames())
    return out


def leaked_faces(clip: Path, sources: list[Path], first_frame: int, truth: GroundTruth) -> int:
    """Third-party face boxes whose detail survives in ``clip`` (frame k is source frame first+k)."""
    originals = decode(sources)
    leaked = 0
    for k, image in enumerate(decode([clip])):
        i = first_frame + k
        for box in truth.frames[i]:
            x1, y1, x2, y2 = box.xyxy
            if box.visible_fraction < MIN_VISIBLE or x2 <= x1 or y2 <= y1:
                continue
            leaked += detail_correlation(originals[i][y1:y2, x1:x2], image[y1:y2, x1:x2]) > DETAIL_LEAK
    return leaked
