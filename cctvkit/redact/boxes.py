"""The empty ``sv.Detections`` each stage starts from, with the columns that stage's boxes carry."""

from __future__ import annotations

import numpy as np
import supervision as sv

__all__ = ["empty_detections"]


def empty_detections(*, tracked: bool = False, plan: bool = False) -> sv.Detections:
    """No boxes: ``xyxy`` and ``confidence``; with ``tracked`` also ``tracker_id``; with ``plan`` also
    a mask plan's ``data["source"]`` and ``data["early"]`` (see :mod:`cctvkit.redact.analysis`)."""
    detections = sv.Detections(xyxy=np.empty((0, 4), np.float32), confidence=np.empty(0, np.float32))
    if tracked or plan:
        detections.tracker_id = np.empty(0, int)
    if plan:
        detections.data = {"source": np.empty(0, dtype="<U12"), "early": np.empty(0, bool)}
    return detections
