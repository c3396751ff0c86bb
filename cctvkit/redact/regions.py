"""Run a face detector only where a face can be new or moved, at native resolution (issue #6).

On a fixed camera most of a 1080p frame is still background. Detecting on the whole frame at
native resolution costs ~0.3-0.5 s on two cores; shrinking the frame loses faces under ~60 px.
:class:`RegionDetector` instead runs the detector, at native resolution, on crops of

* the areas that changed since the last call (:class:`~cctvkit.redact.motion.MotionRegions`),
* the surroundings of every face already tracked (so a face that stops moving stays found),
* one tile of a grid that sweeps the whole frame over successive calls (a face that appears
  without motion, e.g. in a lighting change, is found within one sweep),

plus the whole frame shrunk to ``overview_long_side`` every ``overview_every`` calls (large
faces anywhere). The first call covers the whole frame with the tile grid at native resolution.

The changed areas are detected on every ``motion_every``-th call only (issue 25's eighth run): a
face that walks in is found at most one call (3 frames at 25 fps) later, and the masks' reach back
(``lookahead_s``) and the look-back cover those frames; between, the tracked faces are followed on
crops shrunk as on busy calls (a face already found needs no native pixels to be found again).
On the 1080p yard clip this took the first pass from 9.6 to 7.7 s, with the same leaks there and
on the generated crowd; on the generated street one 17 px face was left on one frame more.

A call whose crops would cover most of the frame is *busy*: the camera moves or shakes, or a
crowd fills the picture, so motion says nothing about where faces are. Busy calls sweep the whole
frame natively at most every ``sweep_every`` calls; the calls between detect around the tracked
faces only, each crop shrunk so its smallest face stays about :data:`TRACK_FACE_PX` wide (a face
already found needs no native pixels to be found again). On the issue #6 crowd clip (camera
drifting) this runs the whole redaction 1.6x faster than sweeping every busy call; the faces it
then finds late are masked back to the previous sweep (``redact_video`` passes the planner a
longer reach after busy calls: see ``benchmarks/README.md`` for both figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import supervision as sv

from cctvkit.redact.boxes import aligned_crops, empty_detections, tile_grid
from cctvkit.redact.detectors.base import DetectorInfo, FaceDetector
from cctvkit.redact.motion import MotionRegions
from cctvkit.redact.options import EXPLAINED_FACE_PX
from cctvkit.redact.person_motion import bodies, unexplained
from cctvkit.redact.zoom_sweep import ZoomSweep

__all__ = [
    "TRACK_FACE_PX",
    "CropPlan",
    "RegionDetector",
    "RegionRules",
    "RegionStats",
]

_ALIGN = 64
"""Crops are grown to multiples of this, so the detector sees few distinct input shapes."""

_MIN_CROP = 128
"""Smallest crop side: less gives the detector too little context around a face."""

TRACK_FACE_PX = 48
"""Width a tracked face is shrunk to when its crop is detected on a busy call: CenterFace finds
faces of 40-200 px alike, and a 160 px face's crop then costs 1/11 of its native pixels."""


@dataclass(slots=True)
class CropPlan:
    """What one call detects.

    Attributes:
        crops: integer boxes (n, 4) ``xyxy`` in frame pixels.
        scales: (n,) factor each crop is resized by before detection (1: native).
        full: whether the crops are the whole-frame tile grid.
        busy: whether the crops would have covered most of the frame.
    """

    crops: np.ndarray
    scales: np.ndarray
    full: bool
    busy: bool


@dataclass(slots=True)
class RegionStats:
    """What the detector was run on, for reports and benchmarks.

    Attributes:
        calls: frames detected.
        full_sweeps: calls that covered the whole frame with tiles.
        busy_calls: calls whose crops would have covered most of the frame.
        crops: crops detected at native resolution.
        native_px: pixels detected at native resolution.
        overview_px: pixels detected in shrunk whole-frame passes.
        shrunk_px: pixels detected in shrunk crops around tracked faces (busy calls, and the
            calls between those that detect the changed areas).
        zoomed_px: pixels detected in enlarged crops around small tracked faces (busy calls).
    """

    calls: int = 0
    full_sweeps: int = 0
    busy_calls: int = 0
    crops: int = 0
    native_px: int = 0
    overview_px: int = 0
    shrunk_px: int = 0
    zoomed_px: int = 0


