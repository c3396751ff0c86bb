"""Find where a fixed camera's picture changed, as boxes, so detection can skip still background."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["MotionRegions"]


class MotionRegions:
    """Boxes around pixels that differ from a running background or from the previous call.

    Works on a grey copy shrunk to one value per ``cell_px`` square, so sensor and compression
    noise average out and a 1080p frame costs about 1 ms. Both comparisons matter: the running
    background keeps a person who stops still "moving" until they blend in (tens of seconds at
    the default rate), the previous frame catches fast changes the background has absorbed.

    Args:
        resolution_wh: frame (width, height) in pixels.
        cell_px: side of the square averaged into one cell. Larger is cheaper and coarser.
        threshold: grey-level change (0-255) of a cell's mean that counts as motion. Lowering it
            wakes detection on lighting flicker and camera shake; raising it misses slow,
            low-contrast movement (the sweep and the full-frame pass still find those).
        learning_rate: weight of each new frame in the background (0.02: ~50 calls to adapt).
        margin_px: added around every changed area, so the whole head around a moving body
            part (and a little context for the detector) lies inside the box.
    """

    def __init__(
        self,
        resolution_wh: tuple[int, int],
        *,
        cell_px: int = 8,
        threshold: float = 16.0,
        learning_rate: float = 0.02,
        margin_px: int = 48,
    ) -> None:
        self.resolution_wh = resolution_wh
        self.cell_px = cell_px
        self.threshold = threshold
        self.learning_rate = learning_rate
        self.margin_px = margin_px
        width, height = resolution_wh
        self._small_wh = (max(1, width // cell_px), max(1, height // cell_px))
        self._background: np.ndarray | None = None
        self._previous: np.ndarray | None = None

    def update(self, frame_rgb: np.ndarray) -> np.ndarray:
        """Compare ``frame_rgb`` with the background and the previous call's frame; learn it.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.

        Returns:
            Integer boxes (n, 4) ``xyxy`` in frame pixels, clipped, around changed areas. The
            first call returns one box covering the whole frame (nothing is known yet).
        """
        small = cv2.resize(frame_rgb, self._small_wh, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)
        width, height = self.resolution_wh
        if self._background is None or self._previous is None:
            self._background, self._previous = grey.copy(), grey
            return np.array([[0, 0, width, height]], np.int64)
        changed = (np.abs(grey - self._background) > self.threshold) | (
            np.abs(grey - self._previous) > self.threshold
        )
        cv2.accumulateWeighted(grey, self._background, self.learning_rate)
        self._previous = grey
        if not changed.any():
            return np.empty((0, 4), np.int64)
        # Lone cells are edge flicker (camera shake, compression); a moving person spans several.
        cells = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(cells, connectivity=8)
        if count <= 1:
            return np.empty((0, 4), np.int64)
        x, y, w, h = (stats[1:, i].astype(np.int64) for i in range(4))
        boxes = np.stack([x, y, x + w, y + h], axis=1) * self.cell_px
        boxes[:, :2] -= self.margin_px
        boxes[:, 2:] += self.margin_px
        boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, width)
        boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, height)
        return boxes
