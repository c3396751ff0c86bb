"""Named queries on request reviews: what each review saw of each clip (issue #13)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, select

from cctvkit.catalog.request_records import ReviewRecord
from cctvkit.catalog.schema import request_reviews

__all__ = ["insert_reviews", "latest_reviews"]


def insert_reviews(conn: Connection, records: Sequence[ReviewRecord]) -> None:
    """Record one review's clips (call inside the write transaction that logs the review)."""
    for record in records:
        conn.execute(
            request_reviews.insert().values(
                request_id=record.request_id,
                clip_number=record.clip_number,
                camera_id=record.camera_id,
                clip_key=record.clip_key,
                start_utc=record.start_utc,
                end_utc=record.end_utc,
                settings_sha256=record.settings_sha256,
                settings=record.settings,
                track_ids=json.dumps(list(record.track_ids)),
                reviewed_by=record.reviewed_by,
                reviewed_at=record.reviewed_at,
            )
        )


def latest_reviews(conn: Connection, request_id: str) -> dict[int, ReviewRecord]:
    """The most recent review of each clip number of ``request_id``."""
    rows = conn.execute(
        select(request_reviews)
        .where(request_reviews.c.request_id == request_id)
        .order_by(request_reviews.c.reviewed_at, request_reviews.c.id)
    ).mappings()
    out: dict[int, ReviewRecord] = {}
    for row in rows:
        out[row["clip_number"]] = ReviewRecord(
            row["request_id"],
            row["clip_number"],
            row["camera_id"],
            row["clip_key"],
            row["start_utc"],
            row["end_utc"],
            row["settings_sha256"],
            row["settings"],
            tuple(json.loads(row["track_ids"])),
            row["reviewed_by"],
            row["reviewed_at"],
        )
    return out
