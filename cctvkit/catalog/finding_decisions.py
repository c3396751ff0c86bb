"""Named queries on review-page decisions about what the redaction found besides face tracks:
faces the face check still saw and were accepted (issue 25), lines of text kept or masked (issue 29)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.review_decisions import keep_decisions, replace_keep_decision
from cctvkit.catalog.schema import review_findings, review_text_lines

__all__ = [
    "AcceptedFace",
    "TextLineDecision",
    "get_accepted",
    "insert_accepted",
    "list_accepted",
    "list_text_decisions",
    "set_text_decision",
    "withdraw_accepted",
]

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class AcceptedFace:
    """A face the face check still saw in a clip, accepted by the operator with a reason.

    Attributes:
        id: the decision's id.
        request_id: the request.
        clip_number: the clip.
        camera_id: the clip's camera when decided.
        clip_start_utc: the clip's first frame then (a changed clip plan makes it stale).
        first_frame: the first frame it was seen on.
        last_frame: the last (inclusive).
        boxes: per frame, the face check's box there (its findings of this face).
        reason: why it may stay (a poster, a face too far to recognise...).
        decided_by: who.
        decided_at: when.
    """

    id: int
    request_id: str
    clip_number: int
    camera_id: str
    clip_start_utc: datetime
    first_frame: int
    last_frame: int
    boxes: dict[int, Box]
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class TextLineDecision:
    """Whether one tracked line of text of one clip stays readable, and why (issue 29).

    Attributes:
        request_id: the request.
        clip_number: the clip.
        line_id: the text tracker's id of the line in that clip.
        camera_id: the clip's camera when decided.
        clip_start_utc: the clip's first frame then.
        keep: left readable (a shop sign); False: masked (the default without a decision).
        reason: the operator's reason.
        decided_by: who.
        decided_at: when.
    """

    request_id: str
    clip_number: int
    line_id: int
    camera_id: str
    clip_start_utc: datetime
    keep: bool
    reason: str
    decided_by: str
    decided_at: datetime


def insert_accepted(
    conn: Connection,
    *,
    request_id: str,
    clip_number: int,
    camera_id: str,
    clip_start_utc: datetime,
    boxes: dict[int, Box],
    reason: str,
    by: str,
    now: datetime,
) -> int:
    """Record an accepted face (its findings' boxes); return its id."""
    result = conn.execute(
        review_findings.insert().values(
            request_id=request_id,
            clip_number=clip_number,
            camera_id=camera_id,
            clip_start_utc=clip_start_utc,
            first_frame=min(boxes),
            last_frame=max(boxes),
            boxes=json.dumps({str(f): [round(float(v), 1) for v in b] for f, b in sorted(boxes.items())}),
            reason=reason,
            decided_by=by,
            decided_at=now,
        )
    )
    return inserted_id(result)


def withdraw_accepted(conn: Connection, accepted_id: int, *, by: str, now: datetime) -> None:
    """Stop applying an acceptance (the row stays, so what was once decided is on record)."""
    conn.execute(
        review_findings.update()
        .where(review_findings.c.id == accepted_id)
        .values(withdrawn_by=by, withdrawn_at=now)
    )


def get_accepted(conn: Connection, request_id: str, accepted_id: int) -> AcceptedFace | None:
    """A live (not withdrawn) acceptance of the request, or None."""
    query = select(review_findings).where(
        (review_findings.c.id == accepted_id)
        & (review_findings.c.request_id == request_id)
        & review_findings.c.withdrawn_at.is_(None)
    )
    row = conn.execute(query).first()
    return None if row is None else _accepted(row)


def list_accepted(conn: Connection, request_id: str) -> list[AcceptedFace]:
    """The request's live acceptances, by clip then id."""
    query = (
        select(review_findings)
        .where((review_findings.c.request_id == request_id) & review_findings.c.withdrawn_at.is_(None))
        .order_by(review_findings.c.clip_number, review_findings.c.id)
    )
    return [_accepted(r) for r in conn.execute(query)]


def set_text_decision(conn: Connection, decision: TextLineDecision) -> None:
    """Insert or replace the decision on one line of text (the latest counts; the audit log keeps all)."""
    replace_keep_decision(conn, review_text_lines, "line_id", decision)


def list_text_decisions(conn: Connection, request_id: str) -> list[TextLineDecision]:
    """The request's decisions on lines of text, by clip then line."""
    return keep_decisions(conn, review_text_lines, "line_id", request_id, TextLineDecision)


def _accepted(row: Any) -> AcceptedFace:
    boxes = {int(f): tuple(float(v) for v in b) for f, b in json.loads(row.boxes).items()}
    return AcceptedFace(
        row.id,
        row.request_id,
        row.clip_number,
        row.camera_id,
        row.clip_start_utc,
        row.first_frame,
        row.last_frame,
        boxes,  # type: ignore[arg-type]  # JSON column: per-frame boxes of four numbers
        row.reason,
        row.decided_by,
        row.decided_at,
    )