@dataclass(frozen=True, slots=True)
class RegionRules:
    """Where a :class:`RegionDetector` looks, and how often.

    Attributes:
        tile_wh: sweep tile size; about the cost of one 640x360 detection.
        tile_overlap_px: overlap of sweep tiles (faces up to this wide are whole in one tile;
            larger ones are found by the overview pass).
        full_tile_wh: tile size when the whole frame is covered: large, so tiles overlap little.
            CenterFace costs the same per pixel from 640x384 to 1920x1088, so the default
            covers 1080p in one pass (a 2x2 grid of 1024x608 detects 20 % more pixels, for the
            same faces on the issue #6 clips); larger frames are tiled.
        overview_long_side: longest side of the shrunk whole-frame pass (``None``: no pass).
        overview_every: run the overview pass on every n-th call; the sweep tile runs on the
            calls between (each costs about as much as the other).
        full_fraction: when crops would cover more than this share of the frame, the call is
            busy: the whole frame is tiled instead (cheaper than many overlapping crops, and
            complete), or only the tracked faces are detected (see ``sweep_every``).
        sweep_every: a busy call tiles the whole frame when the last such sweep is at least
            this many calls old (the first call always sweeps); the others detect shrunk crops
            around the tracked faces, plus the overview pass when due.
        track_margin: each tracked face's box is grown by this many box sizes (plus 24 px) on
            every side, for the motion between two calls.
        max_zoom: a busy call's crop around tracked faces may be enlarged up to this much (its
            smallest face to :data:`TRACK_FACE_PX`): a small face found once is then looked for
            zoomed, as CenterFace finds faces under ~20 px only weakly (1: never enlarged).
        zoom_tiles: tiles of :class:`~cctvkit.redact.zoom_sweep.ZoomSweep`'s grid detected
            enlarged ``zoom`` times on every call, in rotation, for faces of 8-20 px that
            CenterFace misses natively, moving or still (issue 25; 0: off).
        zoom: enlargement of the zoomed sweep tiles.
        zoom_revisit: a sweep tile where nothing changed is zoomed again after at most this many
            rotations (1: every rotation; see :class:`~cctvkit.redact.zoom_sweep.ZoomSweep`).
        motion_every: detect the changed areas on every n-th call; the calls between follow
            the tracked faces only, shrunk (1: every call, as before issue 25's eighth run).
        explained_face_px: the zoomed sweep skips changes over the body of a tracked person whose
            face is at least this wide (their body holds no face under 24 px of theirs; the
            native crops still cover it; :mod:`~cctvkit.redact.person_motion`); 0: zoom every
            change.
    """

    tile_wh: tuple[int, int] = (640, 384)
    tile_overlap_px: int = 128
    zoom_tiles: int = 0
    zoom: float = 2.0
    zoom_revisit: int = 1
    full_tile_wh: tuple[int, int] = (1920, 1088)
    overview_long_side: int | None = 640
    overview_every: int = 2
    full_fraction: float = 0.75
    sweep_every: int = 5
    track_margin: float = 0.5
    max_zoom: float = 1.0
    motion_every: int = 2
    explained_face_px: float = EXPLAINED_FACE_PX


