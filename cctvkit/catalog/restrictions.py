"""Named queries on restrictions: recordings that must not be released or exported (policy 13.2.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.schema import restrictions

__all__ = [
    "Restriction",
    "active_restriction_for",
    "get_restriction",
    "insert_restriction",
    "list_restrictions",
    "mark_restriction_lifted",
    "restricted_ids",
]


@dataclass(frozen=True, slots=True)
class Restriction:
    """A restriction on one recording; active until lifted."""

    id: int
    recording_id: int
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None


def _restriction(row: Any) -> Restriction:
    return Restriction(**row._mapping)


def insert_restriction(conn: Connection, values: dict[str, Any]) -> int:
    return inserted_id(conn.execute(restrictions.insert().values(**values)))


def get_restriction(conn: Connection, restriction_id: int) -> Restriction | None:
    row = conn.execute(select(restrictions).where(restrictions.c.id == restriction_id)).first()
    return _restriction(row) if row else None


def active_restriction_for(conn: Connection, recording_id: int) -> Restriction | None:
    query = select(restrictions).where(
        restrictions.c.recording_id == recording_id, restrictions.c.lifted_at.is_(None)
    )
    row = conn.execute(query.order_by(restrictions.c.id).limit(1)).first()
    return _restriction(row) if row else None


def list_restrictions(conn: Connection, *, include_lifted: bool = False) -> list[Restriction]:
    query = select(restrictions).order_by(restrictions.c.id)
    if not include_lifted:
        query = query.where(restrictions.c.lifted_at.is_(None))
    return [_restriction(r) for r in conn.execute(query)]


def restricted_ids(conn: Connection, recording_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Active restrictions as ``{recording_id: restriction_id}`` (all, or among ``recording_ids``)."""
    base = select(restrictions.c.recording_id, restrictions.c.id).where(restrictions.c.lifted_at.is_(None))
    if recording_ids is None:
        return {rec: rid for rec, rid in conn.execute(base)}
    ids = list(recording_ids)
    out: dict[int, int] = {}
    for i in range(0, len(ids), 500):
        out.update(
            {
                rec: rid
                for rec, rid in conn.execute(base.where(restrictions.c.recording_id.in_(ids[i : i + 500])))
            }
        )
    return out


def mark_restriction_lifted(
    conn: Connection, restriction_id: int, *, by: str, reason: str, now: datetime
) -> None:
    conn.execute(
        restrictions.update()
        .where(restrictions.c.id == restriction_id)
        .values(lifted_at=now, lifted_by=by, lift_reason=reason)
    )
