"""The face check's findings followed over the frames around them, so their masks move with the face.

A finding is one sighting on one checked frame. Masked as a fixed box held for ``reach`` frames
either side (before issue 25's part E), it did not follow a walking face: a 12 px face walking
1.5 px a frame leaves that box within about 8 frames, and in a café's seating the fixed boxes
stacked into blobs while faces beside them stayed clear. Here each finding is a track's first
sighting, as the first pass's look-back (:mod:`cctvkit.redact.backtrack`) treats a new face: it is
followed backwards and forwards on the *original* frames while the face is still there, and
masked where it is on each of them.

Following is by template matching (normalised cross-correlation of the grey head patch, searched
within half a face of where it was a frame before), not by running a detector again: the
findings are the faces the first pass's detector missed, often under 16 px where a detector on a
crop finds nothing, and a 30x30 correlation costs microseconds where a detection costs
milliseconds. The face is followed while the match holds (:data:`MIN_MATCH`), for at most
``reach`` frames each way. Where it fails (the face turned, was hidden, left, or a small face's
patch is too noisy to match) the mask holds at the last place matched for the rest of the reach:
never less than the fixed box it replaced, since a face the match lost may still be there.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from cctvkit.redact.boxes import FrameBoxes
from cctvkit.redact.face_check import Finding

__all__ = ["MIN_MATCH", "FindingFollower", "follow_findings"]

MIN_MATCH = 0.5
"""Normalised correlation of the head patch with its best place on the next frame below which the
face is taken as gone (turned, hidden, out of view) and no longer followed."""

_CONTEXT = 0.5
"""The patch matched is the face box grown by this share of its size each side (hair and head
outline: a 10 px face alone has too little texture to match reliably)."""

_SEARCH = 0.5
"""Face sizes searched each side of the last place, per frame (a walking face moves a tenth)."""

_MIN_PATCH = 12
"""Smallest patch side (pixels) matched."""

_SAME = 0.5
"""IoU with a box already followed on the finding's frame at which a finding is the same face."""


@dataclass(slots=True)
class _Forward:
    """A face being followed forwards: its box and grey patch on the last frame matched (``lost``:
    the match failed since, and the box holds there)."""

    xyxy: np.ndarray
    patch: np.ndarray
    left: int
    lost: bool = False


