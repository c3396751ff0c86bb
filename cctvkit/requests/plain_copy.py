"""An approved unredacted police copy: faces left visible, privacy zones still masked (12.4)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from cctvkit.files import atomic_path
from cctvkit.redact import Masker, MaskStyle, Polygon, rasterize_zones
from cctvkit.video import VideoReader, VideoWriter

__all__ = ["copy_unredacted"]

QUALITY_CRF = 18
"""x264 quality of an unredacted evidential copy: visually lossless."""


def copy_unredacted(
    source: Path,
    output: Path,
    *,
    privacy_zones: Sequence[Polygon] = (),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, float]:
    """Re-encode a working clip with only the camera's privacy zones masked.

    Zones cover places that must never be filmed (12.4.1-2), so even the police copy masks them.

    Returns:
        Frames written and seconds taken.
    """
    started = time.perf_counter()
    written = 0
    with VideoReader(Path(source)) as reader:
        size = (reader.width, reader.height)
        masker = Masker(MaskStyle(), size, rasterize_zones(privacy_zones, size))
        no_faces = np.zeros((0, 4), np.float64)
        with (
            atomic_path(Path(output)) as partial,
            VideoWriter(
                partial,
                width=reader.width,
                height=reader.height,
                fps=reader.fps,
                crf=QUALITY_CRF,
                metadata={"comment": "cctvkit unredacted copy (approved police request; zones masked)"},
            ) as writer,
        ):
            for frame in reader.frames():
                masker.apply(frame.image, no_faces)
                writer.write(frame.image)
                written += 1
                if progress is not None:
                    progress(written, written)
    return written, time.perf_counter() - started
