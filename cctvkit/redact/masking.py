"""Make faces and privacy zones unrecognisable in a frame, in place, and say which pixels changed."""

from __future__ import annotations

import cv2
import numpy as np

from cctvkit.redact.style import MaskMethod, MaskShape, MaskStyle

__all__ = ["MaskMethod", "MaskShape", "MaskStyle", "Masker", "head_boxes", "mask_heads"]


def head_boxes(
    xyxy: np.ndarray, scale: float | np.ndarray, resolution_wh: tuple[int, int] | None = None
) -> np.ndarray:
    """Enlarge face boxes about their centres to cover heads.

    Args:
        xyxy: face boxes, shape (n, 4), pixels.
        scale: enlargement factor (1: the face box itself), or one per box.
        resolution_wh: frame (width, height) to clip to; ``None`` leaves boxes unclipped.

    Returns:
        Integer boxes, shape (n, 4), ``x2``/``y2`` exclusive; clipped ones are at least one pixel.
    """
    xyxy = np.asarray(xyxy, np.float64).reshape(-1, 4)
    scales = np.broadcast_to(np.asarray(scale, np.float64), (len(xyxy),))
    centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    # Faces' boxes from detectors stop at the brow; shift the head box up a little for hair.
    centre[:, 1] -= (xyxy[:, 3] - xyxy[:, 1]) * 0.05 * (scales - 1)
    half = (xyxy[:, 2:] - xyxy[:, :2]) / 2 * scales[:, None]
    out = np.empty((len(xyxy), 4), np.int64)
    out[:, :2] = np.floor(centre - half)
    out[:, 2:] = np.ceil(centre + half)
    if resolution_wh is None:
        return out
    width, height = resolution_wh
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    out[:, 2] = np.maximum(out[:, 2], np.minimum(out[:, 0] + 1, width))
    out[:, 3] = np.maximum(out[:, 3], np.minimum(out[:, 1] + 1, height))
    return out


SMALL_HEAD_PX = 48.0
"""Heads (masks) narrower than this, faces under ~30 px, get at most :data:`SMALL_HEAD_CELLS` cells
across. At the default six cells a 10-20 px face's blur keeps its layout (hair, eyes, mouth as
darker spots): on the generated crowd (faces 8-20 px, every face masked from exact boxes) 24 of
119 faces of 10-16 px kept detail correlating > 0.5 with the original (the leak scoring's test);
at four cells 11, at three 1, at two 0 (issue 25, ``benchmarks/README.md``)."""

SMALL_HEAD_CELLS = 3.0
"""Cells across a small head's mask (see :data:`SMALL_HEAD_PX`)."""

TINY_HEAD_PX = 32.0
"""Heads narrower than this, faces under ~20 px, get :data:`TINY_HEAD_CELLS` cells across: with
three, a face of 6-12 px kept its layout wherever the detector's box sat a pixel off it. On the
generated crowd's first pass (faces detected, not exact boxes) faces under 10 px were left
showing detail in 17.0 % of their boxes at three cells, 2.5 % at two; faces >= 10 px 1.73 % ->
1.57 %; the street unchanged (issue 25, ``benchmarks/README.md``)."""

TINY_HEAD_CELLS = 2.0
"""Cells across a tiny head's mask (see :data:`TINY_HEAD_PX`)."""

SMALL_FACE_PX = 24.0
"""Face boxes narrower than this are enlarged :data:`SMALL_FACE_GROWTH` times more than
``MaskStyle.scale`` (2.0x at the default 1.6x): at that size a detector's box is often a quarter to
half a face off (the generated crowd's crowd-26: 5-6 px off an 11 px face), and a face between two
masked neighbours that is never detected itself (crowd-24) was left partly uncovered. The crowd's
first pass, faces >= 10 px: 0.55 % -> 0.24 % (1.5x under 16 px: 0.18 %); the street 0.05 % -> 0 %;
the masked share of the frame 1.64 % -> 2.45 % (crowd), 1.31 % -> 1.85 % (street) (issue 25,
``benchmarks/README.md``)."""

SMALL_FACE_GROWTH = 1.25
"""See :data:`SMALL_FACE_PX`."""


