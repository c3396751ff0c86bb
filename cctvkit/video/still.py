"""Decode a still (JPEG/PNG snapshot) to RGB pixels, and encode pixels as a JPEG with no metadata.

A released still is re-encoded from its pixels, never copied: EXIF (camera serial, GPS, the
original time), embedded thumbnails (which would show the unmasked picture) and comments stay
behind. OpenCV's codecs are used (already a dependency): its JPEG encoder writes a bare JFIF
header, and its decoder applies an EXIF orientation, so the released pixels look the way the
original is displayed although the orientation tag itself is dropped.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from cctvkit.errors import VideoError, VideoOpenError
from cctvkit.files import atomic_path

__all__ = ["STILL_JPEG_QUALITY", "decode_still", "encode_jpeg", "is_still_image", "read_still", "write_jpeg"]

STILL_JPEG_QUALITY = 92
"""libjpeg quality of released stills: masks' edges and the remaining detail stay sharp; a
640x360 snapshot is ~40 kB."""


_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
"""JPEG's and PNG's first bytes: content decides, not the name (an MP4 named .jpg is a video)."""


def is_still_image(path: Path) -> bool:
    """Whether ``path`` starts like a JPEG or PNG (False when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return any(head.startswith(magic) for magic in _MAGIC)


def decode_still(data: bytes, *, name: str = "still") -> np.ndarray:
    """Decode an encoded still.

    Returns:
        RGB pixels, shape (height, width, 3), uint8 (greyscale and 16-bit images converted).

    Raises:
        VideoOpenError: the bytes are not a readable image.
    """
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise VideoOpenError(f"{name}: not a readable image (JPEG or PNG)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def read_still(path: Path) -> np.ndarray:
    """Read a still file (see :func:`decode_still`).

    Raises:
        VideoOpenError: missing, unreadable or not an image.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VideoOpenError(f"{path}: cannot read ({exc.strerror})") from exc
    return decode_still(data, name=str(path))


def encode_jpeg(image_rgb: np.ndarray, *, quality: int = STILL_JPEG_QUALITY) -> bytes:
    """Encode RGB pixels (height, width, 3) as a baseline JPEG: JFIF header only, no EXIF, no thumbnail.

    Raises:
        VideoError: the encoder refused the image.
    """
    ok, data = cv2.imencode(
        ".jpg",
        cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, quality],
    )
    if not ok:
        raise VideoError(f"JPEG encoding failed for a {image_rgb.shape[1]}x{image_rgb.shape[0]} image")
    return data.tobytes()


def write_jpeg(path: Path, data: bytes) -> None:
    """Write encoded JPEG bytes to ``path`` (mode 0600) under a temporary name, renamed when complete."""
    with atomic_path(Path(path)) as partial:
        partial.write_bytes(data)
