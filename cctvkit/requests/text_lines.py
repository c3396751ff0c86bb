"""Lines of text on the review page as their own kind: listed beside faces, kept readable or left
masked, and the release honouring it (issue 29).

With text masking on (``--mask-text``, a camera's ``mask_text``), the review's stored analysis
holds each tracked line of text (a number plate, a name badge, a shop sign) under its own id
(:func:`~cctvkit.redact.text_stage.text_line_ids`), apart from the face tracks. The page lists
the lines with their clearest sighting; every line is masked unless the operator keeps it
readable, with a reason (:func:`set_text_keep`, audited ``review.text``): a shop sign or the
recorder's clock identifies no one. The release reads the kept lines' boxes from the same
stored analysis (:func:`kept_text_boxes`: the frames the decision was made on) and leaves the
text it finds there readable (:attr:`~cctvkit.redact.spec.MaskSpec.keep_text`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from cctvkit.audit import write_audit
from cctvkit.catalog import finding_decisions as fdq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.finding_decisions import TextLineDecision
from cctvkit.errors import ConflictError
from cctvkit.redact.analysis import FramePlan, StoredAnalysis
from cctvkit.redact.boxes import FrameBoxes
from cctvkit.redact.text_stage import TEXT_SOURCE, text_line_ids
from cctvkit.requests import decisions
from cctvkit.requests.decisions import ClipRef
from cctvkit.video import VideoReader

__all__ = [
    "TextLine",
    "frame_kept_text",
    "kept_text_boxes",
    "line_boxes",
    "line_thumbnails",
    "review_analysis_path",
    "set_text_keep",
    "text_lines",
]

Box = tuple[float, float, float, float]

THUMB_WIDTH = 160
"""Width of a line's thumbnail on the page (a plate or a sign, wider than tall)."""


def review_analysis_path(work: Path, number: int) -> Path:
    """Where the review keeps clip ``number``'s stored analysis (the page and the release read it)."""
    return work / "review" / f"clip-{number:02d}.analysis.json"


@dataclass(frozen=True, slots=True)
class TextLine:
    """One tracked line of text of a clip.

    Attributes:
        line_id: the text tracker's id (its own numbering, not a face track's).
        first_frame: the first frame it is masked on.
        last_frame: the last.
        frames: the frames it is masked on.
        best_frame: where its box is widest (its thumbnail).
        best_xyxy: that box.
    """

    line_id: int
    first_frame: int
    last_frame: int
    frames: int
    best_frame: int
    best_xyxy: Box


def _rows(plan: FramePlan) -> list[tuple[int, Box]]:
    """The frame's text rows as (line id, box); lines seen once (id -1) are not addressable."""
    text = [i for i, source in enumerate(plan.source) if source == TEXT_SOURCE]
    if not text:
        return []
    ids = text_line_ids([plan.tracker_id[i] for i in text])
    return [(int(line), plan.xyxy[i]) for i, line in zip(text, ids, strict=True) if line >= 0]


def text_lines(stored: StoredAnalysis) -> dict[int, TextLine]:
    """Every tracked line of text of a stored analysis, by id."""
    seen: dict[int, list[tuple[int, Box]]] = {}
    for plan in stored.frames:
        for line, box in _rows(plan):
            seen.setdefault(line, []).append((plan.index, box))
    out = {}
    for line, boxes in sorted(seen.items()):
        best_frame, best = max(boxes, key=lambda pair: (pair[1][2] - pair[1][0], -pair[0]))
        frames = [f for f, _ in boxes]
        out[line] = TextLine(line, min(frames), max(frames), len(set(frames)), best_frame, best)
    return out


def frame_kept_text(plan: FramePlan, kept: Collection[int]) -> np.ndarray | None:
    """The boxes of the kept lines in one frame's plan, (n, 4), or None."""
    boxes = [box for line, box in _rows(plan) if line in kept] if kept else []
    return np.asarray(boxes, np.float32).reshape(-1, 4) if boxes else None


def line_boxes(stored: StoredAnalysis, kept: Collection[int]) -> FrameBoxes:
    """Per analysed frame, the kept lines' boxes."""
    return FrameBoxes.of(
        (plan.index, box) for plan in stored.frames for line, box in _rows(plan) if line in kept
    )


def kept_text_boxes(work: Path, number: int, kept: Collection[int]) -> FrameBoxes | None:
    """The boxes of clip ``number``'s lines kept readable on the review page, from the review's
    stored analysis (None: none kept).

    Raises:
        ConflictError: the review's analysis is gone or no longer has those lines (reviewed
            again with other options): the clip must be reviewed again.
    """
    if not kept:
        return None
    path = review_analysis_path(work, number)
    if not path.is_file():
        raise ConflictError(
            f"clip {number}: lines of text were kept on the review page but its review is gone; "
            "review the request again"
        )
    stored = StoredAnalysis.loads(path.read_text(encoding="utf-8"))
    missing = sorted(set(kept) - set(text_lines(stored)))
    if missing:
        raise ConflictError(
            f"clip {number}: text line(s) {missing} kept on the review page are not in its latest "
            "review (reviewed again with other options?); decide them again on the page"
        )
    return line_boxes(stored, kept)


def set_text_keep(
    catalog: Catalog,
    request_id: str,
    clip: ClipRef,
    line_id: int,
    *,
    keep: bool,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> TextLineDecision:
    """Record that a line of text stays readable (``keep``) or is masked, with the reason; audited.

    Raises:
        UsageError: no reason, or one over 500 characters.
    """
    now = now or datetime.now(UTC)
    decision = TextLineDecision(
        request_id,
        clip.number,
        int(line_id),
        clip.camera_id,
        clip.start_utc,
        keep,
        decisions.check_reason(reason),
        actor,
        now,
    )
    with catalog.write() as conn:
        fdq.set_text_decision(conn, decision)
        write_audit(
            conn,
            actor=actor,
            action="review.text",
            object_kind="request",
            object_id=request_id,
            camera_id=clip.camera_id,
            details={"clip": clip.number, "line": int(line_id), "keep": keep, "reason": decision.reason},
            now=now,
        )
    return decision


def line_thumbnails(path: Path, lines: Sequence[TextLine]) -> dict[int, bytes]:
    """JPEG of each line's widest sighting with a margin (unmasked: for the operator only)."""
    wanted: dict[int, list[TextLine]] = {}
    for line in lines:
        wanted.setdefault(line.best_frame, []).append(line)
    out: dict[int, bytes] = {}
    if not wanted:
        return out
    with VideoReader(path) as reader:
        for frame in reader.frames():
            for line in wanted.get(frame.index, []):
                x1, y1, x2, y2 = line.best_xyxy
                mx, my = (x2 - x1) * 0.15, (y2 - y1) * 0.5
                height, width = frame.image.shape[:2]
                crop = frame.image[
                    max(0, int(y1 - my)) : min(height, int(y2 + my)),
                    max(0, int(x1 - mx)) : min(width, int(x2 + mx)),
                ]
                if crop.size:
                    scale = THUMB_WIDTH / crop.shape[1]
                    crop = cv2.resize(crop, (THUMB_WIDTH, max(1, round(crop.shape[0] * scale))))
                    ok, data = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
                    if ok:
                        out[line.line_id] = data.tobytes()
            if frame.index >= max(wanted):
                break
    return out