class RegionDetector:
    """Detect faces on moving areas, around tracked faces and on a sweeping tile, natively.

    Args:
        inner: the detector to run on crops; it must run at native size (no resizing).
        resolution_wh: frame (width, height).
        rules: tiles, overview pass, busy handling and zoom (see :class:`RegionRules`).
        motion: the motion finder (default: :class:`MotionRegions` for this frame size).
    """

    def __init__(
        self,
        inner: FaceDetector,
        resolution_wh: tuple[int, int],
        rules: RegionRules | None = None,
        *,
        motion: MotionRegions | None = None,
    ) -> None:
        rules = rules or RegionRules()
        self.max_zoom = max(1.0, rules.max_zoom)
        self.inner = inner
        self.resolution_wh = resolution_wh
        self.overview_long_side = rules.overview_long_side
        self.overview_every = max(1, rules.overview_every)
        self.full_fraction = rules.full_fraction
        self.sweep_every = max(1, rules.sweep_every)
        self.track_margin = rules.track_margin
        self.motion_every = max(1, rules.motion_every)
        self.explained_face_px = rules.explained_face_px
        self.motion = motion or MotionRegions(resolution_wh)
        self.tiles = tile_grid(resolution_wh, rules.tile_wh, rules.tile_overlap_px)
        self.full_tiles = tile_grid(resolution_wh, rules.full_tile_wh, rules.tile_overlap_px)
        self.zoom_sweep = (
            ZoomSweep(resolution_wh, rules.zoom_tiles, rules.zoom, rules.zoom_revisit)
            if rules.zoom_tiles
            else None
        )
        self.stats = RegionStats()
        self._sweep = 0
        self._since_sweep = 0  # calls since the whole frame was last tiled
        self.busy = False
        """Whether the last call was busy (its new faces may have been there since the last sweep)."""

    @property
    def info(self) -> DetectorInfo:
        """Describe the inner detector."""
        return self.inner.info

    def plan(self, frame_rgb: np.ndarray, tracks_xyxy: np.ndarray) -> CropPlan:
        """Choose this call's crops (and learn the frame's motion), plus this call's zoomed
        sweep tiles (see :attr:`RegionRules.zoom_tiles`).

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.
            tracks_xyxy: boxes (n, 4) of the faces tracked so far.

        Returns:
            The crops, their scales, and whether they tile the whole frame.
        """
        moving = self.motion.update(frame_rgb)
        plan = self._native_plan(moving, tracks_xyxy)
        if self.zoom_sweep is None:
            return plan
        # Changes over a near tracked person's body hold no face under 24 px of theirs: not zoomed
        # (the native crops still cover them, and each tile is zoomed whole every few rotations).
        changed = moving
        if self.explained_face_px:
            near = bodies(tracks_xyxy, self.explained_face_px, self.motion.margin_px)
            changed = unexplained(moving, near, self.resolution_wh)
        zoomed = self.zoom_sweep.next_crops(changed, tracks_xyxy)
        return CropPlan(
            np.concatenate([plan.crops, zoomed]),
            np.concatenate([plan.scales, np.full(len(zoomed), self.zoom_sweep.zoom)]),
            plan.full,
            plan.busy,
        )

    def _native_plan(self, moving: np.ndarray, tracks_xyxy: np.ndarray) -> CropPlan:
        """Choose this call's native crops.

        Args:
            moving: the areas that changed (:class:`MotionRegions`, this call).
            tracks_xyxy: boxes (n, 4) of the faces tracked so far.

        Returns:
            The crops, their scales, and whether they tile the whole frame.
        """
        width, height = self.resolution_wh
        first = self.stats.calls == 0
        tracks = np.asarray(tracks_xyxy, np.float64).reshape(-1, 4)
        size = np.maximum(tracks[:, 2] - tracks[:, 0], tracks[:, 3] - tracks[:, 1])
        grow = size[:, None] * self.track_margin + 24
        around = np.rint(np.concatenate([tracks[:, :2] - grow, tracks[:, 2:] + grow], axis=1))
        around = around.astype(np.int64)
        tile = np.empty((0, 4), np.int64)
        if not self._overview_due():
            tile = self.tiles[self._sweep % len(self.tiles)][None]
            self._sweep += 1
        crops = aligned_crops(
            np.concatenate([moving, around, tile]), (0, 0, width, height), _ALIGN, _MIN_CROP
        )
        area = float(np.prod(crops[:, 2:] - crops[:, :2], axis=1).sum())
        busy = not first and area > self.full_fraction * width * height
        self._since_sweep += 1
        if first or (busy and self._since_sweep >= self.sweep_every):
            self._since_sweep = 0
            return CropPlan(self.full_tiles, np.ones(len(self.full_tiles)), True, busy)
        if busy:
            crops = aligned_crops(around, (0, 0, width, height), _ALIGN, _MIN_CROP)
            return CropPlan(crops, _track_scales(crops, tracks, size, self.max_zoom), False, True)
        if self.stats.calls % self.motion_every:
            crops = aligned_crops(around, (0, 0, width, height), _ALIGN, _MIN_CROP)
            scales = _track_scales(crops, tracks, size)
            return CropPlan(
                np.concatenate([crops, tile]), np.concatenate([scales, np.ones(len(tile))]), False, False
            )
        return CropPlan(crops, np.ones(len(crops)), False, False)

    def _overview_due(self) -> bool:
        return bool(self.overview_long_side) and self.stats.calls % self.overview_every == 0

    def detect(self, frame_rgb: np.ndarray, tracks_xyxy: np.ndarray | None = None) -> sv.Detections:
        """Find faces on this frame's crops and (every few calls) on the shrunk frame.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.
            tracks_xyxy: boxes (n, 4) of the faces tracked so far (``None``: none).

        Returns:
            Face boxes in frame pixels with ``confidence``, merged across crops.
        """
        empty = np.empty((0, 4)) if tracks_xyxy is None else tracks_xyxy
        plan = self.plan(frame_rgb, empty)
        stats = self.stats
        found = []
        if self.overview_long_side and (plan.full or self._overview_due()):
            found.append(self._overview(frame_rgb))
        for (x1, y1, x2, y2), scale in zip(plan.crops, plan.scales, strict=True):
            crop = frame_rgb[y1:y2, x1:x2]
            if scale != 1:  # sides kept multiples of 32: the detector pads to them anyway
                size_wh = (_round32((x2 - x1) * scale), _round32((y2 - y1) * scale))
                interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
                crop = cv2.resize(crop, size_wh, interpolation=interpolation)
            dets = self.inner.detect(crop)
            stats.crops += 1
            if scale > 1:
                stats.zoomed_px += crop.shape[0] * crop.shape[1]
            elif scale < 1:
                stats.shrunk_px += crop.shape[0] * crop.shape[1]
            else:
                stats.native_px += crop.shape[0] * crop.shape[1]
            if len(dets):
                scale_back = np.array([(x2 - x1) / crop.shape[1], (y2 - y1) / crop.shape[0]] * 2, np.float32)
                dets.xyxy = dets.xyxy * scale_back + np.array([x1, y1, x1, y1], np.float32)
                found.append(dets)
        stats.calls += 1
        stats.full_sweeps += plan.full
        stats.busy_calls += plan.busy
        self.busy = plan.busy
        return _merge(found)

    def _overview(self, frame_rgb: np.ndarray) -> sv.Detections:
        height, width = frame_rgb.shape[:2]
        scale = min(1.0, float(self.overview_long_side or max(width, height)) / max(width, height))
        small = cv2.resize(
            frame_rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
        )
        self.stats.overview_px += small.shape[0] * small.shape[1]
        dets = self.inner.detect(small)
        if len(dets):
            dets.xyxy = sv.clip_boxes(dets.xyxy / scale, (width, height)).astype(np.float32)
        return dets


