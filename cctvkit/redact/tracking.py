"""Give face detections stable track ids with ByteTrack (roboflow ``trackers``)."""

from __future__ import annotations

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker

from cctvkit.redact.boxes import empty_detections

__all__ = ["UNTRACKED", "FaceTracker"]

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
    ) -> None:
        self.threshold = threshold
        self.small_face_px = small_face_px
        self._small_gain = max(1.0, threshold / small_threshold) if small_threshold else 1.0
        self.lost_track_frames = max(1, round(lost_track_s * fps))
        self._tracker = ByteTrackTracker(
            # trackers counts the buffer in 30 fps frames and rescales it by frame_rate.
            lost_track_buffer=max(1, round(lost_track_s * 30)),
            frame_rate=float(fps),
            track_activation_threshold=threshold,
            minimum_consecutive_frames=1,
            minimum_iou_threshold=min_iou,
            high_conf_det_threshold=threshold,
        )

    def update(self, detections: sv.Detections) -> sv.Detections:
        """Track one frame's detections.

        Args:
            detections: this frame's boxes with ``confidence``.

        Returns:
            The boxes to treat as faces: those matched to a track (any confidence, with their
            ``tracker_id``) and unmatched ones at or above ``threshold`` (``tracker_id`` -1).
            Sorted by track id, then position, so the order is deterministic.
        """
        if self._small_gain != 1.0 and len(detections):
            small = (detections.xyxy[:, 2] - detections.xyxy[:, 0]) < self.small_face_px
            if small.any():
                detections = detections[:]  # a copy: the caller's confidences stay as detected
                lifted = np.minimum(1.0, detections.confidence * self._small_gain)
                detections.confidence = np.where(small, lifted, detections.confidence).astype(np.float32)
        tracked = self._tracker.update(detections)
        if len(tracked) == 0:
            return _empty()
        keep = (tracked.tracker_id != UNTRACKED) | (tracked.confidence >= self.threshold)
        tracked = tracked[keep]
        order = np.lexsort((tracked.xyxy[:, 1], tracked.xyxy[:, 0], tracked.tracker_id))
        return tracked[order]

    def reset(self) -> None:
        """Forget every track and restart ids from 0 (a new clip)."""
        self._tracker.reset()


def _empty() -> sv.Detections:
    return empty_detections(tracked=True)
