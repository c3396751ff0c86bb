"""The requester's region in a requester-only release: their body, followed through the clip (issue 26).

A requester-only release keeps one person and masks everything else. The person is found from
their kept track's face boxes: each measured face (detected, or interpolated between two
sightings) becomes a body box by the face's size and position (:func:`body_box`, standing-figure
proportions, so a sitting person is covered too). Where the face is not measured (turned away,
walking off, occluded) the head and chest are followed by median flow (OpenCV's pyramidal
Lucas-Kanade on corner points, checked forward and back: :class:`_Flow`) and the body laid out
from them: forward from the last sighting and backward from the next one (through a bounded
window of earlier frames), until the box leaves the frame, the points are lost or
:data:`FOLLOW_S` seconds pass without a sighting. Frames where an operator drew the region (the
review page) take the drawn boxes instead.

Why not the review page's MIL tracker (:mod:`cctvkit.redact.manual`): on the generated yard, a
requester walking past a seated stranger as their face was lost left MIL's box on the stranger
within 8 frames (the body's share inside the region fell to 0), while median flow kept all of it
for 30 frames; it is also deterministic, and cheaper.

The region is computed once per release and stored: the render, the face check, the manifest
and the review page all use the same boxes.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np

from cctvkit.redact.analysis import AnalyzedFrame, StoredAnalysis
from cctvkit.redact.boxes import MEASURED_SOURCES

__all__ = [
    "BODY_ABOVE",
    "BODY_BELOW",
    "BODY_HALF_WIDTH",
    "FOLLOW_S",
    "TORSO_BELOW",
    "TORSO_HALF_WIDTH",
    "TRACK_LONG_SIDE",
    "RegionFrames",
    "body_box",
    "follow_drawn_person",
    "follow_requester",
    "kept_faces",
    "uncut_faces",
]

log = logging.getLogger(__name__)

BODY_HALF_WIDTH = 1.9
"""Half the body box's width, in face widths from the face's centre: shoulders are about 2.6 face
widths across, and arms swing out beyond them."""

BODY_ABOVE = 0.7
"""Head room above the face box (hair, a hat), in face heights."""

BODY_BELOW = 8.5
"""Chin to feet, in face heights (a standing adult is about 7.5 heads tall; a face box is about
three quarters of a head)."""

TORSO_HALF_WIDTH = 1.2
"""Half the width of the box the tracker follows, in face widths (the shoulders)."""

TORSO_BELOW = 3.0
"""Chin to the bottom of the box the tracker follows, in face heights (the chest): a tracker
follows what fills its box, and a whole body's box is mostly the scene behind it (and whoever
sits there), so it follows the head and chest and the body is laid out from that."""

TRACK_LONG_SIDE = 480
"""Frames are shrunk to this longest side for following the body (a body box is large: MIL
keeps it at this size, and costs grow with the pixels)."""

FOLLOW_S = 10.0
"""How long (seconds) the body is followed without a sighting of the face, each way: MIL rarely
says it lost its object, so an unbounded follow could leave an empty patch of the scene visible."""

RegionSource = str
"""Why a frame's region is where it is: ``face`` (from a measured face), ``tracked`` (followed
by the tracker), ``drawn`` (an operator's box)."""


def body_box(face_xyxy: Sequence[float] | np.ndarray, resolution_wh: tuple[int, int]) -> np.ndarray:
    """The body box of a face box: standing-figure proportions, clipped to the frame.

    Args:
        face_xyxy: the face box, pixels.
        resolution_wh: frame (width, height).

    Returns:
        The body box ``xyxy`` (4,), float32 pixels.
    """
    x1, y1, x2, y2 = (float(v) for v in face_xyxy)
    fw, fh = max(1.0, x2 - x1), max(1.0, y2 - y1)
    cx = (x1 + x2) / 2
    width, height = resolution_wh
    box = (
        max(0.0, cx - BODY_HALF_WIDTH * fw),
        max(0.0, y1 - BODY_ABOVE * fh),
        min(float(width), cx + BODY_HALF_WIDTH * fw),
        min(float(height), y2 + BODY_BELOW * fh),
    )
    return np.asarray(box, np.float32)


def _torso(face_xyxy: Sequence[float] | np.ndarray) -> np.ndarray:
    """The head-and-chest box the tracker follows (unclipped)."""
    x1, y1, x2, y2 = (float(v) for v in face_xyxy)
    fw, fh = max(1.0, x2 - x1), max(1.0, y2 - y1)
    cx = (x1 + x2) / 2
    return np.asarray(
        (cx - TORSO_HALF_WIDTH * fw, y1, cx + TORSO_HALF_WIDTH * fw, y2 + TORSO_BELOW * fh), np.float32
    )


def _face_of_torso(torso: np.ndarray) -> np.ndarray:
    """The face box a followed torso box stands for (the inverse of :func:`_torso`)."""
    x1, y1, x2, y2 = (float(v) for v in torso)
    fw = (x2 - x1) / (2 * TORSO_HALF_WIDTH)
    fh = (y2 - y1) / (1 + TORSO_BELOW)
    cx = (x1 + x2) / 2
    return np.asarray((cx - fw / 2, y1, cx + fw / 2, y1 + fh), np.float32)


@dataclass(frozen=True, slots=True)
class RegionFrames:
    """The requester's region, per analysed frame.

    Attributes:
        boxes: per analysed frame index, the region's boxes (n, 4) ``xyxy`` pixels; frames not
            listed have no region (everything masked).
        sources: per frame listed in ``boxes``, why it is there (:data:`RegionSource`).
        held: per frame, strangers' face boxes held inside the region where their tracks were
            lost (:mod:`cctvkit.redact.region_strangers`), masked like faces.
    """

    boxes: Mapping[int, np.ndarray]
    sources: Mapping[int, RegionSource]
    held: Mapping[int, np.ndarray] = field(default_factory=dict)

    def with_drawn(self, drawn: Mapping[int, np.ndarray] | None) -> RegionFrames:
        """This region with an operator's boxes instead of the followed ones on their frames."""
        if not drawn:
            return self
        boxes = dict(self.boxes)
        sources = dict(self.sources)
        for index, rows in drawn.items():
            boxes[int(index)] = np.asarray(rows, np.float32).reshape(-1, 4)
            sources[int(index)] = "drawn"
        return RegionFrames(dict(sorted(boxes.items())), dict(sorted(sources.items())), self.held)

    def with_held(self, held: Mapping[int, np.ndarray]) -> RegionFrames:
        """This region with ``held`` as its strangers' held boxes."""
        return replace(self, held=dict(held))

    def spans(self) -> list[tuple[int, int]]:
        """The runs of consecutive frames with a region, as inclusive (first, last)."""
        out: list[tuple[int, int]] = []
        for index in sorted(self.boxes):
            if out and out[-1][1] == index - 1:
                out[-1] = (out[-1][0], index)
            else:
                out.append((index, index))
        return out

    def contains(self, index: int, xyxy: Sequence[float] | np.ndarray) -> bool:
        """Whether a box's centre lies inside frame ``index``'s region."""
        rows = self.boxes.get(index)
        if rows is None or not len(rows):
            return False
        cx, cy = (xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2
        return bool(((rows[:, 0] <= cx) & (cx <= rows[:, 2]) & (rows[:, 1] <= cy) & (cy <= rows[:, 3])).any())

    def summary(self) -> dict[str, Any]:
        """Plain values for reports and manifests: frame counts by source and the spans."""
        counts = {name: 0 for name in ("face", "tracked", "drawn")}
        for source in self.sources.values():
            counts[source] = counts.get(source, 0) + 1
        return {"frames": len(self.boxes), **counts, "spans": [list(s) for s in self.spans()]}

    def to_dict(self) -> dict[str, Any]:
        """Every frame's boxes and source (the stored region a release is rendered with)."""
        out: dict[str, Any] = {
            str(index): {
                "source": self.sources[index],
                "xyxy": [[round(float(v), 1) for v in row] for row in self.boxes[index]],
            }
            for index in sorted(self.boxes)
        }
        for index, rows in self.held.items():
            if str(index) in out:  # held boxes lie inside the region
                out[str(index)]["held"] = [[round(float(v), 1) for v in row] for row in rows]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegionFrames:
        """The region :meth:`to_dict` wrote."""
        boxes = {int(k): np.asarray(v["xyxy"], np.float32).reshape(-1, 4) for k, v in data.items()}
        held = {
            int(k): np.asarray(v["held"], np.float32).reshape(-1, 4) for k, v in data.items() if v.get("held")
        }
        return cls(dict(sorted(boxes.items())), {int(k): str(v["source"]) for k, v in data.items()}, held)


def kept_faces(stored: StoredAnalysis, keep_tracks: Iterable[int]) -> dict[int, dict[int, np.ndarray]]:
    """Per kept track, its measured face boxes per analysed frame (early boxes left out: they may
    be a stranger's, see :mod:`cctvkit.redact.render`)."""
    keep = {int(t) for t in keep_tracks}
    out: dict[int, dict[int, np.ndarray]] = {t: {} for t in sorted(keep)}
    for plan in stored.frames:
        for xyxy, track, source, early in zip(
            plan.xyxy, plan.tracker_id, plan.source, plan.early, strict=True
        ):
            if track in keep and source in MEASURED_SOURCES and not early:
                out[track][plan.index] = np.asarray(xyxy, np.float32)
    return out


class _Flow:
    """Median flow (Kalal et al. 2010): a box moved by the median motion of corner points inside
    it, tracked with pyramidal Lucas-Kanade and kept only where tracking back lands where they
    started. Points are picked afresh on every frame, so a box never holds stale ones.

    Where the box holds someone else standing still (the requester walks past a seated person),
    the points moving as the person last moved are preferred over the rest: a median of all of
    them would be pulled to a stop.
    """

    def __init__(self, box: np.ndarray, image: np.ndarray, velocity: np.ndarray) -> None:
        self.box = box.astype(np.float32)
        self.image = image
        self.velocity = velocity.astype(np.float32)
        self.coasted = 0  # frames moved by the last motion alone (:meth:`coast`)

    def step(self, image: np.ndarray) -> np.ndarray | None:
        """Move the box onto ``image`` (grey, the tracking scale); None: lost."""
        height, width = image.shape[:2]
        x1, y1, x2, y2 = (round(float(v)) for v in np.clip(self.box, 0, [width, height, width, height]))
        if x2 - x1 < 4 or y2 - y1 < 4:
            return None
        where = np.zeros_like(image)
        where[y1:y2, x1:x2] = 255
        points = cv2.goodFeaturesToTrack(self.image, FLOW_POINTS, 0.01, 3, mask=where)
        if points is None or len(points) < FLOW_MIN_POINTS:
            return None
        size, levels = _LK_WINDOW, _LK_LEVELS
        ahead, found, _ = cv2.calcOpticalFlowPyrLK(
            self.image, image, points, None, winSize=size, maxLevel=levels
        )
        back, found_back, _ = cv2.calcOpticalFlowPyrLK(
            image, self.image, ahead, None, winSize=size, maxLevel=levels
        )
        error = np.linalg.norm((back - points).reshape(-1, 2), axis=1)
        good = (found.ravel() == 1) & (found_back.ravel() == 1) & (error < FLOW_BACK_ERROR_PX)
        if good.sum() < FLOW_MIN_POINTS:
            return None
        motion = (ahead - points).reshape(-1, 2)[good]
        speed = float(np.linalg.norm(self.velocity))
        alike = np.linalg.norm(motion - self.velocity, axis=1) <= max(1.5, 0.5 * speed)
        if speed > 1.0 and alike.sum() >= max(FLOW_MIN_POINTS, 0.2 * len(motion)):
            motion = motion[alike]
        velocity = np.median(motion, axis=0).astype(np.float32)
        self.box = self.box + np.tile(velocity, 2)
        self.image, self.velocity = image, velocity
        self.coasted = 0
        return self.box

    def coast(self, image: np.ndarray) -> np.ndarray:
        """Move the box onto ``image`` by its last motion (the person crossing the frame's edge)."""
        self.box = self.box + np.tile(self.velocity, 2)
        self.image = image
        self.coasted += 1
        return self.box


FLOW_POINTS = 200
"""Corner points tracked per frame inside the followed box."""

FLOW_MIN_POINTS = 5
"""Fewer points tracked than this: the person is lost."""

FLOW_BACK_ERROR_PX = 1.0
"""A point whose backward track lands further than this from where it started is dropped."""

_LK_WINDOW, _LK_LEVELS = (21, 21), 3
"""Lucas-Kanade's window (pixels of the tracking scale) and pyramid levels (motion up to ~8x the window)."""


class _Follower:
    """One kept track's body, followed forward frame by frame and backward through recent frames."""

    def __init__(self, faces: dict[int, np.ndarray], size_wh: tuple[int, int]) -> None:
        self.faces = faces
        self.size_wh = size_wh
        self.scale, self.reach, self.second = 1.0, 1, 1
        self.boxes: dict[int, tuple[np.ndarray, RegionSource]] = {}
        self._flow: _Flow | None = None
        self._last = -1  # the last frame with a region

    def step(self, index: int, small: np.ndarray, recent: Sequence[tuple[int, np.ndarray]]) -> None:
        face = self.faces.get(index)
        if face is not None:
            if self._last != index - 1:
                self._backward(index, small, face, recent)
            self.boxes[index] = (body_box(face, self.size_wh), "face")
            self._flow = _Flow(_torso(face) * self.scale, small, self._velocity(index, 1) * self.scale)
            self._last = index
            return
        if self._flow is None or self._last != index - 1 or index - self._sighting(index) > self.reach:
            self._flow = None
            return
        torso = self._advance(self._flow, small)
        if torso is None:
            self._flow = None
            return
        self.boxes[index] = (body_box(_face_of_torso(torso / self.scale), self.size_wh), "tracked")
        self._last = index

    def _backward(
        self, index: int, small: np.ndarray, face: np.ndarray, recent: Sequence[tuple[int, np.ndarray]]
    ) -> None:
        """Follow the body back from its sighting on ``index`` over the frames before it that have
        no region yet (walking in turned away, or where the forward follow was lost)."""
        flow = _Flow(_torso(face) * self.scale, small, self._velocity(index, -1) * self.scale)
        for i, image in reversed(recent):
            if i in self.boxes or index - i > self.reach:
                break
            torso = self._advance(flow, image)
            if torso is None:
                break
            self.boxes[i] = (body_box(_face_of_torso(torso / self.scale), self.size_wh), "tracked")

    def _sighting(self, index: int) -> int:
        """The last frame before ``index`` with a measured face."""
        return max((i for i in self.faces if i < index), default=-(10**9))

    def _velocity(self, index: int, step: int) -> np.ndarray:
        """The face's motion per frame around ``index`` towards ``step`` (+1: on, -1: back), from
        its sightings within a second (0 where there are none)."""
        face = self.faces[index]
        near = [i for i in self.faces if 0 < (index - i) * step <= self.second]
        if not near:
            return np.zeros(2, np.float32)
        other = max(near, key=lambda i: abs(index - i))
        centre = (face[:2] + face[2:]) / 2
        moved = centre - (self.faces[other][:2] + self.faces[other][2:]) / 2
        return np.asarray(moved / abs(index - other), np.float32)

    def _advance(self, flow: _Flow, image: np.ndarray) -> np.ndarray | None:
        """The followed torso box moved onto ``image`` (tracking scale); None: the person is lost or gone.

        While at least half of the box is in the frame it moves by the flow. A person crossing the
        frame's edge (walking in, walking off) is carried on by their last motion instead, until the
        box has left the frame (at most a second): their body is still in view there, but a sliver of
        it holds too few points to follow, and the points it holds may be the still scene's.
        """
        box = flow.box / self.scale
        if self._on_screen(box):
            torso = flow.step(image)
            if torso is not None:
                return torso
        if not self._leaving(box, flow.velocity / self.scale) or flow.coasted >= self.second:
            return None
        torso = flow.coast(image)
        return torso if self._overlaps(torso / self.scale) else None

    def _on_screen(self, box: np.ndarray) -> bool:
        """At least half of the box inside the frame."""
        width, height = self.size_wh
        inside_w = min(float(box[2]), width) - max(float(box[0]), 0.0)
        inside_h = min(float(box[3]), height) - max(float(box[1]), 0.0)
        return inside_w > 0.5 * float(box[2] - box[0]) and inside_h > 0.5 * float(box[3] - box[1])

    def _overlaps(self, box: np.ndarray) -> bool:
        """Some of the box inside the frame (else the person has left)."""
        width, height = self.size_wh
        return min(float(box[2]), width) - max(float(box[0]), 0.0) >= 1 and (
            min(float(box[3]), height) - max(float(box[1]), 0.0) >= 1
        )

    def _leaving(self, box: np.ndarray, velocity: np.ndarray) -> bool:
        """Whether the box crosses an edge of the frame and moves out across it (this way of following)."""
        width, height = self.size_wh
        vx, vy = (float(v) for v in velocity)
        return bool(
            (box[0] < 0 and vx < -LEAVING_PX)
            or (box[2] > width and vx > LEAVING_PX)
            or (box[1] < 0 and vy < -LEAVING_PX)
            or (box[3] > height and vy > LEAVING_PX)
        )


def follow_drawn_person(
    frames: Sequence[np.ndarray],
    anchor: int,
    xyxy: Sequence[float],
    step: int,
    size_wh: tuple[float, float],
) -> list[tuple[int, tuple[float, float, float, float]]]:
    """A box an operator drew around the requester, followed by median flow one way.

    The upper :data:`DRAWN_UPPER` of the box (head and chest, where the person fills it) is
    followed as the region's torso is, and the whole box moved with it; it ends where the
    points are lost or the box is half out of the frame.

    Args:
        frames: the clip's frames around ``anchor`` (BGR or RGB, one scale).
        anchor: the index in ``frames`` the box was drawn on.
        xyxy: the drawn box, pixels of ``frames``.
        step: +1 (forward) or -1 (backward).
        size_wh: the frames' (width, height).

    Returns:
        (index in ``frames``, box) for each frame followed, in order away from ``anchor``.
    """
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    upper = np.asarray((x1, y1, x2, y1 + DRAWN_UPPER * (y2 - y1)), np.float32)
    grey = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) if f.ndim == 3 else f for f in frames]
    flow = _Flow(upper, grey[anchor], np.zeros(2, np.float32))
    out: list[tuple[int, tuple[float, float, float, float]]] = []
    width, height = size_wh
    index = anchor + step
    while 0 <= index < len(frames):
        moved = flow.step(grey[index])
        if moved is None:
            break
        dx, dy = (float(v) for v in moved[:2] - upper[:2])
        box = (x1 + dx, y1 + dy, x2 + dx, y2 + dy)
        inside_w = min(box[2], width) - max(box[0], 0.0)
        inside_h = min(box[3], height) - max(box[1], 0.0)
        if inside_w <= 0.5 * (x2 - x1) or inside_h <= 0.5 * (y2 - y1):
            break
        out.append((index, box))
        index += step
    return out


