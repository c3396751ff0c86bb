"""A crowded square seen from high above: 60+ people, faces 8-20 px at 1080p, exact ground truth.

Harder than :mod:`cctvkit.samplegen.street` (issue 25): twice the people, faces 8 px far away (top
of the picture) to 20 px near the kerb (bottom), and more of them still: a café's customers sit
in rows at their tables, small groups stand talking with a nearer person partly hiding a farther
one's face, a queue stands in line; the rest walk across or towards the camera and pass in front of
one another. Every face is the same public-domain portrait in its varied looks, so the ground truth
is exact, occlusion included (:class:`~cctvkit.samplegen.scene.FaceBox.visible_fraction`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.samplegen.clip import write_scene
from cctvkit.samplegen.portraits import PORTRAITS
from cctvkit.samplegen.scene import FaceTrack, GroundTruth, Keyframe, Scene

__all__ = [
    "CROWD_FAR_Y",
    "CROWD_NEAR_Y",
    "crowd_face_px_at",
    "crowd_scene",
    "crowd_tracks",
    "write_crowd_clip",
]

CROWD_FAR_Y, CROWD_NEAR_Y = 0.20, 0.92
"""Face-centre heights (fractions of the frame) of the farthest and nearest people."""

_FAR_PX, _NEAR_PX = 8.0, 20.0
"""Face widths at the far and near heights on a 1080-line frame (scaled with the frame height)."""

_PACE = 5.0
"""Face widths walked per second (about 1.2 m/s for a 0.15 m wide face)."""

_FACE_ASPECT = 1.35
"""Face-box height over width of the portrait (so that a group's offsets are in face heights)."""

MIN_PEOPLE = 60


def crowd_face_px_at(y: float, height: int = 1080) -> float:
    """Face width in pixels of a person whose face centre is at height ``y`` (fraction)."""
    u = (y - CROWD_FAR_Y) / (CROWD_NEAR_Y - CROWD_FAR_Y)
    return (_FAR_PX + u * (_NEAR_PX - _FAR_PX)) * height / 1080


def _key(t: float, x: float, y: float) -> Keyframe:
    return Keyframe(t, x, y, crowd_face_px_at(y) / 1080)


def crowd_tracks(
    n: int = 64, *, seconds: float = 4.0, seed: int = 0, aspect: float = 16 / 9
) -> tuple[FaceTrack, ...]:
    """``n`` people (at least 60): a quarter seated at café tables, a fifth in groups and a
    queue (a nearer person partly hiding the face behind), an eighth walking towards the camera,
    the rest crossing left or right (some in from the edges during the clip).

    Args:
        n: number of people (ids ``crowd-1`` ..).
        seconds: how long the scene runs (walkers are paced to it).
        seed: seeds places, paths and looks.
        aspect: frame width / height (positions across are in widths, sizes in heights).
    """
    if n < MIN_PEOPLE:
        raise ValueError(f"the crowd scene has at least {MIN_PEOPLE} people")
    rng = np.random.default_rng(seed)
    keys: list[tuple[Keyframe, ...]] = []
    seated = n // 4
    grouped = n // 5
    towards = n // 8

    # Café: two rows of tables at the far left and the middle right; customers still.
    for i in range(seated):
        row = i % 2
        y = 0.30 + 0.22 * row + float(rng.uniform(-0.01, 0.01))
        x = (0.06 if row == 0 else 0.52) + (i // 2) * 0.045 + float(rng.uniform(-0.008, 0.008))
        keys.append((_key(0.0, x, y),))

    # Groups of two or three and a queue: each next person nearer (lower), overlapping the one
    # before by about half a face, so that faces behind are partly hidden.
    made = 0
    while made < grouped:
        size = min(grouped - made, int(rng.integers(2, 4)))
        x = float(rng.uniform(0.1, 0.9))
        y = float(rng.uniform(CROWD_FAR_Y + 0.05, CROWD_NEAR_Y - 0.15))
        for _ in range(size):
            keys.append((_key(0.0, x, y),))
            px = crowd_face_px_at(y) / 1080
            x += px * float(rng.uniform(0.3, 0.7)) / aspect * float(rng.choice([-1, 1]))
            y += px * _FACE_ASPECT * float(rng.uniform(0.6, 0.9))
        made += size

    for _ in range(towards):  # from far away down towards the kerb, a little sideways
        y0 = float(rng.uniform(CROWD_FAR_Y, CROWD_FAR_Y + 0.2))
        x0 = float(rng.uniform(0.1, 0.9))
        mean_px = crowd_face_px_at(y0 + 0.15)
        y1 = y0 + mean_px * _PACE * 0.6 * seconds * 1.5 / 1080
        x1 = float(np.clip(x0 + rng.uniform(-0.05, 0.05), 0.05, 0.95))
        start = -float(rng.uniform(0.0, 0.3)) * seconds
        keys.append((_key(start, x0, y0), _key(start + seconds * 1.5, x1, y1)))

    for _ in range(n - len(keys)):  # crossing, most in view from the first frame
        y = float(rng.uniform(CROWD_FAR_Y, CROWD_NEAR_Y))
        speed = crowd_face_px_at(y) * _PACE * float(rng.uniform(0.7, 1.3)) / (1080 * aspect)
        velocity = speed if rng.integers(2) else -speed
        start = -float(rng.uniform(0.0, 1.0)) * seconds
        span = seconds * 2.2
        x_now = float(rng.uniform(-0.02, 1.02))  # where they are at frame 0
        x0 = x_now + velocity * start
        keys.append((_key(start, x0, y), _key(start + span, x0 + velocity * span, y)))

    looks = [PORTRAITS[int(rng.integers(len(PORTRAITS)))] for _ in keys]
    return tuple(
        FaceTrack(f"crowd-{i + 1}", look, k) for i, (look, k) in enumerate(zip(looks, keys, strict=True))
    )


def crowd_scene(
    *,
    size_wh: tuple[int, int] = (1920, 1080),
    fps: float | Fraction = 25,
    n: int = 64,
    seconds: float = 4.0,
    seed: int = 0,
) -> Scene:
    """The crowded square :class:`Scene` (``n`` people, background ``street``)."""
    fps = Fraction(fps).limit_denominator(1001)
    tracks = crowd_tracks(n, seconds=seconds, seed=seed, aspect=size_wh[0] / size_wh[1])
    return Scene(size_wh=size_wh, fps=fps, tracks=tracks, background="street", seed=seed)


def write_crowd_clip(
    path: Path,
    *,
    seconds: float = 4.0,
    fps: float | Fraction = 25,
    size_wh: tuple[int, int] = (1920, 1080),
    n: int = 64,
    seed: int = 0,
) -> GroundTruth:
    """Encode the crowded square to H.264 and return its exact per-frame face boxes."""
    scene = crowd_scene(size_wh=size_wh, fps=fps, n=n, seconds=seconds, seed=seed)
    count = max(1, round(seconds * scene.fps))
    return write_scene(Path(path), scene, start=0, stop=count)
