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
    """

    def __init__(
        self,
        *,
        fps: float,
        threshold: float = 0.5,
        lost_track_s: float = 1.0,
        min_iou: float = 0.1,
    ) -> None:
        self.threshold = threshold
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
