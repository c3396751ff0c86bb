"""A rotating zoomed sweep for faces of 8-20 px, which CenterFace misses at native resolution (issue 25).

CenterFace scores a 7-10 px face 0.0-0.4 natively and 0.5-0.8 when the picture is enlarged 2x
(measured on generated faces, ``tests/redact/test_zoomed_first_pass.py``). Enlarging the whole frame
on every detection costs 4x its pixels, so each detection enlarges only the next ``tiles`` tiles
of a fixed grid, in rotation: every part of the frame is looked at zoomed within
``ceil(len(grid) / tiles)`` detections, whatever moves (a seated crowd does not). Faces found so
become tracks like any others, and the tracker and the look-back carry their masks between
(:mod:`cctvkit.redact.regions` adds the same tiles to its crops; :class:`ZoomSweepDetector` adds
them to whole-frame detection, where regions are off).

Where the camera is fixed, the rotation skips tiles that did not change since they were last
zoomed (the detector would see the same pixels and find the same faces) and that hold no tracked
small face (a small face is found again only zoomed, so its tile stays in the rotation); every
tile is still zoomed at least once in ``revisit`` rotations, so a face that appears without
changing a cell's mean enough to count as motion is found within a bounded time. On the 1080p
yard clip this zooms about a third of the tiles it did (``benchmarks/README.md``); on a crowd,
where everything changes, it zooms the same ones.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
import supervision as sv

from cctvkit.redact.boxes import aligned_crops, empty_detections, tile_grid
from cctvkit.redact.detectors.base import DetectorInfo, FaceDetector

__all__ = ["SMALL_FACE_PX", "ZOOM_TILE_WH", "ZoomSweep", "ZoomSweepDetector"]

ZOOM_TILE_WH = (640, 384)
"""Zoomed tile size in frame pixels: 1280x768 once enlarged 2x, about half a 1080p detection."""

SMALL_FACE_PX = 24.0
"""Tracked faces narrower than this are found again only zoomed (CenterFace scores them under its
threshold natively), so their tiles are zoomed on every rotation, changed or not."""

_OVERLAP_PX = 64
"""Overlap of neighbouring tiles (a small face on a tile's edge is whole in the next)."""

_SMALL_MARGIN_PX = 32
"""Added around a small tracked face (plus its width) for its motion between two calls."""

_CROP_ALIGN = 32
"""Zoomed areas are grown to multiples of this (the detector sees few distinct shapes)."""

_MIN_CROP = 96
"""Smallest zoomed area's side (frame pixels): some context around a small face."""


class ZoomSweep:
    """The grid of zoomed tiles and whose turn it is.

    Args:
        resolution_wh: frame (width, height).
        tiles: tiles per detection (at most; at least 1).
        zoom: enlargement.
        revisit: an unchanged tile is zoomed again after this many rotations (1: every tile on
            every rotation, changed or not).
        overlap_px: overlap of neighbouring tiles.
    """

    def __init__(
        self,
        resolution_wh: tuple[int, int],
        tiles: int,
        zoom: float = 2.0,
        revisit: int = 1,
        *,
        overlap_px: int = _OVERLAP_PX,
    ) -> None:
        self.grid = tile_grid(resolution_wh, ZOOM_TILE_WH, overlap_px)
        self.tiles = max(1, min(tiles, len(self.grid)))
        self.zoom = max(1.0, zoom)
        self.revisit = max(1, revisit)
        self._next = 0
        self._calls = 0
        self._rotation = -(-len(self.grid) // self.tiles)  # calls to zoom every tile once
        self._dirty = np.ones(len(self.grid), bool)  # changed (or never zoomed) since last zoomed
        self._zoomed_at = np.full(len(self.grid), -self._rotation, np.int64)  # call that last zoomed each
        self._whole_at = np.full(len(self.grid), -self.revisit * self._rotation, np.int64)  # ... whole
        self.zoomed = 0
        """Tiles zoomed so far (the benchmarks compare it with the calls)."""

    def next_tiles(self, changed: np.ndarray | None = None, tracks: np.ndarray | None = None) -> np.ndarray:
        """This detection's tiles (k, 4) ``xyxy``, integers: the next ones in rotation that changed.

        Args:
            changed: areas (n, 4) that changed since the last call (``None``: everything did,
                e.g. no motion is known; every tile is then taken in turn).
            tracks: boxes (m, 4) of the tracked faces: the tiles of those under
                :data:`SMALL_FACE_PX` stay due (only the zoom finds them again).
        """
        return self.grid[self._pick(changed, tracks)]

    def next_crops(self, changed: np.ndarray | None = None, tracks: np.ndarray | None = None) -> np.ndarray:
        """This detection's zoomed areas (k, 4) ``xyxy``, integers: in the tiles whose turn it is
        (:meth:`next_tiles`), only what differs now and the small tracked faces; a tile not zoomed
        whole for ``revisit`` rotations (or any, when ``changed`` is ``None``) whole.

        The pixels of a tile that match the background were zoomed when the tile was last
        zoomed, or are the next whole visit's: zooming them again finds nothing new. On the
        1080p yard clip the changed parts are about a third of the tiles' pixels.

        Args:
            changed, tracks: as for :meth:`next_tiles`.
        """
        stale = self._calls + 1 - self._whole_at >= self.revisit * self._rotation
        areas = _small_surroundings(tracks)
        if changed is not None:
            areas = np.concatenate([np.asarray(changed, np.float64).reshape(-1, 4), areas])
        nothing = None if changed is None else ~stale & ~_touching(self.grid, areas)
        crops = []
        for tile in self._pick(changed, tracks, skip=nothing):
            if changed is None or stale[tile]:
                self._whole_at[tile] = self._calls
                crops.append(self.grid[tile][None])
            else:
                crops.append(_within(self.grid[tile], areas))
        return np.concatenate(crops) if crops else np.empty((0, 4), np.int64)

    def _pick(
        self, changed: np.ndarray | None, tracks: np.ndarray | None, skip: np.ndarray | None = None
    ) -> list[int]:
        """Advance one call; the indices of the tiles whose turn it is. ``skip``: tiles that
        are due but have nothing to zoom (counted as zoomed, not picked)."""
        self._calls += 1
        if changed is None:
            self._dirty[:] = True
        else:
            self._dirty |= _touching(self.grid, changed)
            if tracks is not None:
                tracks = np.asarray(tracks, np.float64).reshape(-1, 4)
                small = np.maximum(tracks[:, 2] - tracks[:, 0], tracks[:, 3] - tracks[:, 1]) < SMALL_FACE_PX
                self._dirty |= _touching(self.grid, tracks[small])
        # A changed tile is zoomed again once a rotation has passed (as often as without the
        # skipping); an unchanged one after ``revisit`` rotations (bounded staleness).
        waited = self._calls - self._zoomed_at
        due = (self._dirty & (waited >= self._rotation)) | (waited >= self.revisit * self._rotation)
        picked: list[int] = []
        for step in range(len(self.grid)):
            tile = (self._next + step) % len(self.grid)
            if not due[tile]:
                continue
            if skip is not None and skip[tile]:  # changed earlier, back to the background now
                self._dirty[tile] = False
                self._zoomed_at[tile] = self._calls
                continue
            picked.append(tile)
            if len(picked) == self.tiles:
                break
        if picked:
            self._next = picked[-1] + 1
        self._dirty[picked] = False
        self._zoomed_at[picked] = self._calls
        self.zoomed += len(picked)
        return picked

    def detect(self, inner: FaceDetector, frame_rgb: np.ndarray) -> list[sv.Detections]:
        """``inner`` on this detection's tiles, enlarged, boxes back in frame pixels."""
        found = []
        for x1, y1, x2, y2 in self.next_crops():
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


def _small_surroundings(tracks: np.ndarray | None) -> np.ndarray:
    """The tracked faces under :data:`SMALL_FACE_PX`, grown by their motion between two calls (a
    still small face matches the background, and only the zoom finds it again)."""
    if tracks is None:
        return np.empty((0, 4))
    tracks = np.asarray(tracks, np.float64).reshape(-1, 4)
    size = np.maximum(tracks[:, 2] - tracks[:, 0], tracks[:, 3] - tracks[:, 1])
    small = tracks[size < SMALL_FACE_PX]
    grow = _SMALL_MARGIN_PX + size[size < SMALL_FACE_PX, None]
    return np.concatenate([small[:, :2] - grow, small[:, 2:] + grow], axis=1)


def _within(tile: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """``areas`` clipped to ``tile``, as aligned, merged crops inside it; (k, 4) integers."""
    lo = np.asarray(tile[:2], np.float64)
    hi = np.asarray(tile[2:], np.float64)
    areas = np.asarray(areas, np.float64).reshape(-1, 4)
    clipped = np.concatenate([np.maximum(areas[:, :2], lo), np.minimum(areas[:, 2:], hi)], axis=1)
    inside = (clipped[:, 2:] > clipped[:, :2]).all(axis=1)
    return aligned_crops(clipped[inside], [int(v) for v in tile], _CROP_ALIGN, _MIN_CROP)


def _touching(grid: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Per grid tile, whether any of ``boxes`` (n, 4) overlaps it."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if not len(boxes):
        return np.zeros(len(grid), bool)
    overlap = (
        (grid[:, None, 0] < boxes[None, :, 2])
        & (boxes[None, :, 0] < grid[:, None, 2])
        & (grid[:, None, 1] < boxes[None, :, 3])
        & (boxes[None, :, 1] < grid[:, None, 3])
    )
    return np.asarray(overlap.any(axis=1), bool)


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
