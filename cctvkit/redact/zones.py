"""Per-camera privacy zones (policy 12.4): polygons in normalised coordinates, always masked."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from cctvkit.errors import UsageError

__all__ = ["Polygon", "rasterize_zones"]

Polygon = Sequence[Sequence[float]]
"""Vertices ``(x, y)`` with 0 <= x, y <= 1 as fractions of the frame's width and height."""


def rasterize_zones(zones: Sequence[Polygon], resolution_wh: tuple[int, int]) -> np.ndarray | None:
    """Draw the zones into a mask of the frame.

    Args:
        zones: polygons of at least three vertices in normalised [0, 1] coordinates.
        resolution_wh: frame (width, height) in pixels.

    Returns:
        Boolean mask of shape (height, width), True inside any zone; ``None`` without zones.

    Raises:
        UsageError: a polygon has fewer than three vertices or a vertex outside [0, 1].
    """
    if not zones:
        return None
    width, height = resolution_wh
    canvas = np.zeros((height, width), np.uint8)
    for number, zone in enumerate(zones, start=1):
        points = np.asarray(zone, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:
            raise UsageError(f"privacy zone {number}: needs at least three (x, y) vertices")
        if not np.all((points >= 0) & (points <= 1)):
            raise UsageError(f"privacy zone {number}: vertices must lie in [0, 1] (normalised)")
        # Vertex at x=1 is the right edge: scale to width, so the last column is covered.
        pixels = np.round(points * [width, height]).astype(np.int32)
        cv2.fillPoly(canvas, [pixels], 255)
    return canvas.astype(bool)
