"""Give face detections stable track ids with ByteTrack (roboflow ``trackers``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker

from cctvkit.redact.boxes import empty_detections

__all__ = ["UNTRACKED", "FaceTracker", "Sighted"]

UNTRACKED = -1
"""``tracker_id`` of a box ByteTrack has not (yet) confirmed as a track: it is masked all the same."""


class FaceTracker:
    """ByteTrack tuned for masking: every confident face starts a track at once.

    ``minimum_consecutive_frames`` is 1 so that a face detected on every other frame still
    becomes a track (with 2, ByteTrack drops an unconfirmed track on its first miss, and exactly
    the flickering faces that leak would never be tracked). A new track's first box still comes
    back with ``tracker_id == -1``; the carry planner adopts it into the track once confirmed.

    Args:
        fps: frame rate, which scales ByteTrack's lost-track buffer.
        threshold: confidence at which a detection is a face (starts a track, is masked).
            Weaker detections only continue existing tracks (ByteTrack's second stage).
        lost_track_s: seconds a track survives without detections, so a face that reappears
            keeps its id and the gap is filled.
        min_iou: IoU between a track's prediction and a box for them to match. Low values
            follow fast motion in low frame rates, and risk swapping ids between close faces.
        small_face_px: boxes narrower than this are judged against ``small_threshold`` instead.
        small_threshold: the threshold for small faces (``None``: ``threshold``). CenterFace
            scores faces under ~20 px lower than larger ones (issue 17, measured in
            ``benchmarks/README.md``); their confidence is scaled by ``threshold /
            small_threshold`` (capped at 1) before tracking, so one weak sighting of a small face
            starts a track and is masked.
        confirm_small: a small face seen this many times at one place, each time too weak to
            start a track (``min_score`` up to ``small_threshold``), with gaps of at most as
            many detections (calls) as ``lost_track_s`` has frames (3 s when detecting every 3rd
            frame: counted in frames instead, the crowd's first pass leaked 1.81 % instead of
            0.55 %), is a face: its sighting starts a track (0: never). Half-hidden
            faces of 10-15 px in a crowd score 0.25-0.33 on most detections and reach
            ``small_threshold`` on none, so no single threshold separates them from texture; a
            place that scores so again and again does (issue 25, ``benchmarks/README.md``).
    """

    def __init__(
        self,
        *,
        fps: float,
        threshold: float = 0.5,
        lost_track_s: float = 1.0,
        min_iou: float = 0.1,
        small_face_px: float = 24.0,
        small_threshold: float | None = None,
        confirm_small: int = 0,
    ) -> None:
        self.threshold = threshold
        self.small_face_px = small_face_px
        self._small_gain = max(1.0, threshold / small_threshold) if small_threshold else 1.0
        self.lost_track_frames = max(1, round(lost_track_s * fps))
        self._weak = WeakSightings(confirm_small, self.lost_track_frames) if confirm_small else None
        self._tracker = ByteTrackTracker(
            # trackers counts the buffer in 30 fps frames and rescales it by frame_rate.
            lost_track_buffer=max(1, round(lost_track_s * 30)),
            frame_rate=float(fps),
            track_activation_threshold=threshold,
            minimum_consecutive_frames=1,
            minimum_iou_threshold=min_iou,
            high_conf_det_threshold=threshold,
        )

    def update(self, detections: sv.Detections, frame: int = -1) -> sv.Detections:
        """Track one frame's detections.

        Args:
            detections: this frame's boxes with ``confidence``.
            frame: the frame's index, recorded with weak sightings (see :attr:`confirmed`).

        Returns:
            The boxes to treat as faces: those matched to a track (any confidence, with their
            ``tracker_id``) and unmatched ones at or above ``threshold`` (``tracker_id`` -1).
            Sorted by track id, then position, so the order is deterministic.
        """
        detections = self._as_tracked(detections, frame)
        tracked = self._tracker.update(detections)
        if len(tracked) == 0:
            return _empty()
        keep = (tracked.tracker_id != UNTRACKED) | (tracked.confidence >= self.threshold)
        tracked = tracked[keep]
        if self._weak is not None:
            new = tracked.tracker_id == UNTRACKED
            new &= (tracked.xyxy[:, 2] - tracked.xyxy[:, 0]) < self.small_face_px
            if new.any():
                self._weak.recall(tracked.xyxy[new])
        order = np.lexsort((tracked.xyxy[:, 1], tracked.xyxy[:, 0], tracked.tracker_id))
        return tracked[order]

    def _as_tracked(self, detections: sv.Detections, frame: int) -> sv.Detections:
        """The detections with the confidences the tracker judges: small faces' lifted, weak
        small faces confirmed by their sightings at ``threshold`` (a copy: the caller's
        confidences stay as detected)."""
        if self._small_gain == 1.0 and self._weak is None:
            return detections
        small = (detections.xyxy[:, 2] - detections.xyxy[:, 0]) < self.small_face_px
        confidence = np.asarray(detections.confidence if len(detections) else np.empty(0), np.float32)
        if self._small_gain != 1.0:
            confidence = np.where(small, np.minimum(1.0, confidence * self._small_gain), confidence)
        if self._weak is not None:
            confirmed = self._weak.confirm(detections.xyxy, confidence, small, self.threshold, frame)
            confidence = np.where(confirmed, self.threshold, confidence)
        if not len(detections) or np.array_equal(confidence, detections.confidence):
            return detections
        judged = detections[:]
        judged.confidence = confidence.astype(np.float32)
        return judged

    @property
    def confirmed(self) -> list[Sighted]:
        """Small faces the last call confirmed by their weak sightings: (box, earlier sightings
        as (frame, box, score), latest first), for the planner to mask back over them."""
        return [] if self._weak is None else self._weak.confirmed

    @property
    def recalled(self) -> list[Sighted]:
        """Small faces that started a track confidently in the last call where weak sightings
        had been counted (see :meth:`WeakSightings.recall`), as :attr:`confirmed`."""
        return [] if self._weak is None else self._weak.recalled

    def reset(self) -> None:
        """Forget every track and restart ids from 0 (a new clip)."""
        self._tracker.reset()
        if self._weak is not None:
            self._weak = WeakSightings(self._weak.needed, self._weak.max_gap)


Sighted = tuple[np.ndarray, list[tuple[int, np.ndarray, float]]]
"""A face and its earlier sightings as (frame, box, score), latest first."""


@dataclass(slots=True)
class _Place:
    """Where a small face was seen weakly: its sightings (frame, box, score), latest last."""

    sightings: list[tuple[int, np.ndarray, float]]
    age: int = 0
    """Calls since the last sighting."""


class WeakSightings:
    """Small faces seen too weakly to start a track, counted by place; the ``needed``-th sighting
    at one place (each within ``max_gap`` calls of the last) is returned as a face.

    A sighting continues a place when its centre lies within half a face width of the place's
    last box and the widths differ by less than half: a small face walking moves a few pixels
    between detections, a neighbour's face in a crowd is a whole face width away.
    """

    def __init__(self, needed: int, max_gap: int) -> None:
        self.needed, self.max_gap = needed, max_gap
        self._places: list[_Place] = []
        self.confirmed: list[Sighted] = []
        """The last call's confirmed faces: (box, the place's earlier sightings, latest first)."""
        self.recalled: list[Sighted] = []
        """The last call's faces new and confident where weak sightings were counted, as above."""

    def confirm(
        self, xyxy: np.ndarray, confidence: np.ndarray, small: np.ndarray, threshold: float, frame: int
    ) -> np.ndarray:
        """Count this call's weak small detections (``small``, ``confidence`` as the tracker
        judges it below ``threshold``); which detections are now confirmed (a boolean each)."""
        self.confirmed, self.recalled = [], []
        for place in self._places:
            place.age += 1
        confirmed = np.zeros(len(confidence), bool)
        for i in np.nonzero(small & (confidence < threshold))[0]:
            box = np.asarray(xyxy[i], np.float64)
            place = self._seen(frame, box, float(confidence[i]))
            if len(place.sightings) >= self.needed:
                confirmed[i] = True
                self.confirmed.append((box, place.sightings[-2::-1]))
        self._places = [p for p in self._places if p.age <= self.max_gap]
        return confirmed

    def recall(self, xyxy: np.ndarray) -> None:
        """Small faces that started a track confidently in this call: where weak sightings were
        counted at the place in earlier calls, the face was there then too (the crowd's half-hidden
        crowd-21: 0.29 on frame 0, nothing for half a second, then 0.43), so it joins
        :attr:`recalled` with those sightings (the place stays: its later weak sightings count)."""
        for box in np.asarray(xyxy, np.float64):
            place = self._near(box)
            if place is not None:
                self.recalled.append((box, place.sightings[::-1]))

    def _near(self, xyxy: np.ndarray) -> _Place | None:
        """The place whose last sighting, in an earlier call, is nearest ``xyxy`` (None: none is
        near enough)."""
        width = float(xyxy[2] - xyxy[0])
        best, best_shift = None, np.inf
        for place in self._places:
            last = place.sightings[-1][1]
            size = max(float(last[2] - last[0]), width)
            shift = float(np.hypot(*((last[:2] + last[2:] - xyxy[:2] - xyxy[2:]) / 2)))
            near = shift <= 0.5 * size and abs(float(last[2] - last[0]) - width) < 0.5 * size
            if near and place.age > 0 and shift < best_shift:  # one sighting per place and call
                best, best_shift = place, shift
        return best

    def _seen(self, frame: int, xyxy: np.ndarray, score: float) -> _Place:
        """Record one sighting at its place (a new one if none is near)."""
        best = self._near(xyxy)
        if best is None:
            best = _Place([])
            self._places.append(best)
        best.sightings.append((frame, xyxy, score))
        best.age = 0
        return best


def _empty() -> sv.Detections:
    return empty_detections(tracked=True)