class FindingFollower:
    """Follow findings on the original frames as they stream past, in output order.

    Args:
        findings: the findings to follow (any order).
        reach: frames followed each way, at most.
        resolution_wh: frame (width, height).
    """

    def __init__(self, findings: Iterable[Finding], reach: int, resolution_wh: tuple[int, int]) -> None:
        self.reach = max(0, int(reach))
        self.resolution_wh = resolution_wh
        self._by_frame: dict[int, list[np.ndarray]] = {}
        for finding in findings:
            self._by_frame.setdefault(int(finding.frame), []).append(np.asarray(finding.xyxy, np.float64))
        self._frames = sorted(self._by_frame)
        self._last = max(self._by_frame, default=-1) + self.reach
        self._recent: deque[tuple[int, np.ndarray]] = deque(maxlen=self.reach)
        self._forward: list[_Forward] = []
        self._boxes: list[tuple[int, np.ndarray]] = []
        self._seen: list[tuple[int, np.ndarray]] = []  # found or matched there, not held
        self.followed = 0
        """Frames a finding's face was followed onto (both ways), for the benchmarks."""

    @property
    def last_frame(self) -> int:
        """The last frame a box can be added on (the last finding's plus ``reach``)."""
        return self._last

    def update(self, index: int, image_rgb: np.ndarray) -> None:
        """Take output frame ``index``'s original (frames must come in order, without gaps)."""
        upcoming = bisect.bisect_right(self._frames, index)
        near = upcoming < len(self._frames) and self._frames[upcoming] - index <= self.reach
        if not (self._forward or near or index in self._by_frame):
            self._recent.clear()  # no finding within reach: nothing looks back this far
            return
        grey = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
        self._step_forward(index, grey)
        for xyxy in self._by_frame.get(index, []):
            if self._already(index, xyxy):
                continue
            self._boxes.append((index, xyxy))
            self._seen.append((index, xyxy))
            patch = self._patch(grey, xyxy)
            if patch is None:
                continue
            self._follow_back(xyxy, patch)
            if self.reach:
                self._forward.append(_Forward(xyxy, patch, self.reach))
        if self.reach:
            self._recent.append((index, grey))

    def boxes(self) -> FrameBoxes:
        """Per output frame, the boxes to mask: each finding's and its face's where followed."""
        return FrameBoxes.of(self._boxes)

    def _already(self, index: int, xyxy: np.ndarray) -> bool:
        """A finding on a face already followed onto this frame (found again two frames on); a
        box held where the match was lost does not count (the finding is followed afresh)."""
        here = [b for i, b in self._seen if i == index]
        return bool(here) and float(_iou(np.array(here), xyxy).max()) >= _SAME

    def _step_forward(self, index: int, grey: np.ndarray) -> None:
        still = []
        for face in self._forward:
            moved = None if face.lost else self._match(grey, face.xyxy, face.patch)
            if moved is None:
                face.lost = True  # held where last matched (see the module's note)
            else:
                face.xyxy, face.patch = moved
                self.followed += 1
                self._seen.append((index, face.xyxy))
            face.left -= 1
            self._boxes.append((index, face.xyxy))
            if face.left > 0:
                still.append(face)
        self._forward = still

    def _follow_back(self, xyxy: np.ndarray, patch: np.ndarray) -> None:
        lost = False
        for frame, grey in reversed(self._recent):
            moved = None if lost else self._match(grey, xyxy, patch)
            if moved is None:
                lost = True  # held where last matched
            else:
                xyxy, patch = moved
                self.followed += 1
            self._boxes.append((frame, xyxy))

    def _grown(self, xyxy: np.ndarray) -> tuple[int, int, int, int]:
        """The patch's box: the face grown by :data:`_CONTEXT`, at least :data:`_MIN_PATCH` wide,
        inside the frame."""
        width, height = self.resolution_wh
        size = np.maximum(xyxy[2:] - xyxy[:2], 1.0)
        half = np.maximum(size * (0.5 + _CONTEXT), _MIN_PATCH / 2)
        centre = (xyxy[:2] + xyxy[2:]) / 2
        x1, y1 = np.floor(centre - half).astype(int)
        x2, y2 = np.ceil(centre + half).astype(int)
        return max(0, x1), max(0, y1), min(width, x2), min(height, y2)

    def _patch(self, grey: np.ndarray, xyxy: np.ndarray) -> np.ndarray | None:
        x1, y1, x2, y2 = self._grown(xyxy)
        if x2 - x1 < 4 or y2 - y1 < 4:
            return None
        return grey[y1:y2, x1:x2].copy()

    def _match(
        self, grey: np.ndarray, xyxy: np.ndarray, patch: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Where the patch (around ``xyxy`` on the frame before) lies on ``grey``: the moved box and
        its new patch, or None when nothing there matches well enough."""
        gx1, gy1, gx2, gy2 = self._grown(xyxy)
        if (gy2 - gy1, gx2 - gx1) != patch.shape:
            return None  # the patch was cut by the frame's edge: the face is leaving
        size = float(max(xyxy[2] - xyxy[0], xyxy[3] - xyxy[1], 1.0))
        pad = max(2, round(size * _SEARCH))
        height, width = grey.shape
        sx1, sy1 = max(0, gx1 - pad), max(0, gy1 - pad)
        sx2, sy2 = min(width, gx2 + pad), min(height, gy2 + pad)
        window = grey[sy1:sy2, sx1:sx2]
        if window.shape[0] < patch.shape[0] or window.shape[1] < patch.shape[1] or patch.std() < 1.0:
            return None
        scores = cv2.matchTemplate(window, patch, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best < MIN_MATCH:
            return None
        shift = np.array([sx1 + bx - gx1, sy1 + by - gy1] * 2, np.float64)
        moved = xyxy + shift
        nx1, ny1, nx2, ny2 = self._grown(moved)
        if (ny2 - ny1, nx2 - nx1) != patch.shape:
            return None
        return moved, grey[ny1:ny2, nx1:nx2].copy()


def _iou(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    lo = np.maximum(boxes[:, :2], box[:2])
    hi = np.minimum(boxes[:, 2:], box[2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1) + np.prod(box[2:] - box[:2])
    iou: np.ndarray = inter / np.maximum(area - inter, 1e-9)
    return iou


def follow_findings(
    findings: Sequence[Finding], originals: Iterable[np.ndarray], reach: int, resolution_wh: tuple[int, int]
) -> tuple[FrameBoxes, int]:
    """The boxes that mask ``findings`` and their faces on the frames around them.

    Args:
        findings: this round's findings (output frame numbering).
        originals: the input frames the output is rendered from, in output order; read only as
            far as needed (a generator is closed by its owner).
        reach: frames followed each way, at most.
        resolution_wh: frame (width, height).

    Returns:
        Boxes per output frame, and how many frames faces were followed onto.
    """
    if not findings:
        return FrameBoxes(), 0
    follower = FindingFollower(findings, reach, resolution_wh)
    for index, image in enumerate(originals):
        follower.update(index, image)
        if index >= follower.last_frame:
            break
    return follower.boxes(), follower.followed
