"""Decide which boxes to mask in each frame, carrying tracks across misses, before and after.

The planner is a delay line: it holds ``lookahead_frames`` frames, so when a frame leaves it
the planner already knows where each face is a few frames later. A face the detector misses
for some frames is masked at a box interpolated between the frames where it was seen; a face
is masked ``lookahead_frames`` before its track starts (it was there, too small or turned to be
detected) and ``trail_frames`` after it ends, following its last motion and growing with the
uncertainty. These are the one- and two-frame "flashes" through which faces leak in
detect-every-frame tools (issue #4).

The growth is bounded by evidence (issue #13): a carried box is never more than ``max_scale``
times the face's measured size, and once the motion extrapolated from the sightings would move
it further than ``max_drift`` face sizes from the nearest one, the carry ends instead of growing
on (unbounded, the trails of a crowd's faces merged into a band of masks across it).

How far before and after is decided per sighting (:meth:`MaskPlanner.push`'s ``reach``): a face
first seen by a detection that had not looked at its spot for a while (a whole-frame sweep on
busy footage, issue #6) is masked back over that whole while, without masking every other face
that long.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import supervision as sv

from cctvkit.redact.boxes import empty_detections, mask_plan
from cctvkit.redact.tracking import UNTRACKED

__all__ = ["SOURCES", "CarryRules", "MaskPlanner"]

Payload = TypeVar("Payload")

SOURCES = ("detected", "interpolated", "lookahead", "trail")
"""Why a box is masked: seen in this frame, between two sightings, before the first, after the last."""


@dataclass(slots=True)
class _Observation:
    frame: int
    xyxy: np.ndarray
    confidence: float
    lookback: int  # frames masked before this sighting when it is a track's first
    trail: int  # frames masked after this sighting when it is a track's last
    by_distance: bool = False  # linked to the sighting before it by distance, not overlap


@dataclass(slots=True)
class _Track:
    observations: list[_Observation] = field(default_factory=list)
    vouched_from: float = -np.inf  # boxes before this frame may be someone else's (see _adopt)


@dataclass(frozen=True, slots=True)
class CarryRules:
    """How far and how a :class:`MaskPlanner` carries masks around sightings.

    Attributes:
        lookahead_frames: frames a track's mask starts before its first detection, at most (and,
            with ``confirm_frames``, the delay of the line). Raising it masks faces that emerge
            gradually; it costs memory.
        trail_frames: frames a track's mask continues after its last detection, at most.
        confirm_frames: frames held beyond the lookahead, so a track confirmed a detection or two
            after its first unconfirmed box still reaches back over its whole lookahead (the
            tracker gives a fast small face an id only once it has matched it again).
        max_gap_frames: longest run of missed frames that is filled by interpolation (the
            tracker's lost-track buffer: the same id across a longer gap cannot occur).
        growth_per_frame: relative growth of a carried box per frame away from a sighting.
        adopt_iou: IoU at which a new track's earlier unconfirmed box is taken as its own...
        adopt_distance: ...as is one of a similar size whose centre is within this many face
            sizes...
        adopt_speed: ...plus this many face sizes per frame between them.
        max_scale: a carried box is at most this many times its nearest sighting's width and
            height (``None``: unbounded, as before issue #13). Raising it masks faces whose
            motion was misjudged; it masks more of their neighbours.
        max_drift: a box is carried while the motion extrapolated from its sightings moves it at
            most this many face sizes from the nearest one; further away it is a guess, and the
            carry ends (``None``: never).
        link_unconfirmed: chain a face's unconfirmed boxes from detection to detection (see
            :meth:`_chain`); ``False`` plans each on its own, as before issue #13.
    """

    lookahead_frames: int = 5
    trail_frames: int = 5
    max_gap_frames: int = 30
    growth_per_frame: float = 0.06
    confirm_frames: int = 0
    adopt_iou: float = 0.2
    adopt_distance: float = 0.5
    adopt_speed: float = 0.4
    max_scale: float | None = 2.0
    max_drift: float | None = 2.0
    link_unconfirmed: bool = True


class MaskPlanner(Generic[Payload]):
    """Hold frames until their masks are final.

    Args:
        resolution_wh: frame size, to clip boxes.
        rules: how far and how masks are carried (see :class:`CarryRules`).
    """

    def __init__(self, resolution_wh: tuple[int, int], rules: CarryRules | None = None) -> None:
        rules = rules or CarryRules()
        self.resolution_wh = resolution_wh
        self.lookahead = max(0, rules.lookahead_frames)
        self.delay = self.lookahead + max(0, rules.confirm_frames)
        self.trail = max(0, rules.trail_frames)
        self.max_gap = max(1, rules.max_gap_frames)
        self.growth = rules.growth_per_frame
        self.adopt_iou = rules.adopt_iou
        self.adopt_distance = rules.adopt_distance
        self.adopt_speed = rules.adopt_speed
        self.max_scale = rules.max_scale
        self.max_drift = rules.max_drift
        self.link_unconfirmed = rules.link_unconfirmed
        self._tracks: dict[int, _Track] = {}
        self._anonymous: dict[int, list[int]] = {}  # frame -> ids of unconfirmed chains seen there
        self._next_anonymous = UNTRACKED - 1
        self._pending: deque[tuple[int, Payload]] = deque()
        self._last_frame = -1
        self._released = -1  # last frame handed back: its boxes are final

    def push(
        self,
        frame: int,
        faces: sv.Detections,
        payload: Payload,
        *,
        reach: tuple[int, int] | None = None,
    ) -> list[tuple[Payload, sv.Detections]]:
        """Add one frame's tracked faces; return the frames whose masks are now final.

        Args:
            frame: the frame's index; strictly increasing from call to call.
            faces: output of :meth:`FaceTracker.update` for this frame.
            payload: anything to hand back with the frame (its pixels, timestamps).
            reach: (before, after) frames these sightings are masked before a track's first and
                after its last, capped at ``lookahead_frames`` and ``trail_frames`` (``None``:
                those maxima).

        Returns:
            ``(payload, boxes)`` for each frame now final, in order. ``boxes`` carries
            ``tracker_id`` (-1 for faces never confirmed as a track), ``confidence``,
            ``data["source"]`` (one of :data:`SOURCES`) and ``data["early"]``: whether the box
            comes before a box the track adopted by distance (not overlap), or is one: it may
            be someone else's, so a kept track still masks it.
        """
        if frame <= self._last_frame:
            raise ValueError(f"frame {frame} pushed after frame {self._last_frame}")
        self._last_frame = frame
        lookback, trail = reach if reach is not None else (self.lookahead, self.trail)
        lookback, trail = min(max(0, lookback), self.lookahead), min(max(0, trail), self.trail)
        continued: set[int] = set()
        for xyxy, confidence, track_id in zip(faces.xyxy, faces.confidence, faces.tracker_id, strict=True):
            xyxy = np.asarray(xyxy, np.float64)
            observation = _Observation(frame, xyxy, float(confidence), lookback, trail)
            if track_id == UNTRACKED:
                track_id = self._chain(observation, continued)
                continued.add(track_id)
                self._anonymous.setdefault(frame, []).append(track_id)
            elif track_id not in self._tracks:
                self._tracks[track_id] = _Track()
                self._adopt(track_id, observation)
            self._tracks.setdefault(track_id, _Track()).observations.append(observation)
        self._pending.append((frame, payload))
        return self._release(lambda pending_frame: pending_frame + self.delay <= frame)

    def flush(self) -> list[tuple[Payload, sv.Detections]]:
        """Return every frame still held (the end of the clip)."""
        return self._release(lambda _frame: True)

    def new_faces(self, frame: int) -> list[tuple[int, np.ndarray]]:
        """The faces first seen at ``frame`` (their track or chain has no earlier sighting):
        (planner key, box), for :meth:`extend_back`."""
        return [
            (key, track.observations[0].xyxy)
            for key, track in self._tracks.items()
            if track.observations and track.observations[0].frame == frame
        ]

    def extend_back(self, key: int, sightings: Iterable[tuple[int, np.ndarray, float]]) -> int:
        """Add sightings of a face before its first one (found by looking back, see
        :mod:`cctvkit.redact.backtrack`), so its mask starts where it was measured, not where
        the carry's motion bounds end it.

        Args:
            key: a key from :meth:`new_faces`.
            sightings: (frame, xyxy, confidence), latest first, each earlier than the face's
                first sighting; frames already handed back are skipped (their masks are final).

        Returns:
            How many were added.
        """
        track = self._tracks.get(key)
        if track is None or not track.observations:
            return 0
        first = track.observations[0]
        reference, added = first, []
        for frame, xyxy, confidence in sightings:
            if frame >= reference.frame or frame <= self._released:
                continue
            xyxy = np.asarray(xyxy, np.float64)
            overlaps = sv.box_iou_batch(reference.xyxy[None], xyxy[None])[0, 0] >= self.adopt_iou
            if not overlaps and track.vouched_from == -np.inf:
                track.vouched_from = reference.frame  # linked by distance: may be someone else
            reference = _Observation(frame, xyxy, float(confidence), first.lookback, first.trail)
            added.append(reference)
        track.observations[:0] = reversed(added)
        return len(added)

    def _release(self, ready) -> list[tuple[Payload, sv.Detections]]:
        out = []
        while self._pending and ready(self._pending[0][0]):
            frame, payload = self._pending.popleft()
            out.append((payload, self._boxes_for(frame)))
            self._released = frame
            self._forget_before(frame - max(self.trail, self.max_gap) - 2)
        return out

    def _link(self, reference: _Observation, candidate: _Observation) -> tuple[float, bool] | None:
        """How ``candidate`` (another frame) may be the face seen at ``reference``: (distance in
        face sizes, whether they overlap), or ``None`` when it is too far to be."""
        # Overlapping, or near by centre distance allowed to grow with the frames between: a
        # small face walking a third of its width per frame no longer overlaps itself one
        # stride earlier.
        reach = self.adopt_distance + self.adopt_speed * abs(reference.frame - candidate.frame)
        distance = _centre_distance(reference.xyxy, candidate.xyxy)
        overlaps = sv.box_iou_batch(reference.xyxy[None], candidate.xyxy[None])[0, 0] >= self.adopt_iou
        return (distance, overlaps) if overlaps or distance <= reach else None

    def _latest_chain(
        self, reference: _Observation, frame: int, exclude: set[int]
    ) -> tuple[int, bool] | None:
        """The unconfirmed chain whose latest box, seen at ``frame``, is nearest ``reference``."""
        best, best_distance = None, np.inf
        for anon_id in self._anonymous.get(frame, []):
            last = self._tracks[anon_id].observations[-1]
            if anon_id in exclude or last.frame != frame:
                continue
            link = self._link(reference, last)
            if link is not None and link[0] < best_distance:
                best, best_distance = (anon_id, link[1]), link[0]
        return best

    def _chain(self, observation: _Observation, exclude: set[int]) -> int:
        """The id under which an unconfirmed box is planned: the chain of unconfirmed boxes it
        continues, or a new one.

        ByteTrack links boxes by overlap only, so a face that moves about its own width between
        two detections (close to the camera, crossing) comes back unconfirmed every time. Linked
        into one chain, its boxes are interpolated and carried along its motion; apart, each was
        carried for the whole lookahead and trail without motion, and a crossing face left a
        band of masks (issue #13).
        """
        for frame in range(observation.frame - 1, observation.frame - 2 - self.lookahead, -1):
            if not self.link_unconfirmed:
                break
            found = self._latest_chain(observation, frame, exclude)
            if found is not None:
                anon_id, overlaps = found
                observation.by_distance = not overlaps
                return anon_id
        anon_id = self._next_anonymous
        self._next_anonymous -= 1
        self._tracks[anon_id] = _Track()
        return anon_id

    def _adopt(self, track_id: int, first: _Observation) -> None:
        """Take the unconfirmed boxes that led up to a new track's first id'd box as its own."""
        track = self._tracks[track_id]
        reference = first
        adopted: list[_Observation] = []
        for frame in range(first.frame - 1, first.frame - 2 - self.lookahead, -1):
            if frame >= reference.frame:
                continue  # inside a chain already adopted
            found = self._latest_chain(reference, frame, set())
            if found is None:
                continue
            anon_id, overlaps = found
            chain = self._tracks.pop(anon_id).observations
            for observation in chain:
                if anon_id in self._anonymous.get(observation.frame, ()):
                    self._anonymous[observation.frame].remove(anon_id)
            # Only the wider, distance-based links are doubtful: from the latest such box back,
            # the track's boxes may be a stranger's.
            doubtful = [reference.frame] if not overlaps else []
            doubtful += [o.frame for o in reversed(chain) if o.by_distance]
            if doubtful and track.vouched_from == -np.inf:
                track.vouched_from = doubtful[0]
            adopted += reversed(chain)
            reference = chain[0]
        track.observations[:0] = reversed(adopted)

    def _forget_before(self, frame: int) -> None:
        for track_id in list(self._tracks):
            observations = self._tracks[track_id].observations
            if observations[-1].frame < frame:
                del self._tracks[track_id]
                continue
            old = bisect.bisect_left([obs.frame for obs in observations], frame)
            if old > 4:
                del observations[: old - 4]  # keep a few old sightings for velocity
        for old in [f for f in self._anonymous if f < frame]:
            del self._anonymous[old]

    def _boxes_for(self, frame: int) -> sv.Detections:
        rows: list[tuple[np.ndarray, float, int, str, bool]] = []
        for track_id in sorted(self._tracks, key=lambda t: (t < 0, abs(t))):
            track = self._tracks[track_id]
            box = self._box_of(track.observations, frame)
            if box is not None:
                xyxy, confidence, source = box
                rows.append((xyxy, confidence, max(track_id, UNTRACKED), source, frame < track.vouched_from))
        return _detections(rows, self.resolution_wh)

    def _box_of(self, observations: list[_Observation], frame: int) -> tuple[np.ndarray, float, str] | None:
        frames = [obs.frame for obs in observations]
        after = bisect.bisect_left(frames, frame)
        prev = observations[after - 1] if after > 0 else None
        nxt = observations[after] if after < len(observations) else None
        if nxt is not None and nxt.frame == frame:
            return nxt.xyxy, nxt.confidence, "detected"
        if prev is not None and nxt is not None and nxt.frame - prev.frame <= self.max_gap + 1:
            weight = (frame - prev.frame) / (nxt.frame - prev.frame)
            xyxy = (1 - weight) * prev.xyxy + weight * nxt.xyxy
            near = prev if frame - prev.frame <= nxt.frame - frame else nxt
            grown = _grow(xyxy, self.growth * abs(frame - near.frame))
            return self._bounded(grown, near.xyxy), min(prev.confidence, nxt.confidence), "interpolated"
        if nxt is not None and nxt.frame - frame <= nxt.lookback:
            steps = nxt.frame - frame
            velocity = _velocity(observations[after : after + 4], forward=False)
            if self._drifted(nxt.xyxy, velocity, steps):
                return None
            carried = _carried(nxt.xyxy, -velocity, steps, self.growth)
            return self._bounded(carried, nxt.xyxy), nxt.confidence, "lookahead"
        if prev is not None and frame - prev.frame <= prev.trail:
            steps = frame - prev.frame
            velocity = _velocity(observations[max(0, after - 4) : after], forward=True)
            if self._drifted(prev.xyxy, velocity, steps):
                return None
            carried = _carried(prev.xyxy, velocity, steps, self.growth)
            return self._bounded(carried, prev.xyxy), prev.confidence, "trail"
        return None

    def _drifted(self, seen_xyxy: np.ndarray, velocity: np.ndarray, steps: int) -> bool:
        """Whether ``steps`` frames of ``velocity`` carry a box further than ``max_drift`` sizes."""
        if self.max_drift is None:
            return False
        size = np.maximum(seen_xyxy[2:] - seen_xyxy[:2], 1.0)
        return bool(np.any(np.abs(velocity[:2]) * steps > self.max_drift * size))

    def _bounded(self, xyxy: np.ndarray, seen_xyxy: np.ndarray) -> np.ndarray:
        """``xyxy`` shrunk about its centre to at most ``max_scale`` times the sighting's size."""
        if self.max_scale is None:
            return xyxy
        limit = (seen_xyxy[2:] - seen_xyxy[:2]) * self.max_scale
        half = np.minimum(xyxy[2:] - xyxy[:2], limit) / 2
        centre = (xyxy[:2] + xyxy[2:]) / 2
        return np.concatenate([centre - half, centre + half])


def _velocity(observations: list[_Observation], *, forward: bool) -> np.ndarray:
    """Per-frame motion of the box centre (as an xyxy shift) from the sightings nearest the gap,
    clamped to half a box a frame. Only the centre moves: a small face's box size jitters from
    one detection to the next, and extrapolating that jitter shrinks the carried box."""
    if len(observations) < 2:
        return np.zeros(4)
    near, far = (observations[-1], observations[0]) if forward else (observations[0], observations[-1])
    steps = near.frame - far.frame
    centre = ((near.xyxy[:2] + near.xyxy[2:]) - (far.xyxy[:2] + far.xyxy[2:])) / 2 / steps
    size = np.maximum(near.xyxy[2:] - near.xyxy[:2], 1.0)
    centre = np.clip(centre, -size * 0.5, size * 0.5)
    return np.concatenate([centre, centre])


def _carried(xyxy: np.ndarray, velocity: np.ndarray, steps: int, growth: float) -> np.ndarray:
    """Where a face seen at ``xyxy`` may be ``steps`` frames away at about ``velocity``.

    The speed estimate comes from two or three detections a stride apart, so it is off by tens
    of percent; a small face 9 frames away is then a whole face width from the extrapolated
    box. The box covers every position between half and one and a half times the estimated
    motion, grown with the distance.
    """
    slow, fast = xyxy + velocity * (0.5 * steps), xyxy + velocity * (1.5 * steps)
    union = np.concatenate([np.minimum(slow[:2], fast[:2]), np.maximum(slow[2:], fast[2:])])
    return _grow(union, growth * steps)


def _grow(xyxy: np.ndarray, amount: float) -> np.ndarray:
    if amount <= 0:
        return xyxy
    centre = (xyxy[:2] + xyxy[2:]) / 2
    half = (xyxy[2:] - xyxy[:2]) / 2 * (1 + amount)
    return np.concatenate([centre - half, centre + half])


def _centre_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between the boxes' centres in units of ``a``'s size; infinite when their sizes
    differ by more than 1.7x (another face at another depth)."""
    size_a = max(float(a[2] - a[0]), float(a[3] - a[1]), 1.0)
    size_b = max(float(b[2] - b[0]), float(b[3] - b[1]), 1.0)
    if not 1 / 1.7 <= size_b / size_a <= 1.7:
        return np.inf
    offset = (a[:2] + a[2:]) / 2 - (b[:2] + b[2:]) / 2
    return float(np.hypot(*offset)) / size_a


def _detections(
    rows: Iterable[tuple[np.ndarray, float, int, str, bool]], resolution_wh: tuple[int, int]
) -> sv.Detections:
    rows = list(rows)
    if not rows:
        return empty_detections(plan=True)
    xyxy = sv.clip_boxes(np.stack([row[0] for row in rows]), resolution_wh).astype(np.float32)
    visible = (xyxy[:, 2] > xyxy[:, 0]) & (xyxy[:, 3] > xyxy[:, 1])
    detections = mask_plan(
        xyxy,
        source=[row[3] for row in rows],
        confidence=[row[1] for row in rows],
        tracker_id=[row[2] for row in rows],
        early=[row[4] for row in rows],
    )
    return detections[visible]
