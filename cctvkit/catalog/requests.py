"""Named queries on access requests: ids, windows, extensions, approvals, status changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from cctvkit.catalog.approvals import approvals_of
from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.request_records import Extension, Request, RequestWindow
from cctvkit.catalog.schema import (
    request_approvals,
    request_extensions,
    request_window_cameras,
    request_windows,
    requests,
)

__all__ = [
    "add_approval",
    "add_extension",
    "get_request",
    "insert_request",
    "insert_window",
    "last_request_number",
    "list_requests",
    "update_request",
]


def last_request_number(conn: Connection, prefix: str) -> int:
    """The highest number among ids ``{prefix}NNNN`` (0 if none); call inside the write transaction."""
    ids = conn.execute(select(requests.c.id).where(requests.c.id.startswith(prefix))).scalars()
    numbers = [int(i[len(prefix) :]) for i in ids if i[len(prefix) :].isdigit()]
    return max(numbers, default=0)


def insert_request(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(requests.insert().values(**values))


def insert_window(
    conn: Connection,
    request_id: str,
    *,
    seq: int,
    place: str,
    camera_ids: Sequence[str],
    start_utc: datetime,
    end_utc: datetime,
) -> None:
    result = conn.execute(
        request_windows.insert().values(
            request_id=request_id, seq=seq, place=place, start_utc=start_utc, end_utc=end_utc
        )
    )
    window_id = inserted_id(result)
    for camera_id in sorted(set(camera_ids)):
        conn.execute(request_window_cameras.insert().values(window_id=window_id, camera_id=camera_id))


def update_request(conn: Connection, request_id: str, values: dict[str, Any]) -> None:
    conn.execute(requests.update().where(requests.c.id == request_id).values(**values))


def add_extension(
    conn: Connection,
    request_id: str,
    *,
    months: int,
    reason: str,
    due_before: date,
    due_after: date,
    by: str,
    now: datetime,
) -> None:
    conn.execute(
        request_extensions.insert().values(
            request_id=request_id,
            months=months,
            reason=reason,
            due_before=due_before,
            due_after=due_after,
            extended_by=by,
            extended_at=now,
        )
    )
    update_request(conn, request_id, {"due_on": due_after})


def add_approval(
    conn: Connection,
    request_id: str,
    *,
    scope: str,
    approved_by: str,
    recorded_by: str,
    now: datetime,
    note: str | None,
) -> None:
    conn.execute(
        request_approvals.insert().values(
            request_id=request_id,
            scope=scope,
            approved_by=approved_by,
            recorded_by=recorded_by,
            approved_at=now,
            note=note,
        )
    )


def _windows(conn: Connection, request_id: str) -> tuple[RequestWindow, ...]:
    query = select(request_windows).where(request_windows.c.request_id == request_id)
    rows = conn.execute(query.order_by(request_windows.c.seq)).fetchall()
    out = []
    for row in rows:
        cams = conn.execute(
            select(request_window_cameras.c.camera_id)
            .where(request_window_cameras.c.window_id == row.id)
            .order_by(request_window_cameras.c.camera_id)
        ).scalars()
        out.append(RequestWindow(row.seq, row.place, tuple(cams), row.start_utc, row.end_utc))
    return tuple(out)


def _extensions(conn: Connection, request_id: str) -> tuple[Extension, ...]:
    rows = conn.execute(
        select(request_extensions)
        .where(request_extensions.c.request_id == request_id)
        .order_by(request_extensions.c.id)
    )
    return tuple(
        Extension(r.months, r.reason, r.due_before, r.due_after, r.extended_by, r.extended_at) for r in rows
    )


def _request(conn: Connection, row: Any) -> Request:
    return Request(
        **row._mapping,
        windows=_windows(conn, row.id),
        extensions=_extensions(conn, row.id),
        approvals=approvals_of(conn, row.id),
    )


def get_request(conn: Connection, request_id: str) -> Request | None:
    """The request with its windows, extensions and approvals, or None."""
    row = conn.execute(select(requests).where(requests.c.id == request_id)).first()
    return _request(conn, row) if row else None


def list_requests(
    conn: Connection,
    *,
    statuses: Sequence[str] | None = None,
    due_before: date | None = None,
    unanswered: bool = False,
) -> list[Request]:
    """Requests ordered by due date then id.

    Args:
        conn: a catalog connection.
        statuses: only these statuses (``open``, ``closed``).
        due_before: only those due strictly before this date.
        unanswered: only those with no outcome yet (no release and no refusal).
    """
    query = select(requests)
    if statuses:
        query = query.where(requests.c.status.in_(list(statuses)))
    if due_before is not None:
        query = query.where(requests.c.due_on < due_before)
    if unanswered:
        query = query.where(requests.c.outcome.is_(None))
    query = query.order_by(requests.c.due_on, requests.c.id)
    return [_request(conn, row) for row in conn.execute(query).fetchall()]
