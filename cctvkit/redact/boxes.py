"""Box containers and helpers shared by the redaction stages: the empty ``sv.Detections`` each
stage starts from, the mask plan's one constructor, :class:`FrameBoxes` (the one per-frame box
type), the tile grid, and crops aligned and merged for a detector."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import supervision as sv
from numpy.typing import ArrayLike

__all__ = [
    "MEASURED_SOURCES",
    "FrameBoxes",
    "aligned_crops",
    "empty_detections",
    "mask_plan",
    "merge_boxes",
    "tile_grid",
]

SOURCE_DTYPE = "<U12"
"""dtype of a mask plan's ``data["source"]`` (``detected``, ``carried``, ``manual``, ...)."""

MEASURED_SOURCES = ("detected", "interpolated")
"""Plan boxes placed by sightings (at one, or between two): a kept face's box there beats
strangers' masks; its carried boxes (before and after its sightings) are guesses."""


def empty_detections(*, tracked: bool = False, plan: bool = False) -> sv.Detections:
    """No boxes: ``xyxy`` and ``confidence``; with ``tracked`` also ``tracker_id``; with ``plan`` also
    a mask plan's ``data["source"]`` and ``data["early"]`` (see :mod:`cctvkit.redact.analysis`)."""
    detections = sv.Detections(xyxy=np.empty((0, 4), np.float32), confidence=np.empty(0, np.float32))
    if tracked or plan:
        detections.tracker_id = np.empty(0, int)
    if plan:
        detections.data = {"source": np.empty(0, dtype=SOURCE_DTYPE), "early": np.empty(0, bool)}
    return detections


def mask_plan(
    xyxy: ArrayLike,
    *,
    source: str | ArrayLike,
    confidence: ArrayLike | None = None,
    tracker_id: ArrayLike | None = None,
    early: ArrayLike | None = None,
) -> sv.Detections:
    """A mask plan: the boxes one frame masks, with the columns the render and the report read.

    Args:
        xyxy: ``(n, 4)`` boxes.
        source: where each box comes from (one word for all, or one per box).
        confidence: per box (default 1: injected boxes are certain).
        tracker_id: per box (default -1: untracked).
        early: per box, whether it is held before its track was first detected (default no).
    """
    boxes = np.asarray(xyxy, np.float32).reshape(-1, 4)
    count = len(boxes)
    if not count:
        return empty_detections(plan=True)
    sources = (
        np.full(count, source, SOURCE_DTYPE) if isinstance(source, str) else np.asarray(source, SOURCE_DTYPE)
    )
    return sv.Detections(
        xyxy=boxes,
        confidence=np.ones(count, np.float32) if confidence is None else np.asarray(confidence, np.float32),
        tracker_id=np.full(count, -1, int) if tracker_id is None else np.asarray(tracker_id, int),
        data={
            "source": sources,
            "early": np.zeros(count, bool) if early is None else np.asarray(early, bool),
        },
    )


