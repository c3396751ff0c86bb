"""Run any face detector on the whole frame and on overlapping enlarged tiles, for small faces."""

from __future__ import annotations

import cv2
import numpy as np
import supervision as sv

from cctvkit.redact.detectors.base import DetectorInfo, FaceDetector

__all__ = ["TiledDetector"]


class TiledDetector:
    """Slow, thorough detection: full frame plus a grid of tiles each upscaled ``zoom`` times.

    Used as the reference in the evaluation harness and for footage where faces are tiny.

    Args:
        inner: the detector run on the frame and on each tile (at native tile size).
        grid: tiles per side (``2`` gives a 2x2 grid).
        overlap: fraction of a tile shared with its neighbour, so faces on seams are whole in one.
        zoom: upscale factor for each tile before detection.
        nms_iou: IoU above which boxes from different passes are merged.
    """

    def __init__(
        self,
        inner: FaceDetector,
        *,
        grid: int = 2,
        overlap: float = 0.25,
        zoom: float = 2.0,
        nms_iou: float = 0.3,
    ) -> None:
        self.inner = inner
        self.grid = grid
        self.overlap = overlap
        self.zoom = zoom
        self.nms_iou = nms_iou

    @property
    def info(self) -> DetectorInfo:
        """Describe the inner detector (tiling is recorded by the caller's parameters)."""
        return self.inner.info

    def _tiles(self, width: int, height: int) -> list[tuple[int, int, int, int]]:
        tile_w = int(width / (self.grid - (self.grid - 1) * self.overlap))
        tile_h = int(height / (self.grid - (self.grid - 1) * self.overlap))
        xs = np.linspace(0, width - tile_w, self.grid).astype(int)
        ys = np.linspace(0, height - tile_h, self.grid).astype(int)
        return [(int(x), int(y), int(x) + tile_w, int(y) + tile_h) for y in ys for x in xs]

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        """Find faces on the frame and its tiles and merge the boxes.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.

        Returns:
            Merged face boxes in frame pixels with ``confidence``.
        """
        height, width = frame_rgb.shape[:2]
        found = [self.inner.detect(frame_rgb)]
        for x1, y1, x2, y2 in self._tiles(width, height):
            tile = frame_rgb[y1:y2, x1:x2]
            zoomed = cv2.resize(tile, None, fx=self.zoom, fy=self.zoom, interpolation=cv2.INTER_CUBIC)
            dets = self.inner.detect(zoomed)
            if len(dets):
                dets.xyxy = dets.xyxy / self.zoom + np.array([x1, y1, x1, y1], np.float32)
                found.append(dets)
        merged = sv.Detections.merge([d for d in found if len(d)])
        if len(merged) == 0:
            return found[0]
        keep = sv.box_non_max_suppression(
            np.hstack([merged.xyxy, merged.confidence[:, None]]), iou_threshold=self.nms_iou
        )
        return merged[keep]
