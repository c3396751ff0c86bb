"""Named queries on holds: footage kept past retention while another purpose needs it (policy 12.5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.schema import hold_cameras, holds

__all__ = ["Hold", "active_holds", "get_hold", "insert_hold", "list_holds", "mark_hold_released"]


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold on the footage of some cameras over ``[from_utc, to_utc]``.

    It is active while not released and ``ends_at`` is unset or still in the future.
    """

    id: int
    reason: str
    reference: str
    placed_by: str
    placed_at: datetime
    place: str | None
    from_utc: datetime
    to_utc: datetime
    ends_at: datetime | None
    request_id: str | None
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None
    camera_ids: tuple[str, ...]

    def is_active(self, now: datetime) -> bool:
        """True while the hold keeps footage: not released and not past its end date."""
        if self.released_at is not None and self.released_at <= now:
            return False
        return self.ends_at is None or self.ends_at > now

    def covers(self, camera_id: str | None, start_utc: datetime, end_utc: datetime | None) -> bool:
        """True if the hold names the camera and its range overlaps ``[start_utc, end_utc]`` (closed)."""
        end = end_utc or start_utc
        return camera_id in self.camera_ids and start_utc <= self.to_utc and end >= self.from_utc


def _holds(conn: Connection, rows: Sequence[Any]) -> list[Hold]:
    ids = [r.id for r in rows]
    cams: dict[int, list[str]] = {i: [] for i in ids}
    for i in range(0, len(ids), 500):
        query = (
            select(hold_cameras.c.hold_id, hold_cameras.c.camera_id)
            .where(hold_cameras.c.hold_id.in_(ids[i : i + 500]))
            .order_by(hold_cameras.c.camera_id)
        )
        for hold_id, camera_id in conn.execute(query):
            cams[hold_id].append(camera_id)
    return [Hold(**r._mapping, camera_ids=tuple(cams[r.id])) for r in rows]


def insert_hold(conn: Connection, values: dict[str, Any], camera_ids: Sequence[str]) -> int:
    """Insert a hold and the cameras it covers; return its id."""
    hold_id = inserted_id(conn.execute(holds.insert().values(**values)))
    conn.execute(
        hold_cameras.insert(), [{"hold_id": hold_id, "camera_id": c} for c in sorted(set(camera_ids))]
    )
    return hold_id


def get_hold(conn: Connection, hold_id: int) -> Hold | None:
    row = conn.execute(select(holds).where(holds.c.id == hold_id)).first()
    return _holds(conn, [row])[0] if row else None


def list_holds(conn: Connection, *, request_id: str | None = None) -> list[Hold]:
    """Every hold (optionally only those placed for one request), oldest first."""
    query = select(holds).order_by(holds.c.id)
    if request_id is not None:
        query = query.where(holds.c.request_id == request_id)
    return _holds(conn, conn.execute(query).fetchall())


def active_holds(conn: Connection, now: datetime) -> list[Hold]:
    """Holds that keep footage at ``now`` (not released, no end date or one in the future)."""
    query = (
        select(holds)
        .where(
            and_(
                or_(holds.c.released_at.is_(None), holds.c.released_at > now),
                or_(holds.c.ends_at.is_(None), holds.c.ends_at > now),
            )
        )
        .order_by(holds.c.id)
    )
    return _holds(conn, conn.execute(query).fetchall())


def mark_hold_released(conn: Connection, hold_id: int, *, by: str, reason: str, now: datetime) -> None:
    conn.execute(
        holds.update()
        .where(holds.c.id == hold_id)
        .values(released_at=now, released_by=by, release_reason=reason)
    )
