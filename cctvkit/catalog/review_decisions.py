"""Named queries on review decisions: which tracks of a request's clip stay visible, manual masks."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.schema import review_masks, review_tracks

__all__ = [
    "ManualMask",
    "TrackDecision",
    "delete_mask",
    "get_mask",
    "insert_mask",
    "keep_decisions",
    "list_masks",
    "list_track_decisions",
    "replace_keep_decision",
    "set_track_decision",
    "update_mask_span",
]

D = TypeVar("D")


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
    replace_keep_decision(conn, review_tracks, "track_id", decision)


def list_track_decisions(conn: Connection, request_id: str) -> list[TrackDecision]:
    return keep_decisions(conn, review_tracks, "track_id", request_id, TrackDecision)


def replace_keep_decision(conn: Connection, table: Table, id_column: str, decision: Any) -> None:
    """Replace the row of a keep-or-mask decision on one thing of one clip (a face track, a line of
    text): ``decision`` is a dataclass whose fields are ``table``'s columns."""
    values = {f.name: getattr(decision, f.name) for f in fields(decision)}
    key = (
        (table.c.request_id == values["request_id"])
        & (table.c.clip_number == values["clip_number"])
        & (table.c[id_column] == values[id_column])
    )
    conn.execute(table.delete().where(key))
    conn.execute(table.insert().values(**values))


def keep_decisions(conn: Connection, table: Table, id_column: str, request_id: str, kind: type[D]) -> list[D]:
    """A request's keep-or-mask decisions in ``table``, by clip then thing, as ``kind`` records."""
    query = (
        select(table)
        .where(table.c.request_id == request_id)
        .order_by(table.c.clip_number, table.c[id_column])
    )
    names = [f.name for f in fields(kind)]  # type: ignore[arg-type]
    rows = conn.execute(query).mappings()
    return [kind(**{n: bool(r[n]) if n == "keep" else r[n] for n in names}) for r in rows]


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
