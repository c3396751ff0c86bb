"""Look back for a new face: detect it on the frames before its first sighting (issue 17).

On busy footage a face is looked for natively only on every whole-frame sweep (see
:mod:`cctvkit.redact.regions`), so a face walking into view is often first found several
detections late. The carry planner then masks it back along its extrapolated motion, but only
while that motion keeps the guess within ``carry_max_drift`` face sizes of the sighting (issue
13): on the issue 17 arcade clip a 25-38 px face walking a third of its width per frame was
first found on a sweep 13 frames late and carried back 6, and left visible for 7 frames.

The planner holds the frames behind a new face (its delay line), so they need no guess: the
detector runs natively on a small crop around the face on each earlier detected frame, walking
back while it finds the face (at ``min_score``, like any detection continuing a track: the
face is already confirmed), and the sightings are added to the face's plan
(:meth:`~cctvkit.redact.carry.MaskPlanner.extend_back`). The carry's bounds then apply from the
earliest measured sighting. Cost: a 128-512 px crop per earlier detected frame of each new face.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import supervision as sv

from cctvkit.redact.carry import MaskPlanner
from cctvkit.redact.detectors.base import FaceDetector
from cctvkit.redact.tracking import Sighted

__all__ = ["Backtracker", "extend_back_confirmed", "sighted_before"]

_SEARCH = 2.0
"""Face sizes searched on each side of the later sighting: a face moves at most about half its
width a frame (the carry's velocity clamp), so 1.5 sizes between detections three frames apart."""

_MIN_CROP, _MAX_CROP = 128, 512
"""Crop side bounds: enough context for the detector; a large face is found by the overview."""


class Backtracker:
    """Remember the last detected frames and look back on them for each new face.

    Args:
        detector: the native detector (crops are detected unresized).
        frames: how many earlier detected frames to keep and search.
        min_score: weakest detection taken as the face.
        max_distance: centre distance, in face sizes, between a sighting and the one it
            continues (the planner's adoption reach over one detection stride).
    """

    def __init__(self, detector: FaceDetector, *, frames: int, min_score: float, max_distance: float) -> None:
        self.detector = detector
        self.min_score = min_score
        self.max_distance = max_distance
        self._recent: deque[tuple[int, np.ndarray]] = deque(maxlen=max(0, frames))
        self.searched = 0
        """Crops detected, for the benchmarks."""
        self.found = 0
        """Sightings added."""

    def update(self, planner: MaskPlanner, frame: int, image: np.ndarray) -> None:
        """After ``frame``'s detections were pushed: extend each face new there backwards, then
        remember the frame."""
        if self._recent.maxlen:
            for key, xyxy in planner.new_faces(frame):
                self.found += planner.extend_back(key, self._walk(xyxy))
            self._recent.append((frame, image))

    def _walk(self, xyxy: np.ndarray) -> list[tuple[int, np.ndarray, float]]:
        out: list[tuple[int, np.ndarray, float]] = []
        reference = np.asarray(xyxy, np.float64)
        for frame, image in reversed(self._recent):
            found = self._find(image, reference)
            if found is None:
                break
            reference = found[0]
            out.append((frame, found[0], found[1]))
        return out

    def _find(self, image: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, float] | None:
        height, width = image.shape[:2]
        size = float(max(reference[2] - reference[0], reference[3] - reference[1], 1.0))
        side = int(np.clip(size * (1 + 2 * _SEARCH), _MIN_CROP, _MAX_CROP))
        side = -(-side // 32) * 32
        centre = (reference[:2] + reference[2:]) / 2
        x1 = int(np.clip(centre[0] - side / 2, 0, max(0, width - side)))
        y1 = int(np.clip(centre[1] - side / 2, 0, max(0, height - side)))
        crop = image[y1 : y1 + side, x1 : x1 + side]
        self.searched += 1
        dets = self.detector.detect(crop)
        if not len(dets):
            return None
        boxes = dets.xyxy.astype(np.float64) + np.array([x1, y1, x1, y1], np.float64)
        sizes = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        distance = np.hypot(*(((boxes[:, :2] + boxes[:, 2:]) / 2 - centre).T)) / size
        ok = (
            (dets.confidence >= self.min_score)
            & (sizes >= size / 1.7)
            & (sizes <= size * 1.7)
            & (distance <= self.max_distance)
        )
        if not ok.any():
            return None
        best = int(np.argmax(np.where(ok, dets.confidence, -1.0)))
        return boxes[best], float(dets.confidence[best])


def extend_back_confirmed(
    planner: MaskPlanner,
    frame: int,
    confirmed: list[Sighted],
) -> int:
    """Extend each face new at ``frame`` that a small face's weak sightings confirmed, or that
    started confidently where they were counted (``FaceTracker.confirmed``, ``recalled``; see
    :class:`~cctvkit.redact.tracking.WeakSightings`), back over those sightings, where the
    planner still holds their frames: they were measured, none needs looking for again.

    Returns:
        Sightings added.
    """
    new = planner.new_faces(frame)
    if not new:
        return 0
    boxes = np.array([xyxy for _key, xyxy in new], np.float64)
    added = 0
    for xyxy, sightings in confirmed:
        overlap = sv.box_iou_batch(np.asarray(xyxy, np.float64)[None], boxes)[0]
        if overlap.max() >= 0.5:
            added += planner.extend_back(new[int(np.argmax(overlap))][0], sightings)
    return added


def sighted_before(faces: list[Sighted], frame: int) -> list[Sighted]:
    """``faces`` with only their sightings before ``frame``, those left with none dropped.

    For a face new and confident where it was seen weakly (``FaceTracker.recalled``): the
    sightings its own lookback already covers add nothing, and anchored the lookback to them
    (the arcade's walking face seen weakly 6 frames before its track started: its mask stopped
    following it back, YuNet's leaks 1.44 % -> 2.88 %); older ones reach where it does not.
    """
    older = ((box, [s for s in sightings if s[0] < frame]) for box, sightings in faces)
    return [(box, sightings) for box, sightings in older if sightings]
