"""An elevated street camera: a crowd of small faces (10-24 px at 1080p) with exact ground truth.

The camera looks down on a square from high up (background ``street``): people far away (top of
the picture) have faces about 10 px wide, people near the kerb (bottom) about 24 px, linearly in
between. Most walk across at a pace proportional to their size (the same speed on the ground),
some walk towards the camera (growing as they come), some stand or sit (a café's customers, a
small group talking). Every face is the same public-domain portrait in its varied looks, so the
ground truth boxes are exact (see :mod:`cctvkit.samplegen.scene`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.samplegen.clip import write_scene
from cctvkit.samplegen.portraits import PORTRAITS
from cctvkit.samplegen.scene import FaceTrack, GroundTruth, Keyframe, Scene

__all__ = ["FAR_Y", "NEAR_Y", "face_px_at", "street_scene", "street_tracks", "write_street_clip"]

FAR_Y, NEAR_Y = 0.22, 0.90
"""Face-centre heights (fractions of the frame) of the farthest and nearest walkers."""

_FAR_PX, _NEAR_PX = 10.0, 24.0
"""Face widths at FAR_Y and NEAR_Y on a 1080-line frame (scaled with the frame height)."""

_PACE = 5.0
"""Face widths walked per second (about 1.2 m/s for a 0.15 m wide face)."""


def face_px_at(y: float, height: int = 1080) -> float:
    """Face width in pixels of a person whose face centre is at height ``y`` (fraction)."""
    u = (y - FAR_Y) / (NEAR_Y - FAR_Y)
    return (_FAR_PX + u * (_NEAR_PX - _FAR_PX)) * height / 1080


def _key(t: float, x: float, y: float) -> Keyframe:
    return Keyframe(t, x, y, face_px_at(y) / 1080)


def street_tracks(
    n: int = 30, *, seconds: float = 8.0, seed: int = 0, aspect: float = 16 / 9
) -> tuple[FaceTrack, ...]:
    """``n`` people (at least 20): a quarter walking towards the camera, a sixth standing, the
    rest crossing left or right, entering and leaving at the edges.

    Args:
        n: number of people (ids ``street-1`` ..).
        seconds: how long the scene runs.
        seed: seeds paths and looks.
        aspect: frame width / height (a walk's pace is in face widths, which are in heights).
    """
    if n < 20:
        raise ValueError("the street scene has at least 20 people")
    rng = np.random.default_rng(seed)
    tracks = []
    towards = n // 4
    standing = max(3, n // 6)
    for i in range(n):
        look = PORTRAITS[int(rng.integers(len(PORTRAITS)))]
        face_id = f"street-{i + 1}"
        if i < towards:  # from far away down to the kerb, a little sideways
            y0 = float(rng.uniform(FAR_Y, FAR_Y + 0.15))
            y1 = float(rng.uniform(NEAR_Y - 0.10, NEAR_Y))
            x0 = float(rng.uniform(0.1, 0.9))
            x1 = float(np.clip(x0 + rng.uniform(-0.1, 0.1), 0.05, 0.95))
            start = float(rng.uniform(-0.3, 0.3)) * seconds
            # Pace: height travelled per second at the mean face size, slower far away (perspective).
            mean_px = (face_px_at(y0) + face_px_at(y1)) / 2
            duration = (y1 - y0) * 1080 / (mean_px * _PACE * 0.6)
            keys = (_key(start, x0, y0), _key(start + duration, x1, y1))
        elif i < towards + standing:  # café customers and a group talking: still
            y = float(rng.uniform(FAR_Y + 0.02, NEAR_Y - 0.1))
            x = float(rng.uniform(0.05, 0.95))
            keys = (_key(0.0, x, y),)
        else:  # crossing, in from one edge and out at the other
            y = float(rng.uniform(FAR_Y, NEAR_Y))
            speed = face_px_at(y) * _PACE * float(rng.uniform(0.8, 1.3)) / (1080 * aspect)
            velocity = speed if rng.integers(2) else -speed
            start = -float(rng.uniform(0.0, 0.5)) * seconds  # most are in view from the first frame
            span = seconds * 1.6
            x0 = float(rng.uniform(-0.05, 1.05)) + velocity * start
            x1 = x0 + velocity * span
            keys = (_key(start, x0, y), _key(start + span, x1, y))
        tracks.append(FaceTrack(face_id, look, keys))
    return tuple(tracks)


def street_scene(
    *,
    size_wh: tuple[int, int] = (1920, 1080),
    fps: float | Fraction = 25,
    n: int = 30,
    seconds: float = 8.0,
    seed: int = 0,
) -> Scene:
    """The elevated street :class:`Scene` (``n`` people, background ``street``)."""
    fps = Fraction(fps).limit_denominator(1001)
    tracks = street_tracks(n, seconds=seconds, seed=seed, aspect=size_wh[0] / size_wh[1])
    return Scene(size_wh=size_wh, fps=fps, tracks=tracks, background="street", seed=seed)


def write_street_clip(
    path: Path,
    *,
    seconds: float = 8.0,
    fps: float | Fraction = 25,
    size_wh: tuple[int, int] = (1920, 1080),
    n: int = 30,
    seed: int = 0,
) -> GroundTruth:
    """Encode the elevated street scene to H.264 and return its exact per-frame face boxes."""
    scene = street_scene(size_wh=size_wh, fps=fps, n=n, seconds=seconds, seed=seed)
    count = max(1, round(seconds * scene.fps))
    return write_scene(Path(path), scene, start=0, stop=count)