DRAWN_UPPER = 0.45
"""The share of a drawn person's box, from its top, that is followed (head and chest)."""


LEAVING_PX = 0.5
"""Motion out across the frame's edge (pixels per frame) that counts as leaving (or, followed
backward, walking in)."""


def uncut_faces(
    faces: Mapping[int, np.ndarray], size_wh: tuple[int, int], window: int
) -> dict[int, np.ndarray]:
    """The face boxes with those cut by the frame's edge grown back to the face's size.

    A detector's box for a face partly out of the frame covers only its visible part (narrower,
    and shorter too), so a body laid out from it would be too narrow and centred wrongly. A box is
    cut when it lies against an edge and is narrower (or, against the top or bottom, wider) than the
    track's faces away from the edges. It takes the size of the nearest uncut sighting within
    ``window`` frames (the same person a moment before or after, at about the same depth), kept
    against the edge on its inner side; without one, it is grown to the track's proportions.

    Args:
        faces: one track's face boxes per frame, pixels.
        size_wh: frame (width, height).
        window: frames to look for an uncut sighting, each way.

    Returns:
        The boxes, cut ones grown (they reach outside the frame).
    """
    width, height = size_wh

    def near(box: np.ndarray) -> tuple[bool, bool, bool, bool]:
        margin = EDGE_SHARE * float(box[3] - box[1])
        return (box[0] <= margin, box[1] <= margin, box[2] >= width - margin, box[3] >= height - margin)

    def aspect(box: np.ndarray) -> float:
        return float(box[2] - box[0]) / max(1.0, float(box[3] - box[1]))

    free = [aspect(b) for b in faces.values() if not any(near(b))]
    usual = float(np.median(free)) if free else FACE_ASPECT

    def cut(box: np.ndarray) -> tuple[bool, bool, bool, bool]:
        left, top, right, bottom = near(box)
        narrow, flat = aspect(box) < CUT_SHARE * usual, aspect(box) * CUT_SHARE > usual
        return (left and narrow, top and flat, right and narrow, bottom and flat)

    whole = {i: b for i, b in faces.items() if not any(cut(b))}
    out: dict[int, np.ndarray] = {}
    for index, box in faces.items():
        left, top, right, bottom = cut(box)
        if index in whole:
            out[index] = box
            continue
        x1, y1, x2, y2 = (float(v) for v in box)
        nearest = min(whole, key=lambda i: abs(i - index), default=None)
        if nearest is not None and abs(nearest - index) <= window:
            w, h = (float(v) for v in whole[nearest][2:] - whole[nearest][:2])
        else:
            w, h = max(x2 - x1, usual * (y2 - y1)), max(y2 - y1, (x2 - x1) / usual)
        w, h = max(w, x2 - x1), max(h, y2 - y1)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        # Kept against the edge on the inner side where cut, centred where not.
        x1, x2 = (x2 - w, x2) if left else (x1, x1 + w) if right else (cx - w / 2, cx + w / 2)
        y1, y2 = (y2 - h, y2) if top else (y1, y1 + h) if bottom else (cy - h / 2, cy + h / 2)
        out[index] = np.asarray((x1, y1, x2, y2), np.float32)
    return out