def _track_scales(
    crops: np.ndarray, tracks: np.ndarray, size: np.ndarray, max_zoom: float = 1.0
) -> np.ndarray:
    """Per crop, the factor that brings its smallest tracked face to :data:`TRACK_FACE_PX`
    (enlarging at most ``max_zoom``, never below 1/4: the crop keeps some context)."""
    centres = (tracks[:, :2] + tracks[:, 2:]) / 2
    scales = np.ones(len(crops))
    for i, (x1, y1, x2, y2) in enumerate(crops):
        inside = (centres[:, 0] >= x1) & (centres[:, 0] < x2) & (centres[:, 1] >= y1) & (centres[:, 1] < y2)
        if inside.any():
            scales[i] = float(np.clip(TRACK_FACE_PX / max(1.0, size[inside].min()), 0.25, max_zoom))
    return scales


def _round32(value: float) -> int:
    return max(32, round(value / 32) * 32)


def _merge(found: list[sv.Detections], nms_iou: float = 0.3) -> sv.Detections:
    found = [d for d in found if len(d)]
    if not found:
        return empty_detections()
    merged = sv.Detections.merge(found)
    keep = sv.box_non_max_suppression(
        np.hstack([merged.xyxy, merged.confidence[:, None]]), iou_threshold=nms_iou
    )
    merged = merged[keep]
    return merged[np.argsort(-merged.confidence, kind="stable")]
