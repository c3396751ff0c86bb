"""Mask everything outside the requester's region of a frame, coarsely (requester-only releases, issue 26).

Outside the region nobody may be identifiable, whoever they are and whether or not a detector saw
them, while the place stays recognisable: the frame is averaged down to cells of
:func:`outside_cell_px` (about 1/:data:`OUTSIDE_CELLS` of its height: 34 px at 1080p) and shown
as blocks. A standing person far off becomes a few blocks of their clothes' colour, a near face
at most a few cells across (coarser than a face mask's :attr:`MaskStyle.cells
<cctvkit.redact.style.MaskStyle.cells>`); averaging is irreversible, and nothing outside the
region is left sharp, so people who stand or sit still are masked like the rest (no background
model to fool).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["OUTSIDE_CELLS", "OutsideMasker", "outside_cell_px"]

OUTSIDE_CELLS = 32
"""Cells down the frame's height outside the region."""


def outside_cell_px(resolution_wh: tuple[int, int]) -> int:
    """The cell size (pixels) outside the region for frames of ``resolution_wh``: at least 8."""
    return max(8, round(resolution_wh[1] / OUTSIDE_CELLS))


class OutsideMasker:
    """Pixelate frames of one size outside a region.

    Args:
        resolution_wh: frame (width, height).
        cell_px: cell size; None: :func:`outside_cell_px`.
    """

    def __init__(self, resolution_wh: tuple[int, int], cell_px: int | None = None) -> None:
        self.resolution_wh = resolution_wh
        self.cell_px = cell_px or outside_cell_px(resolution_wh)
        width, height = resolution_wh
        self._small_wh = (max(1, round(width / self.cell_px)), max(1, round(height / self.cell_px)))
        self._inside = np.zeros((height, width), bool)

    def inside(self, region_xyxy: np.ndarray | None) -> np.ndarray:
        """The boolean (height, width) mask of the region's boxes (reused by the next call)."""
        inside = self._inside
        inside[:] = False
        width, height = self.resolution_wh
        for box in np.asarray(region_xyxy if region_xyxy is not None else (), np.float64).reshape(-1, 4):
            # Outward-rounded: the region's edge pixels are the requester's.
            x1, y1 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
            x2, y2 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
            if x2 > x1 and y2 > y1:
                inside[y1:y2, x1:x2] = True
        return inside

    def apply(
        self, image: np.ndarray, region_xyxy: np.ndarray | None, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """Pixelate ``image`` (in place) outside ``region_xyxy``.

        Args:
            image: RGB pixels, shape (height, width, 3), uint8; written in place (faces and zones
                masked already: their averages are what the cells average).
            region_xyxy: the region's boxes (n, 4), pixels; None or empty: the whole frame.
            mask: a boolean (height, width) mask to add the masked pixels to (the render's).

        Returns:
            The boolean (height, width) mask of the region (reused by the next call).
        """
        inside = self.inside(region_xyxy)
        width, height = self.resolution_wh
        small = cv2.resize(image, self._small_wh, interpolation=cv2.INTER_AREA)
        coarse = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
        outside = ~inside
        # OpenCV's masked copy writes into the view in place, ~30x faster than np.copyto(where=).
        if cv2.copyTo(coarse, outside.view(np.uint8), image) is not image:
            np.copyto(image, coarse, where=outside[..., None])
        if mask is not None:
            mask |= outside
        return inside
