"""Named queries on review decisions: which tracks of a request's clip stay visible, manual masks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.schema import review_masks, review_tracks

__all__ = [
    "ManualMask",
    "TrackDecision",
    "delete_mask",
    "get_mask",
    "insert_mask",
    "list_masks",
    "list_track_decisions",
    "set_track_decision",
    "update_mask_span",
]


@dataclass(frozen=True, slots=True)
class TrackDecision:
    """Whether one face track of one clip stays visible, and why.

    Attributes:
        request_id: the request.
        clip_number: the clip (``request review``'s numbering).
        track_id: the redaction engine's track id in that clip.
        camera_id: the clip's camera, when the decision was made.
        clip_start_utc: the clip's first frame then (a changed clip plan makes the decision stale).
        keep: left visible (the requester, or a false positive that hides them).
        reason: the operator's reason.
        decided_by: who.
        decided_at: when.
    """

    request_id: str
    clip_number: int
    track_id: int
    camera_id: str
    clip_start_utc: datetime
    keep: bool
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ManualMask:
    """A box the operator drew over something the detector missed, tracked through the clip.

    Attributes:
        id: the mask's id.
        request_id: the request.
        clip_number: the clip.
        camera_id: the clip's camera when drawn.
        clip_start_utc: the clip's first frame then.
        anchor_frame: the frame the box was drawn on.
        anchor_xyxy: the drawn box, pixels.
        first_frame: first frame masked (inclusive).
        last_frame: last frame masked (inclusive).
        boxes: the tracked box per frame (may extend beyond the span, which the operator can widen).
        reason: why it is masked.
        created_by: who drew it.
        created_at: when.
        updated_by: who last changed its span.
        updated_at: when.
        kind: ``mask`` (masked whatever is kept) or ``region`` (a box of the requester's region
            in a requester-only release, issue 26).
    """

    id: int
    request_id: str
    clip_number: int
    camera_id: str
    clip_start_utc: datetime
    anchor_frame: int
    anchor_xyxy: tuple[float, float, float, float]
    first_frame: int
    last_frame: int
    boxes: dict[int, tuple[float, float, float, float]]
    reason: str
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None
    kind: str = "mask"

    def boxes_in_span(self) -> dict[int, tuple[float, float, float, float]]:
        """The boxes of the frames the mask applies to."""
        return {f: b for f, b in self.boxes.items() if self.first_frame <= f <= self.last_frame}


def set_track_decision(conn: Connection, decision: TrackDecision) -> None:
    """Insert or replace the decision on one track (the latest one counts; the audit log keeps all)."""
    key = (
        (review_tracks.c.request_id == decision.request_id)
        & (review_tracks.c.clip_number == decision.clip_number)
        & (review_tracks.c.track_id == decision.track_id)
    )
    conn.execute(review_tracks.delete().where(key))
    conn.execute(
        review_tracks.insert().values(
            request_id=decision.request_id,
            clip_number=decision.clip_number,
            track_id=decision.track_id,
            camera_id=decision.camera_id,
            clip_start_utc=decision.clip_start_utc,
            keep=decision.keep,
            reason=decision.reason,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
        )
    )


def list_track_decisions(conn: Connection, request_id: str) -> list[TrackDecision]:
    query = (
        select(review_tracks)
        .where(review_tracks.c.request_id == request_id)
        .order_by(review_tracks.c.clip_number, review_tracks.c.track_id)
    )
    return [
        TrackDecision(
            r.request_id,
            r.clip_number,
            r.track_id,
            r.camera_id,
            r.clip_start_utc,
            bool(r.keep),
            r.reason,
            r.decided_by,
            r.decided_at,
        )
        for r in conn.execute(query)
    ]


def insert_mask(
    conn: Connection,
    *,
    request_id: str,
    clip_number: int,
    camera_id: str,
    clip_start_utc: datetime,
    anchor_frame: int,
    anchor_xyxy: tuple[float, float, float, float],
    first_frame: int,
    last_frame: int,
    boxes: dict[int, tuple[float, float, float, float]],
    reason: str,
    by: str,
    now: datetime,
    kind: str = "mask",
) -> int:
    """Insert a manual mask (or a region box); return its id."""
    result = conn.execute(
        review_masks.insert().values(
            request_id=request_id,
            clip_number=clip_number,
            camera_id=camera_id,
            clip_start_utc=clip_start_utc,
            anchor_frame=anchor_frame,
            anchor_xyxy=json.dumps([round(float(v), 1) for v in anchor_xyxy]),
            first_frame=first_frame,
            last_frame=last_frame,
            boxes=_boxes_json(boxes),
            reason=reason,
            created_by=by,
            created_at=now,
            kind=None if kind == "mask" else kind,
        )
    )
    return inserted_id(result)


def update_mask_span(
    conn: Connection, mask_id: int, *, first_frame: int, last_frame: int, by: str, now: datetime
) -> None:
    conn.execute(
        review_masks.update()
        .where(review_masks.c.id == mask_id)
        .values(first_frame=first_frame, last_frame=last_frame, updated_by=by, updated_at=now)
    )


def delete_mask(conn: Connection, mask_id: int, *, by: str, now: datetime) -> None:
    """Mark a mask deleted (the row stays, so what was once decided is still on record)."""
    conn.execute(
        review_masks.update()
        .where(review_masks.c.id == mask_id)
        .values(deleted_at=now, updated_by=by, updated_at=now)
    )


def get_mask(conn: Connection, request_id: str, mask_id: int) -> ManualMask | None:
    """A live (not deleted) mask of the request, or None."""
    query = select(review_masks).where(
        (review_masks.c.id == mask_id)
        & (review_masks.c.request_id == request_id)
        & review_masks.c.deleted_at.is_(None)
    )
    row = conn.execute(query).first()
    return None if row is None else _mask(row)


def list_masks(conn: Connection, request_id: str) -> list[ManualMask]:
    """The request's live masks, by clip then id."""
    query = (
        select(review_masks)
        .where((review_masks.c.request_id == request_id) & review_masks.c.deleted_at.is_(None))
        .order_by(review_masks.c.clip_number, review_masks.c.id)
    )
    return [_mask(r) for r in conn.execute(query)]


def _boxes_json(boxes: dict[int, tuple[float, float, float, float]]) -> str:
    return json.dumps({str(f): [round(float(v), 1) for v in b] for f, b in sorted(boxes.items())})


def _mask(row: Any) -> ManualMask:
    anchor = tuple(float(v) for v in json.loads(row.anchor_xyxy))
    boxes = {int(f): tuple(float(v) for v in b) for f, b in json.loads(row.boxes).items()}
    return ManualMask(
        row.id,
        row.request_id,
        row.clip_number,
        row.camera_id,
        row.clip_start_utc,
        row.anchor_frame,
        anchor,  # type: ignore[arg-type]  # JSON column: a list of four numbers, read back as a box
        row.first_frame,
        row.last_frame,
        boxes,  # type: ignore[arg-type]  # JSON column: per-frame boxes, read back as the record's mapping
        row.reason,
        row.created_by,
        row.created_at,
        row.updated_by,
        row.updated_at,
        row.kind or "mask",
    )