class FrameBoxes(Mapping[int, np.ndarray]):
    """Boxes per frame: frame index -> ``(n, 4)`` float32 ``xyxy``; frames without boxes are absent.

    The one per-frame box type of the redaction path (manual masks, kept boxes, the face check's
    findings, a chunk's share of a clip's masks). Immutable: every operation returns a new one.
    """

    __slots__ = ("_rows",)

    def __init__(self, boxes: Mapping[int, np.ndarray] | None = None) -> None:
        rows = {int(i): np.asarray(b, np.float32).reshape(-1, 4) for i, b in (boxes or {}).items()}
        self._rows = {i: b for i, b in sorted(rows.items()) if len(b)}

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, ArrayLike]]) -> FrameBoxes:
        """Group ``(frame, box or boxes)`` pairs by frame."""
        grouped: dict[int, list[np.ndarray]] = {}
        for index, boxes in pairs:
            grouped.setdefault(int(index), []).append(np.asarray(boxes, np.float32).reshape(-1, 4))
        return cls({i: np.concatenate(parts) for i, parts in grouped.items()})

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[float]]) -> FrameBoxes:
        """From ``[frame, x1, y1, x2, y2]`` rows (the form job settings and JSON carry)."""
        return cls.of((int(frame), xyxy) for frame, *xyxy in rows)

    def rows(self, ndigits: int = 2) -> list[list[float]]:
        """``[frame, x1, y1, x2, y2]`` rows, frame by frame (:meth:`from_rows` reads them back)."""
        return [
            [i, *(round(float(v), ndigits) for v in box)] for i, boxes in self._rows.items() for box in boxes
        ]

    def merge(self, *others: Mapping[int, np.ndarray] | None) -> FrameBoxes:
        """These boxes and the others', frame by frame."""
        sources = [self, *(FrameBoxes(o) for o in others if o)]
        return FrameBoxes.of((i, boxes) for source in sources for i, boxes in source.items())

    def window(self, first: int, end: int, shift: int = 0) -> FrameBoxes:
        """The frames in ``[first, end)``, renumbered by ``- shift`` (a chunk's share, in its numbering)."""
        return FrameBoxes({i - shift: b for i, b in self._rows.items() if first <= i < end})

    def __getitem__(self, index: int) -> np.ndarray:
        return self._rows[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"FrameBoxes({len(self._rows)} frames, {sum(len(b) for b in self._rows.values())} boxes)"


def tile_grid(resolution_wh: tuple[int, int], tile_wh: tuple[int, int], overlap_px: int) -> np.ndarray:
    """Cover a frame with as few tiles of at most ``tile_wh`` as overlap by ``overlap_px``.

    Tiles are shrunk (to multiples of 32) until they just cover the frame, so little is
    detected twice.

    Args:
        resolution_wh: frame (width, height).
        tile_wh: largest tile (width, height).
        overlap_px: least overlap between neighbours (a face narrower than this is whole in one).

    Returns:
        Integer boxes (n, 4) ``xyxy``, row by row.
    """

    def spans(size: int, tile: int) -> list[tuple[int, int]]:
        if tile >= size:
            return [(0, size)]
        count = max(2, int(np.ceil((size - overlap_px) / max(1, tile - overlap_px))))
        length = -(-(size + (count - 1) * overlap_px) // count)
        length = min(size, tile, -(-length // 32) * 32)
        starts = np.linspace(0, size - length, count).round().astype(np.int64)
        return [(int(s), int(s) + length) for s in starts]

    width, height = resolution_wh
    return np.array(
        [[x1, y1, x2, y2] for y1, y2 in spans(height, tile_wh[1]) for x1, x2 in spans(width, tile_wh[0])],
        np.int64,
    )


def merge_boxes(boxes: np.ndarray) -> np.ndarray:
    """Replace two overlapping boxes by their bounding box when it is no larger than both together.

    Detection costs about the same per pixel, so a merge never adds work, and overlapping
    crops are not detected twice. Boxes far apart stay separate (their bounding box would be
    mostly empty background).

    Args:
        boxes: integer boxes (n, 4) ``xyxy``.

    Returns:
        Boxes (m, 4), m <= n.
    """
    merged = [list(map(int, b)) for b in np.asarray(boxes).reshape(-1, 4)]
    changed = True
    while changed:
        changed = False
        out: list[list[int]] = []
        for box in merged:
            for other in out:
                union = [
                    min(box[0], other[0]),
                    min(box[1], other[1]),
                    max(box[2], other[2]),
                    max(box[3], other[3]),
                ]
                overlaps = box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
                if overlaps and _area(union) <= _area(box) + _area(other):
                    other[:] = union
                    changed = True
                    break
            else:
                out.append(box)
        merged = out
    return np.array(merged, np.int64).reshape(-1, 4)


def _area(box: list[int]) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def aligned_crops(boxes: np.ndarray, bounds: Sequence[int], align: int, minimum: int) -> np.ndarray:
    """Each box grown about its centre to a multiple of ``align`` pixels per side (at least
    ``minimum``, at most the bounds'), shifted to lie inside ``bounds`` (``xyxy``), then the
    overlapping ones merged (:func:`merge_boxes`): crops a detector sees in few distinct shapes.

    Args:
        boxes: boxes (n, 4) ``xyxy``, pixels.
        bounds: the area the crops must lie in (a frame, a tile).
        align: side granularity.
        minimum: smallest side.

    Returns:
        Integer crops (m, 4), m <= n.
    """
    boxes = np.asarray(boxes).reshape(-1, 4)
    if not len(boxes):
        return np.empty((0, 4), np.int64)
    out = np.empty((len(boxes), 4), np.int64)
    for row, box in enumerate(boxes):
        for lo, hi in ((0, 2), (1, 3)):
            start_bound, end_bound = int(bounds[lo]), int(bounds[hi])
            size = max(minimum, int(box[hi] - box[lo]))
            size = min(end_bound - start_bound, -(-size // align) * align)
            start = int((box[lo] + box[hi]) // 2 - size // 2)
            start = min(max(start_bound, start), end_bound - size)
            out[row, lo], out[row, hi] = start, start + size
    return merge_boxes(out)
