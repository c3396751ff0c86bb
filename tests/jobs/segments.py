"""Compare chunk segments byte for byte and, when they differ, say where: which chunk, which MP4
box, and whether the pictures differ too (a CI failure printed only a wall of bytes)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from cctvkit.video import VideoReader

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf"}


def segment_paths(jobs_dir: Path) -> list[Path]:
    return sorted(jobs_dir.glob("**/segment.mp4"))


def _box_at(data: bytes, offset: int, start: int = 0, end: int | None = None, path: str = "") -> str:
    """The path of nested MP4 boxes holding byte ``offset`` (e.g. ``moov/trak/mdia/mdhd+20``)."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            break
        name = f"{path}/{kind.decode('latin-1')}" if path else kind.decode("latin-1")
        if pos <= offset < pos + size:
            if kind in _CONTAINERS:
                return _box_at(data, offset, pos + header, pos + size, name)
            return f"{name}+{offset - pos}"
        pos += size
    return f"{path or 'file'}@{offset}"


def _pictures(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [f.image for f in reader.frames()]


def difference(got: Path, want: Path) -> str:
    """One line on how two segment files differ ('' when they are the same bytes)."""
    a, b = got.read_bytes(), want.read_bytes()
    if a == b:
        return ""
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    pictures = [(p == q).all() for p, q in zip(_pictures(got), _pictures(want), strict=False)]
    return (
        f"{got.parent.parent.name}: {len(a)} vs {len(b)} bytes, first difference at {first} in "
        f"{_box_at(a, first)} (reference: {_box_at(b, first)}); frames equal: {pictures.count(True)} "
        f"of {len(pictures)}"
    )


def assert_same_segments(jobs_dir: Path, reference_dir: Path, count: int | None = None) -> None:
    """The chunk segments under ``jobs_dir`` are the same bytes as those under ``reference_dir``."""
    got, want = segment_paths(jobs_dir), segment_paths(reference_dir)
    assert len(got) == len(want), f"{len(got)} segments, the reference has {len(want)}"
    if count is not None:
        assert len(got) == count
    differences = [d for d in map(difference, got, want) if d]
    assert not differences, "segments differ from the reference: " + "; ".join(differences)
