"""Write one short synthetic clip with known faces (for tests that need a video quickly)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.samplegen.portraits import PORTRAITS
from cctvkit.samplegen.scene import FaceTrack, GroundTruth, Keyframe, Scene
from cctvkit.video.writer import VideoWriter

__all__ = ["creation_time_tag", "random_tracks", "write_clip", "write_scene"]


def creation_time_tag(start_utc: datetime) -> str:
    """Format a UTC instant the way FFmpeg writes ``creation_time`` (``...T08:00:00.000000Z``).

    Raises:
        ValueError: ``start_utc`` is naive.
    """
    if start_utc.tzinfo is None:
        raise ValueError("creation time must be timezone-aware")
    return start_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def random_tracks(
    n: int,
    *,
    seconds: float,
    seed: int,
    size_range: tuple[float, float] = (0.18, 0.30),
    aspect: float = 16 / 9,
) -> tuple[FaceTrack, ...]:
    """Make ``n`` people who stay wholly in frame, each walking within its own vertical strip.

    Args:
        n: number of people (ids ``person-1`` .. ``person-n``).
        seconds: how long they walk (from t=0).
        seed: seeds positions and sizes.
        size_range: face width as a fraction of frame height; the default gives 32-54 px faces
            at 320x180, which CenterFace finds reliably.
        aspect: frame width / height, to keep faces inside the frame.

    Returns:
        The tracks, with looks cycled through :data:`PORTRAITS`.
    """
    rng = np.random.default_rng(seed)
    tracks = []
    for i in range(n):
        size = float(rng.uniform(*size_range))
        half_w = size / aspect / 2 + 0.01  # face half-width as a fraction of frame width
        lo, hi = i / n + half_w, (i + 1) / n - half_w
        if hi < lo:
            lo = hi = (i + 0.5) / n
        half_h = size * 0.7 + 0.02  # the face box is about 1.35 times as tall as wide
        y = float(rng.uniform(max(half_h, 0.35), max(half_h, 0.6)))
        x0, x1 = (float(v) for v in rng.uniform(lo, hi, 2))
        keys = (Keyframe(0.0, x0, y, size), Keyframe(float(seconds), x1, y, size))
        tracks.append(FaceTrack(f"person-{i + 1}", PORTRAITS[i % len(PORTRAITS)], keys))
    return tuple(tracks)


def write_scene(
    path: Path,
    scene: Scene,
    *,
    start: int,
    stop: int,
    creation_time_utc: datetime | None = None,
    overlay: Sequence[str] | None = None,
    crf: int = 23,
    preset: str = "veryfast",
) -> GroundTruth:
    """Encode frames ``start`` .. ``stop - 1`` of ``scene`` to an H.264 file.

    Args:
        path: output file (``.mp4``); its parent must exist.
        scene: what to draw.
        start: first frame index of the scene.
        stop: one past the last frame index.
        creation_time_utc: written as the container's ``creation_time`` tag.
        overlay: optional text per frame (``len == stop - start``), burned in top left.
        crf: x264 quality.
        preset: x264 preset.

    Returns:
        The faces of the written frames, indexed from 0.

    Raises:
        VideoError: the encoder failed (from :class:`~cctvkit.video.writer.VideoWriter`).
    """
    w, h = scene.size_wh
    metadata = {}
    if creation_time_utc is not None:
        metadata["creation_time"] = creation_time_tag(creation_time_utc)
    frames = []
    # One encoder thread: x264's output then depends only on the input, not on the machine.
    with VideoWriter(
        Path(path), width=w, height=h, fps=scene.fps, preset=preset, crf=crf, metadata=metadata, threads=1
    ) as writer:
        for k, i in enumerate(range(start, stop)):
            image, faces = scene.render(i, overlay[k] if overlay else None)
            writer.write(image)
            frames.append(faces)
    return GroundTruth(scene.size_wh, scene.fps, tuple(frames))


def write_clip(
    path: Path,
    *,
    seconds: float,
    fps: float | Fraction = 10,
    size_wh: tuple[int, int] = (640, 360),
    seed: int = 0,
    faces: int | Sequence[FaceTrack] = 2,
    background: str = "corridor",
    creation_time_utc: datetime | None = None,
) -> GroundTruth:
    """Write a short H.264 clip of people walking through a fixed-camera scene.

    Example: ``write_clip(tmp_path / "c.mp4", seconds=2, size_wh=(320, 180), faces=2)`` makes a
    20-frame clip with two wholly visible faces in well under a second.

    Args:
        path: output file (``.mp4``); its parent must exist.
        seconds: duration; the clip has ``round(seconds * fps)`` frames.
        fps: frame rate.
        size_wh: (width, height), both even.
        seed: seeds the background, noise and (when ``faces`` is a number) the people.
        faces: a number of random people (see :func:`random_tracks`) or explicit tracks.
        background: ``"gate"``, ``"corridor"`` or ``"yard"``.
        creation_time_utc: written as the container's ``creation_time`` tag.

    Returns:
        The faces in every frame.

    Raises:
        VideoError: odd frame size or encoder failure.
    """
    fps = Fraction(fps).limit_denominator(1001)
    count = max(1, round(seconds * fps))
    if isinstance(faces, int):
        w, h = size_wh
        tracks = random_tracks(faces, seconds=float(seconds), seed=seed, aspect=w / h)
    else:
        tracks = tuple(faces)
    scene = Scene(size_wh=size_wh, fps=fps, tracks=tracks, background=background, seed=seed)
    return write_scene(path, scene, start=0, stop=count, creation_time_utc=creation_time_utc)
