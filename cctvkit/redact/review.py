"""A contact sheet of face tracks with their ids, so staff can name the requester's track to keep."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from cctvkit.files import atomic_path
from cctvkit.redact.masking import head_boxes

__all__ = ["TrackGallery", "write_contact_sheet"]

THUMB_PX = 112
"""Side of each thumbnail on the contact sheet."""


SIGHTING_MARGIN = 1.0
"""Face sizes of context kept on each side of a track's clearest sighting: enough for dlib's
landmarks and its aligned 150 px chip (padding 0.25), so embedding the kept pixels gives what
embedding the whole frame would (``--keep-face`` then needs no second decode)."""


@dataclass(slots=True)
class _Best:
    score: float
    frame: int
    xyxy: np.ndarray
    crop: np.ndarray
    sighting: np.ndarray
    origin: tuple[int, int]


class TrackGallery:
    """Keep the clearest sighting (confidence times face size) of each confirmed track.

    The crops are unmasked faces: the sheet is for the operator deciding what to keep and is
    written owner-only, never released.
    """

    def __init__(self) -> None:
        self._best: dict[int, _Best] = {}

    def add(self, frame: int, image: np.ndarray, faces: sv.Detections) -> None:
        """Consider this frame's detected boxes (call before the frame is masked).

        Args:
            frame: output frame index.
            image: the unmasked RGB frame, shape (height, width, 3).
            faces: planner boxes for the frame with ``tracker_id`` and ``data["source"]``.
        """
        height, width = image.shape[:2]
        for xyxy, confidence, track_id, source in zip(
            faces.xyxy, faces.confidence, faces.tracker_id, faces.data["source"], strict=True
        ):
            if track_id < 0 or source != "detected":
                continue
            size = math.sqrt(max(1.0, float((xyxy[2] - xyxy[0]) * (xyxy[3] - xyxy[1]))))
            score = float(confidence) * size
            best = self._best.get(int(track_id))
            if best is not None and best.score >= score:
                continue
            x1, y1, x2, y2 = head_boxes(xyxy[None], 1.4, (width, height))[0]
            crop = _square_thumb(image[y1:y2, x1:x2])
            side = SIGHTING_MARGIN * float(max(xyxy[2] - xyxy[0], xyxy[3] - xyxy[1]))
            sx1, sy1 = max(0, int(xyxy[0] - side)), max(0, int(xyxy[1] - side))
            sx2, sy2 = min(width, int(np.ceil(xyxy[2] + side))), min(height, int(np.ceil(xyxy[3] + side)))
            sighting = image[sy1:sy2, sx1:sx2].copy()
            best = _Best(score, frame, np.asarray(xyxy, float), crop, sighting, (sx1, sy1))
            self._best[int(track_id)] = best

    def put(self, track_id: int, frame: int, image: np.ndarray, xyxy: tuple[float, ...]) -> None:
        """Set a track's sighting directly (a chunked run: the best frames come from its reports)."""
        height, width = image.shape[:2]
        box = np.asarray(xyxy, float)
        x1, y1, x2, y2 = head_boxes(box[None], 1.4, (width, height))[0]
        side = SIGHTING_MARGIN * float(max(box[2] - box[0], box[3] - box[1]))
        sx1, sy1 = max(0, int(box[0] - side)), max(0, int(box[1] - side))
        sx2, sy2 = min(width, int(np.ceil(box[2] + side))), min(height, int(np.ceil(box[3] + side)))
        thumb = _square_thumb(image[y1:y2, x1:x2])
        self._best[int(track_id)] = _Best(0.0, frame, box, thumb, image[sy1:sy2, sx1:sx2].copy(), (sx1, sy1))

    def best(self, track_id: int) -> tuple[int, tuple[float, float, float, float]] | None:
        """Return the frame and face box of a track's clearest sighting, if it has one."""
        found = self._best.get(track_id)
        if found is None:
            return None
        return found.frame, tuple(round(float(v), 1) for v in found.xyxy)

    def sighting(self, track_id: int) -> tuple[np.ndarray, tuple[float, float, float, float]] | None:
        """Return the unmasked pixels around a track's clearest sighting and its face box in them.

        The box is the one :meth:`best` gives, shifted into the returned pixels,
        which hold :data:`SIGHTING_MARGIN` face sizes of context on each side (less at the
        frame's edges). For embedding the face without decoding its frame again.
        """
        found = self._best.get(track_id)
        if found is None:
            return None
        left, top = found.origin
        x1, y1, x2, y2 = (round(float(v), 1) for v in found.xyxy)  # as best() gives it
        return found.sighting, (x1 - left, y1 - top, x2 - left, y2 - top)

    @property
    def track_ids(self) -> list[int]:
        """Ids with a thumbnail, ascending."""
        return sorted(self._best)

    def thumbnails(self) -> list[tuple[int, np.ndarray]]:
        """Return ``(track id, RGB thumbnail)`` pairs, by id."""
        return [(track_id, self._best[track_id].crop) for track_id in self.track_ids]


def _square_thumb(crop: np.ndarray) -> np.ndarray:
    height, width = crop.shape[:2]
    side = max(height, width, 1)
    canvas = np.zeros((side, side, 3), np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    canvas[top : top + height, left : left + width] = crop
    return cv2.resize(canvas, (THUMB_PX, THUMB_PX), interpolation=cv2.INTER_AREA)


def write_contact_sheet(gallery: TrackGallery, path: Path, *, columns: int = 6) -> Path:
    """Write a PNG grid of track thumbnails, each labelled with its id.

    Args:
        gallery: the tracks' best sightings.
        path: the PNG to write (owner-only, atomically).
        columns: thumbnails per row.

    Returns:
        ``path``.
    """
    thumbs = gallery.thumbnails()
    label_px = 22
    cell_h = THUMB_PX + label_px
    rows = max(1, math.ceil(len(thumbs) / columns))
    sheet = np.full((rows * cell_h, max(1, min(columns, len(thumbs))) * THUMB_PX, 3), 255, np.uint8)
    if not thumbs:
        sheet = np.full((cell_h, THUMB_PX * 3, 3), 255, np.uint8)
        cv2.putText(sheet, "no face tracks", (8, cell_h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 1)
    for number, (track_id, thumb) in enumerate(thumbs):
        top, left = (number // columns) * cell_h, (number % columns) * THUMB_PX
        sheet[top : top + THUMB_PX, left : left + THUMB_PX] = thumb
        cv2.putText(
            sheet,
            f"track {track_id}",
            (left + 6, top + THUMB_PX + 16),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (0, 0, 0),
            1,
            cv2.LINE_AA,
        )
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"cannot encode {path} as PNG")
    path = Path(path)
    with atomic_path(path) as partial:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(encoded.tobytes())
    return path