def mask_heads(xyxy: np.ndarray, scale: float) -> np.ndarray:
    """The head boxes a :class:`Masker` with ``MaskStyle.scale`` ``scale`` fills for these face
    boxes: :func:`head_boxes`, faces under :data:`SMALL_FACE_PX` enlarged :data:`SMALL_FACE_GROWTH`
    times more."""
    xyxy = np.asarray(xyxy, np.float64).reshape(-1, 4)
    small = (xyxy[:, 2] - xyxy[:, 0]) < SMALL_FACE_PX
    return head_boxes(xyxy, np.where(small, scale * SMALL_FACE_GROWTH, scale))


class Masker:
    """Apply a :class:`MaskStyle` to frames of one size.

    Args:
        style: how to mask.
        resolution_wh: frame (width, height).
        zone_mask: boolean (height, width) mask of privacy zones, masked in every frame.
    """

    def __init__(
        self,
        style: MaskStyle,
        resolution_wh: tuple[int, int],
        zone_mask: np.ndarray | None = None,
    ) -> None:
        self.style = style
        self.resolution_wh = resolution_wh
        width, height = resolution_wh
        self._mask = np.zeros((height, width), bool)
        self._zone_mask = zone_mask
        self._zone_rect = None
        if zone_mask is not None and zone_mask.any():
            ys, xs = np.nonzero(zone_mask)
            self._zone_rect = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)

    def apply(
        self,
        image: np.ndarray,
        faces_xyxy: np.ndarray,
        visible_xyxy: np.ndarray | None = None,
        pinned_xyxy: np.ndarray | None = None,
        occluders_xyxy: np.ndarray | None = None,
    ) -> np.ndarray:
        """Mask faces and zones in ``image`` (modified in place).

        Args:
            image: RGB pixels, shape (height, width, 3), uint8; written in place.
            faces_xyxy: face boxes, shape (n, 4), pixels (enlarged here by ``style.scale``).
            visible_xyxy: boxes, shape (m, 4), pixels, that faces' masks must not cover (kept
                faces: a neighbour's head-sized mask would hide the requester, issue #13).
                Privacy zones are masked inside them all the same (policy 12.4).
            pinned_xyxy: boxes, shape (k, 4), masked like faces even inside ``visible_xyxy``
                (manual masks).
            occluders_xyxy: face boxes, shape (j, 4), whose own pixels stay masked inside a
                visible box when they are at least as tall (nearer the camera: in front of it);
                default ``faces_xyxy``. Pass only measured boxes: a carried box's size is grown
                with its uncertainty, not its depth.

        Returns:
            Boolean (height, width) array, True where pixels were masked. The array is reused by
            the next call: copy it to keep it.
        """
        kept = self._cut_out(image, visible_xyxy)
        mask = self._mask
        mask[:] = False
        if self._zone_rect is not None:
            x1, y1, x2, y2 = self._zone_rect
            region = self._zone_mask[y1:y2, x1:x2]
            self._fill(image[y1:y2, x1:x2], region, cell_px=self._zone_cell_px())
            mask[y1:y2, x1:x2] |= region
        self._mask_heads(image, faces_xyxy)
        faces = np.asarray(faces_xyxy if occluders_xyxy is None else occluders_xyxy, np.float64).reshape(
            -1, 4
        )
        for (x1, y1, x2, y2), original in kept:
            restore = mask[y1:y2, x1:x2].copy()
            if self._zone_mask is not None:
                restore &= ~self._zone_mask[y1:y2, x1:x2]
            for fx1, fy1, fx2, fy2 in faces[faces[:, 3] - faces[:, 1] >= y2 - y1]:
                # Outward-rounded, relative to the kept box (numpy slices clip the rest).
                top, left = max(0, int(np.floor(fy1)) - y1), max(0, int(np.floor(fx1)) - x1)
                bottom, right = int(np.ceil(fy2)) - y1, int(np.ceil(fx2)) - x1
                if bottom > 0 and right > 0:
                    restore[top:bottom, left:right] = False
            np.copyto(image[y1:y2, x1:x2], original, where=restore[..., None])
            mask[y1:y2, x1:x2] &= ~restore
        if pinned_xyxy is not None and len(pinned_xyxy):
            self._mask_heads(image, pinned_xyxy)
        return mask

    def _mask_heads(self, image: np.ndarray, faces_xyxy: np.ndarray) -> None:
        """Fill each face's head-sized outline and mark it in the mask."""
        mask = self._mask
        width, height = self.resolution_wh
        for head in mask_heads(faces_xyxy, self.style.scale):
            x1, y1 = max(0, int(head[0])), max(0, int(head[1]))
            x2, y2 = min(width, int(head[2])), min(height, int(head[3]))
            if x2 <= x1 or y2 <= y1:
                continue
            shape = self._shape(head, (x1, y1, x2, y2))
            # Cells sized on the whole head, so a face cut by the frame edge is as coarse.
            head_px = float(max(head[2] - head[0], head[3] - head[1]))
            cell_px = max(2.0, head_px / self.style.cells)
            if head_px < SMALL_HEAD_PX:  # a small head: coarser cells, or a blur only softens it
                cells = TINY_HEAD_CELLS if head_px < TINY_HEAD_PX else SMALL_HEAD_CELLS
                cell_px = max(cell_px, head_px / cells)
            self._fill(image[y1:y2, x1:x2], shape, cell_px=cell_px)
            mask[y1:y2, x1:x2] |= shape

    def _cut_out(
        self, image: np.ndarray, boxes_xyxy: np.ndarray | None
    ) -> list[tuple[tuple[int, int, int, int], np.ndarray]]:
        """Copies of the pixels under ``boxes_xyxy`` (clipped, outward-rounded), to put back."""
        if boxes_xyxy is None or len(boxes_xyxy) == 0:
            return []
        width, height = self.resolution_wh
        out = []
        for box in np.asarray(boxes_xyxy, np.float64).reshape(-1, 4):
            x1, y1 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
            x2, y2 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
            if x2 > x1 and y2 > y1:
                out.append(((x1, y1, x2, y2), image[y1:y2, x1:x2].copy()))
        return out

    def _zone_cell_px(self) -> float:
        return max(8.0, min(self.resolution_wh) / 24)

    def _shape(self, head: np.ndarray, clipped: tuple[int, int, int, int]) -> np.ndarray:
        """The mask outline inside ``clipped``, drawn for the whole (possibly off-frame) head."""
        x1, y1, x2, y2 = clipped
        head_w, head_h = float(head[2] - head[0]), float(head[3] - head[1])
        if self.style.shape is MaskShape.BOX or head_w < 3 or head_h < 3:
            return np.ones((y2 - y1, x2 - x1), bool)
        canvas = np.zeros((y2 - y1, x2 - x1), np.uint8)
        centre = (float(head[0] - x1) + (head_w - 1) / 2, float(head[1] - y1) + (head_h - 1) / 2)
        cv2.ellipse(canvas, (centre, (head_w, head_h), 0.0), 255, -1)
        return canvas.astype(bool)

    def _fill(self, roi: np.ndarray, where: np.ndarray, *, cell_px: float) -> None:
        height, width = roi.shape[:2]
        if self.style.method is MaskMethod.FILL:
            roi[where] = self.style.fill_rgb
            return
        small = cv2.resize(
            roi,
            (max(1, round(width / cell_px)), max(1, round(height / cell_px))),
            interpolation=cv2.INTER_AREA,
        )
        if self.style.method is MaskMethod.PIXELATE:
            covered = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
        else:
            # Smooth the cell grid at a reduced size (at most ~64 px across) and enlarge that:
            # the same look as blurring at full size for a fraction of the cost on large faces.
            shrink = max(1.0, max(width, height) / 64)
            mid_w, mid_h = max(1, round(width / shrink)), max(1, round(height / shrink))
            covered = cv2.resize(small, (mid_w, mid_h), interpolation=cv2.INTER_LINEAR)
            sigma = cell_px / 2 / shrink
            # GaussianBlur's own kernel size and border, as a separable filter: ~7x faster on
            # these small images (opencv-python 5.0), within one grey level of it.
            kernel = cv2.getGaussianKernel(round(sigma * 6 + 1) | 1, sigma, cv2.CV_32F)
            covered = cv2.sepFilter2D(covered, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT_101)
            covered = cv2.resize(covered, (width, height), interpolation=cv2.INTER_LINEAR)
        # OpenCV's masked copy writes into the view in place, ~30x faster than np.copyto(where=).
        if cv2.copyTo(covered, where.view(np.uint8), roi) is not roi:
            np.copyto(roi, covered, where=where[..., None])
