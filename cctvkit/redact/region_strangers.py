"""Strangers lost inside the requester's region stay masked there (requester-only releases, issue 26).

Inside the requester's region a stranger is masked only where the normal detection places a box.
A stranger standing beside the requester is the one the detector loses most: the requester's
head or shoulder slides in front of their face, and a half-hidden face is not found (the sample
footage's receptionist: found at 0.7 of her face in view, lost below 0.6, left visible behind the
requester's hair for 0.8 s after her trail ended; a walker who reappears from behind the
requester on a clip's last frame, where no lookahead can reach). Outside the region that would not matter
(everything is pixelated); inside it, it is a visible face.

So a stranger whose track's last sighting lies inside the region is held there: their last
measured box is masked on every later frame, carried along the motion of their last second of
sightings (a still one stays put, one walking behind the requester walks on behind them), for
as long as it stays inside the region; and likewise before their first sighting, back along it.
The hold is a face mask like any other, so the requester's own measured face still wins where
the two overlap (issue 13's rule), and it ends as soon as the region moves off the spot (a
requester walking on) or ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import supervision as sv

from cctvkit.redact.analysis import StoredAnalysis
from cctvkit.redact.boxes import MEASURED_SOURCES, mask_plan
from cctvkit.redact.requester_region import RegionFrames, kept_faces

__all__ = ["HELD_GROWTH", "HELD_MAX_SCALE", "HELD_SOURCE", "held_strangers", "with_held"]

HELD_SOURCE = "trail"
"""The plan source of a held box: a face masked after (or before) its track's sightings."""


def held_strangers(
    stored: StoredAnalysis, keep_tracks: Iterable[int], region: RegionFrames
) -> dict[int, np.ndarray]:
    """Per analysed frame, the boxes of strangers held inside the region.

    Args:
        stored: the clip's analysis.
        keep_tracks: the requester's track ids (never held).
        region: the requester's region.

    Returns:
        Per frame index, (n, 4) ``xyxy`` boxes (frames with none are left out).
    """
    keep = {int(t) for t in keep_tracks}
    measured: dict[int, dict[int, np.ndarray]] = {}
    for plan in stored.frames:
        for xyxy, track, source in zip(plan.xyxy, plan.tracker_id, plan.source, strict=True):
            if track < 0 or track in keep:
                continue
            if source in MEASURED_SOURCES:
                measured.setdefault(track, {})[plan.index] = np.asarray(xyxy, np.float32)
    if not region.boxes:
        return {}
    first_region, last_region = min(region.boxes), max(region.boxes)
    requester: dict[int, list[np.ndarray]] = {}
    for faces in kept_faces(stored, keep).values():
        for index, face in faces.items():
            requester.setdefault(index, []).append(face)
    second = max(1, round(float(stored.summary.clip.fps)))
    held: dict[int, list[np.ndarray]] = {}
    for boxes in measured.values():
        for sighting, step, stop in ((max(boxes), 1, last_region + 1), (min(boxes), -1, first_region - 1)):
            if not region.contains(sighting, boxes[sighting]):
                continue
            velocity = np.tile(_velocity(boxes, sighting, -step * second), 2)
            for index in range(sighting + step, stop, step):
                steps = abs(index - sighting)
                box = _grown(boxes[sighting] + velocity * (index - sighting), steps)
                if not region.contains(index, box):
                    break
                held.setdefault(index, []).extend(_behind(box, requester.get(index)))
    return {i: np.stack(rows) for i, rows in sorted(held.items()) if rows}


def _behind(box: np.ndarray, faces: list[np.ndarray] | None) -> list[np.ndarray]:
    """The parts of a held box not hidden behind the requester's head and shoulders.

    A held face smaller than the requester's is further away: where it lies behind the
    requester's head (their face box and a little hair and ears around it) or shoulders (below the
    chin), it is hidden by them, and masking it would mask the requester. Only frames where the
    requester's face is measured are cut (elsewhere nothing says where the head is).
    """
    pieces = [box]
    for face in faces or ():
        fw, fh = float(face[2] - face[0]), float(face[3] - face[1])
        if float(box[3] - box[1]) >= NEARER_SHARE * fh:
            continue  # as near as the requester or nearer: it may be in front
        cx = float(face[0] + face[2]) / 2
        head = np.asarray((face[0] - EARS * fw, face[1] - HAIR * fh, face[2] + EARS * fw, face[3] + 0.3 * fh))
        chest = np.asarray((cx - SHOULDERS * fw, face[3] + 0.3 * fh, cx + SHOULDERS * fw, face[3] + 3 * fh))
        for cut in (head, chest):
            pieces = [part for piece in pieces for part in _minus(piece, cut)]
    return [p for p in pieces if p[2] - p[0] >= 2 and p[3] - p[1] >= 2]


def _minus(box: np.ndarray, cut: np.ndarray) -> list[np.ndarray]:
    """``box`` less ``cut``, as up to four boxes."""
    x1, y1, x2, y2 = (float(v) for v in box)
    c1, d1, c2, d2 = (
        max(x1, float(cut[0])),
        max(y1, float(cut[1])),
        min(x2, float(cut[2])),
        min(y2, float(cut[3])),
    )
    if c1 >= c2 or d1 >= d2:
        return [box]
    parts = [(x1, y1, x2, d1), (x1, d2, x2, y2), (x1, d1, c1, d2), (c2, d1, x2, d2)]
    return [np.asarray(part, np.float32) for part in parts if part[2] > part[0] and part[3] > part[1]]


NEARER_SHARE = 0.9
"""A held face at least this share of the requester's face height may be as near as they are."""

HAIR = 0.2
"""The requester's head above their face box (hair), in face heights."""

EARS = 0.08
"""The requester's head beside their face box (ears, hair), in face widths."""

SHOULDERS = 1.3
"""Half the requester's shoulders' width, in face widths."""


def _velocity(boxes: Mapping[int, np.ndarray], sighting: int, reach: int) -> np.ndarray:
    """A track's face motion per frame (x, y) over its sightings from ``sighting`` to ``reach``
    frames away (zero with fewer than two)."""
    near = [i for i in boxes if 0 < (i - sighting) * np.sign(reach) <= abs(reach)]
    if not near:
        return np.zeros(2, np.float32)
    other = max(near, key=lambda i: abs(i - sighting))
    moved = (boxes[sighting][:2] + boxes[sighting][2:]) / 2 - (boxes[other][:2] + boxes[other][2:]) / 2
    return np.asarray(moved / (sighting - other), np.float32)


def _grown(box: np.ndarray, steps: int) -> np.ndarray:
    """A held box grown about its centre for ``steps`` frames away from its sighting (the motion
    carried is a guess that drifts), up to :data:`HELD_MAX_SCALE` times its size."""
    scale = min(HELD_MAX_SCALE, 1.0 + HELD_GROWTH * steps)
    centre, half = (box[:2] + box[2:]) / 2, (box[2:] - box[:2]) / 2 * scale
    return np.concatenate([centre - half, centre + half]).astype(np.float32)


HELD_GROWTH = 0.02
"""Relative growth of a held box per frame away from its sighting."""

HELD_MAX_SCALE = 1.5
"""A held box grows to at most this many times the sighting's size."""


def with_held(boxes: sv.Detections, held: Mapping[int, np.ndarray] | None, index: int) -> sv.Detections:
    """A frame's plan with the strangers held on it added (as untracked trail boxes)."""
    rows = held.get(index) if held else None
    if rows is None or not len(rows):
        return boxes
    return sv.Detections.merge([boxes, mask_plan(rows, source=HELD_SOURCE)])
