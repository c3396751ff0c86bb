"""A rotating zoomed sweep for faces of 8-20 px, which CenterFace misses at native resolution (issue 25).

CenterFace scores a 7-10 px face 0.0-0.4 natively and 0.5-0.8 when the picture is enlarged 2x
(measured on generated faces, ``tests/redact/test_zoomed_first_pass.py``). Enlarging the whole frame
on every detection costs 4x its pixels, so each detection enlarges only the next ``tiles`` tiles
of a fixed grid, in rotation: every part of the frame is looked at zoomed within
``ceil(len(grid) / tiles)`` detections, whatever moves (a seated crowd does not). Faces found so
become tracks like any others, and the tracker and the look-back carry their masks between
(:mod:`cctvkit.redact.regions` adds the same tiles to its crops; :class:`ZoomSweepDetector` adds
them to whole-frame detection, where regions are off).
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import supervision as sv

from cctvkit.redact.boxes import empty_detections, tile_grid
from cctvkit.redact.detectors.base import DetectorInfo, FaceDetector

__all__ = ["ZOOM_TILE_WH", "ZoomSweep", "ZoomSweepDetector"]

ZOOM_TILE_WH = (640, 384)
"""Zoomed tile size in frame pixels: 1280x768 once enlarged 2x, about half a 1080p detection."""

_OVERLAP_PX = 64
"""Overlap of neighbouring tiles (a small face on a tile's edge is whole in the next)."""


class ZoomSweep:
    """The grid of zoomed tiles and whose turn it is.

    Args:
        resolution_wh: frame (width, height).
        tiles: tiles per detection (at least 1).
        zoom: enlargement.
    """

    def __init__(self, resolution_wh: tuple[int, int], tiles: int, zoom: float = 2.0) -> None:
        self.grid = tile_grid(resolution_wh, ZOOM_TILE_WH, _OVERLAP_PX)
        self.tiles = max(1, min(tiles, len(self.grid)))
        self.zoom = max(1.0, zoom)
        self._next = 0

    def next_tiles(self) -> np.ndarray:
        """This detection's tiles (k, 4) ``xyxy``, integers."""
        picked = [(self._next + k) % len(self.grid) for k in range(self.tiles)]
        self._next += self.tiles
        return self.grid[picked]

    def detect(self, inner: FaceDetector, frame_rgb: np.ndarray) -> list[sv.Detections]:
        """``inner`` on this detection's tiles, enlarged, boxes back in frame pixels."""
        found = []
        for x1, y1, x2, y2 in self.next_tiles():
            patch = cv2.resize(
                frame_rgb[y1:y2, x1:x2], None, fx=self.zoom, fy=self.zoom, interpolation=cv2.INTER_CUBIC
            )
            dets = inner.detect(patch)
            if len(dets):
                dets.xyxy = dets.xyxy / self.zoom + np.array([x1, y1, x1, y1], np.float32)
                found.append(dets)
        return found


class ZoomSweepDetector:
    """Whole-frame detection plus the zoomed sweep's tiles (where regions are off).

    Args:
        inner: detector run on the whole frame and on the enlarged tiles.
        resolution_wh: frame (width, height).
        tiles: zoomed tiles per detection.
        zoom: enlargement.
    """

    def __init__(self, inner: FaceDetector, resolution_wh: tuple[int, int], tiles: int, zoom: float = 2.0):
        self.inner = inner
        self.sweep = ZoomSweep(resolution_wh, tiles, zoom)

    @property
    def info(self) -> DetectorInfo:
        return self.inner.info

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        """Faces on the whole frame and on this detection's zoomed tiles, merged by NMS."""
        found = [self.inner.detect(frame_rgb), *self.sweep.detect(self.inner, frame_rgb)]
        return merge_detections(found)


def merge_detections(found: list[sv.Detections], nms_iou: float = 0.3) -> sv.Detections:
    """One set of boxes from several detections of one frame, by NMS, best first."""
    found = [d for d in found if len(d)]
    if not found:
        return empty_detections()
    merged = sv.Detections.merge(found)
    scores = np.asarray(merged.confidence, np.float32)  # detectors always give scores
    keep = sv.box_non_max_suppression(
        np.hstack([np.asarray(merged.xyxy, np.float32), scores[:, None]]), iou_threshold=nms_iou
    )
    order = np.flatnonzero(keep)[np.argsort(-scores[keep], kind="stable")]
    return cast(sv.Detections, merged[order])  # an index array selects Detections