EDGE_SHARE = 0.1
"""A face box within this share of its height of the frame's edge lies against it."""

CUT_SHARE = 0.9
"""A face box against the edge narrower than this share of the track's usual proportions (or
wider by as much, against the top or bottom) is cut by the edge."""

FACE_ASPECT = 0.8
"""A face box's width over its height, where a track has no uncut sighting to take it from."""


def follow_requester(
    stored: StoredAnalysis,
    keep_tracks: Iterable[int],
    frames: Iterable[AnalyzedFrame],
    *,
    follow_s: float = FOLLOW_S,
) -> RegionFrames:
    """The requester's region over a clip: their kept tracks' bodies, from the faces and followed.

    Args:
        stored: the clip's analysis (the kept tracks' face boxes).
        keep_tracks: the requester's track ids (analysed ids).
        frames: the clip's frames in order (a :func:`~cctvkit.redact.analysis.replay` of ``stored``:
            only their pixels are used).
        follow_s: seconds the body is followed each way without a sighting of the face.

    Returns:
        The region (empty when no kept track has a measured face).
    """
    clip = stored.summary.clip
    size_wh = (clip.width, clip.height)
    faces = kept_faces(stored, keep_tracks)
    reach = max(1, round(follow_s * float(clip.fps)))
    second = max(1, round(float(clip.fps)))
    followers = [_Follower(uncut_faces(f, size_wh, 2 * second), size_wh) for f in faces.values() if f]
    if not followers:
        return RegionFrames({}, {})
    scale = min(1.0, TRACK_LONG_SIDE / max(size_wh))
    for follower in followers:
        follower.scale, follower.reach, follower.second = scale, reach, second
    small_wh = (max(1, round(size_wh[0] * scale)), max(1, round(size_wh[1] * scale)))
    first_face = min(min(f.faces) for f in followers)
    last_face = max(max(f.faces) for f in followers)
    recent: deque[tuple[int, np.ndarray]] = deque(maxlen=reach)
    for analyzed in frames:
        index = analyzed.index
        if index < first_face - reach:
            continue  # too early for any backward follow: not even shrunk
        if index > last_face + reach:
            break
        image = analyzed.frame.image
        small = image if scale == 1.0 else cv2.resize(image, small_wh, interpolation=cv2.INTER_AREA)
        small = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        for follower in followers:
            follower.step(index, small, recent)
        recent.append((index, small))
    rows: dict[int, list[np.ndarray]] = {}
    sources: dict[int, RegionSource] = {}
    for follower in followers:
        for index, (box, source) in follower.boxes.items():
            rows.setdefault(index, []).append(box)
            # A frame where any kept track's face was seen counts as "face".
            sources[index] = "face" if "face" in (sources.get(index), source) else source
    region = RegionFrames(
        {i: np.stack(rows[i]).astype(np.float32) for i in sorted(rows)}, dict(sorted(sources.items()))
    )
    log.info("requester region: %s", {k: v for k, v in region.summary().items() if k != "spans"})
    return region
