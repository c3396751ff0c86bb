"""Readable text (number plates, badges) as a second kind of finding: detected on a cadence, tracked
and carried like faces, added to each frame's mask plan with source ``text`` (issue 29).

The stage sits behind the face planner: frames leave it in order, a few frames late, once the
text planner has seen where each line of text goes next, so a plate is masked on the frames
around its sightings (its look-back reaches back to before it was first found) and between them.
Text boxes are never a face track in the face plan: their ``tracker_id`` is below -1, the line's
own id ``n`` stored as ``-2 - n`` (:func:`text_line_ids` reads it back; -1: a line seen once), so
every face rule (kept tracks, the gallery, track tallies: ids >= 0) passes them by, while the review
page can still address a line by its id (issue 29). A replay of the stored plan masks them again
(source ``text``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import supervision as sv
from numpy.typing import ArrayLike

from cctvkit.redact.boxes import empty_detections, mask_plan
from cctvkit.redact.carry import CarryRules, MaskPlanner
from cctvkit.redact.detectors.text import TextDetector
from cctvkit.redact.tracking import FaceTracker
from cctvkit.redact.zones import Polygon, rasterize_zones

if TYPE_CHECKING:
    from cctvkit.redact.options import RedactOptions
    from cctvkit.video import VideoFrame

__all__ = [
    "TEXT_SOURCE",
    "TextRules",
    "TextStage",
    "still_text",
    "text_boxes",
    "text_line_ids",
    "text_stage",
    "with_faces",
    "with_text",
]

TEXT_SOURCE = "text"
"""``data["source"]`` of a text box in a mask plan."""

Payload = TypeVar("Payload")


@dataclass(frozen=True, slots=True)
class TextRules:
    """How often text is looked for and how far its masks are carried.

    Attributes:
        every_s: seconds between text detections (at least every frame; the frames between are
            carried). Chosen on the 1080p gate scene at 25 fps (``python -m benchmarks.text_cost``,
            benchmarks/README.md): every 5th frame (0.2 s) left no readable plate frame exposed,
            every 8th (0.32 s) 0.93 % with runs of 2, every 12th 9.7 % with runs of 7.
        lookahead_frames: frames a line's mask starts before it was first found.
        trail_frames: frames it continues after it was last found.
        lost_track_s: seconds a line's track survives unseen (gaps up to this are filled).
        threshold: text score at which a line starts a track (weaker lines, down to the
            detector's 0.5, only continue one): a lamp the model once scores 0.53 as a plate
            would otherwise be masked for the whole look-back and trail.
    """

    every_s: float = 0.2
    lookahead_frames: int = 8
    trail_frames: int = 8
    lost_track_s: float = 1.0
    threshold: float = 0.6


DEFAULT_RULES = TextRules()
"""The rules every run uses (benchmarks/text_cost.py varies them to choose the cadence)."""


class TextStage(Generic[Payload]):
    """Find, track and carry text for the frames of one clip, in order.

    Args:
        detector: the text detector.
        resolution_wh: frame (width, height).
        fps: frame rate.
        rules: cadence and carry.
    """

    def __init__(
        self,
        detector: TextDetector,
        resolution_wh: tuple[int, int],
        fps: float,
        rules: TextRules | None = None,
        *,
        regions: Sequence[Polygon] = (),
    ) -> None:
        self.rules = rules = rules or TextRules()
        self.every = every = max(1, round(rules.every_s * fps))
        self._regions = rasterize_zones(regions, resolution_wh)
        self._detector = detector
        self._scale = detector.scale_for(resolution_wh)
        self._tracker = FaceTracker(
            fps=fps / every, threshold=rules.threshold, lost_track_s=rules.lost_track_s
        )
        carry = CarryRules(
            lookahead_frames=max(rules.lookahead_frames, every),
            trail_frames=max(rules.trail_frames, every),
            confirm_frames=2 * every,
            max_gap_frames=max(1, round(rules.lost_track_s * fps)),
        )
        self._planner: MaskPlanner[Payload] = MaskPlanner(resolution_wh, carry)
        self.detected_frames = 0
        self.detections = 0
        self.masked_frames = 0
        self.masked_boxes = 0
        self._track_ids: set[int] = set()

    def push(self, index: int, image: np.ndarray, payload: Payload) -> list[tuple[Payload, sv.Detections]]:
        """Add frame ``index`` (its pixels and what travels with it); return the frames whose text
        masks are final, each with its text plan."""
        found = empty_detections(tracked=True)
        if index % self.every == 0:
            detections = self._detector.detect(image, scale=self._scale)
            detections = _in_regions(detections, self._regions)
            self.detected_frames += 1
            self.detections += len(detections)
            found = self._tracker.update(detections)
        return self._count(self._planner.push(index, found, payload))

    def stats(self) -> dict[str, Any]:
        """What the report says about the text pass: its rules, its work and what it masked
        (``lines_masked``: tracked lines of text; a line seen once is in the boxes only)."""
        return {
            **asdict(self.rules),
            "every_frames": self.every,
            "detected_frames": self.detected_frames,
            "detections": self.detections,
            "lines_masked": len(self._track_ids),
            "frames_masked": self.masked_frames,
            "boxes_masked": self.masked_boxes,
        }

    def flush(self) -> list[tuple[Payload, sv.Detections]]:
        """The frames still held (the end of the clip), with their text plans."""
        return self._count(self._planner.flush())

    def _count(self, released: list[tuple[Payload, sv.Detections]]) -> list[tuple[Payload, sv.Detections]]:
        """Tally what is masked (for the report) and turn each plan into mask-plan rows."""
        for _payload, boxes in released:
            if len(boxes):
                self.masked_frames += 1
                self.masked_boxes += len(boxes)
                ids = boxes.tracker_id if boxes.tracker_id is not None else ()
                self._track_ids.update(int(t) for t in ids if t >= 0)
        return [(payload, text_boxes(boxes)) for payload, boxes in released]


def text_boxes(plan: sv.Detections) -> sv.Detections:
    """A text planner's boxes as mask-plan rows: source ``text``, each line's id as ``-2 - id``
    in ``tracker_id`` (never a face track's; see the module docstring)."""
    lines = plan.tracker_id if plan.tracker_id is not None else np.full(len(plan), -1, int)
    return mask_plan(
        plan.xyxy,
        source=TEXT_SOURCE,
        confidence=plan.confidence,
        tracker_id=np.where(np.asarray(lines) >= 0, -2 - np.asarray(lines), -1),
    )


def text_line_ids(tracker_id: ArrayLike) -> np.ndarray:
    """The text lines' own ids of text rows' ``tracker_id`` (-1: a line seen once, not tracked)."""
    ids = np.asarray(tracker_id, int)
    return np.where(ids <= -2, -2 - ids, -1)


def text_stage(
    options: RedactOptions, resolution_wh: tuple[int, int], fps: float
) -> TextStage[tuple[VideoFrame, sv.Detections]] | None:
    """The text stage ``options`` ask for (``mask_text``), or ``None``.

    Raises:
        ModelError: the text detector's weights are missing or do not verify.
    """
    if not options.mask_text:
        return None
    detector = TextDetector(provider=options.provider, threads=options.threads)
    return TextStage(detector, resolution_wh, fps, DEFAULT_RULES, regions=options.text_regions)


def with_text(
    stage: TextStage[tuple[VideoFrame, sv.Detections]] | None,
    released: Iterable[tuple[VideoFrame, sv.Detections]],
    *,
    end: bool = False,
) -> Iterator[tuple[VideoFrame, sv.Detections]]:
    """The face planner's released frames with their text boxes added to each plan (through
    ``stage``, which holds them a few frames more); ``end``: the clip's last frames, flush all."""
    if stage is None:
        yield from released
        return
    for frame, faces in released:
        for (ready, plan), text in stage.push(frame.index, frame.image, (frame, faces)):
            yield ready, _merged(plan, text)
    if end:
        for (ready, plan), text in stage.flush():
            yield ready, _merged(plan, text)


def still_text(image: np.ndarray, options: RedactOptions) -> sv.Detections:
    """A still's lines of text as mask-plan rows (nothing tracked: one picture), or none when
    ``options`` do not ask for them; only those in ``options.text_regions`` when set.

    Raises:
        ModelError: the text detector's weights are missing or do not verify.
    """
    if not options.mask_text:
        return empty_detections(plan=True)
    height, width = image.shape[:2]
    found = TextDetector(provider=options.provider, threads=options.threads).detect(image)
    return text_boxes(_in_regions(found, rasterize_zones(options.text_regions, (width, height))))


def _in_regions(found: sv.Detections, regions: np.ndarray | None) -> sv.Detections:
    """The boxes whose centre lies in the drawn regions (all of them without regions)."""
    if regions is None or not len(found):
        return found
    height, width = regions.shape
    cx = np.clip(((found.xyxy[:, 0] + found.xyxy[:, 2]) / 2).astype(int), 0, width - 1)
    cy = np.clip(((found.xyxy[:, 1] + found.xyxy[:, 3]) / 2).astype(int), 0, height - 1)
    inside = found[np.asarray(regions[cy, cx], bool)]
    assert isinstance(inside, sv.Detections)
    return inside


def with_faces(faces: sv.Detections, text: sv.Detections) -> sv.Detections:
    """One plan of a frame's face boxes and its text boxes."""
    return _merged(faces, text)


def _merged(faces: sv.Detections, text: sv.Detections) -> sv.Detections:
    if not len(text):
        return faces
    if not len(faces):
        return text
    return sv.Detections.merge([faces, text])
