"""How readable text is masked: its own style, coarser than a face's and box-shaped (issue 29).

A line of text is long and low: a face's mask (an ellipse, cells counted across the head) would
leave cells smaller than the letters along a plate. Here cells are square and as tall as the
line's box, so no cell holds less than a letter's height: pixelated blocks, at most two rows.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["TEXT_MASK_SCALE", "mask_lines"]

TEXT_MASK_SCALE = 1.15
"""A line's box is grown this many times about its centre (the detector's box ends at the
letters' outline; the margin takes in blur and motion between detections)."""


def mask_lines(image: np.ndarray, xyxy: np.ndarray, mask: np.ndarray) -> None:
    """Pixelate each line's box in ``image`` (in place) and mark it in ``mask``.

    Args:
        image: RGB pixels, shape (height, width, 3), uint8; written in place.
        xyxy: line boxes, shape (n, 4), pixels.
        mask: boolean (height, width), set True where pixels were masked.
    """
    height, width = image.shape[:2]
    boxes = np.asarray(xyxy, np.float64).reshape(-1, 4)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    half = (boxes[:, 2:] - boxes[:, :2]) / 2 * TEXT_MASK_SCALE
    # Lines mostly move sideways (cars crossing): half a line height more at each end.
    half[:, 0] += half[:, 1] / 2
    for (cx, cy), (hw, hh) in zip(centre, half, strict=True):
        x1, y1 = max(0, int(np.floor(cx - hw))), max(0, int(np.floor(cy - hh)))
        x2, y2 = min(width, int(np.ceil(cx + hw))), min(height, int(np.ceil(cy + hh)))
        if x2 <= x1 or y2 <= y1:
            continue
        roi = image[y1:y2, x1:x2]
        cell = max(2.0, 2 * hh / 2)  # two rows of cells across the (grown) line
        small = cv2.resize(
            roi,
            (max(1, round((x2 - x1) / cell)), max(1, round((y2 - y1) / cell))),
            interpolation=cv2.INTER_AREA,
        )
        roi[:] = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_NEAREST)
        mask[y1:y2, x1:x2] = True
