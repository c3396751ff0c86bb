"""Named queries on leases: a recording in use (a clip being cut) that a purge must skip this run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, text

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.schema import leases

__all__ = [
    "Lease",
    "active_leases",
    "delete_expired_leases",
    "delete_leases",
    "insert_leases",
    "lock_retention_checks",
]


@dataclass(frozen=True, slots=True)
class Lease:
    id: int
    recording_id: int
    holder: str
    acquired_at: datetime
    expires_at: datetime


def lock_retention_checks(conn: Connection) -> None:
    """Serialise "check then act" on holds, leases and deletions within the caller's transaction.

    SQLite's BEGIN IMMEDIATE already does; on PostgreSQL (read committed) a purge marking files
    ``deleting`` and a request taking a lease could otherwise both see the other's absence.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7283003)"))


def insert_leases(
    conn: Connection, recording_ids: Sequence[int], *, holder: str, now: datetime, expires_at: datetime
) -> list[int]:
    out = []
    for rec in recording_ids:
        result = conn.execute(
            leases.insert().values(recording_id=rec, holder=holder, acquired_at=now, expires_at=expires_at)
        )
        out.append(inserted_id(result))
    return out


def delete_leases(conn: Connection, lease_ids: Iterable[int]) -> None:
    ids = list(lease_ids)
    for i in range(0, len(ids), 500):
        conn.execute(delete(leases).where(leases.c.id.in_(ids[i : i + 500])))


def delete_expired_leases(conn: Connection, now: datetime) -> int:
    return int(conn.execute(delete(leases).where(leases.c.expires_at <= now)).rowcount or 0)


def active_leases(conn: Connection, now: datetime, recording_ids: Iterable[int] | None = None) -> list[Lease]:
    """Unexpired leases (all, or on ``recording_ids``)."""
    base = select(leases).where(leases.c.expires_at > now)
    if recording_ids is None:
        return [_lease(r) for r in conn.execute(base.order_by(leases.c.id))]
    ids = list(recording_ids)
    out: list[Lease] = []
    for i in range(0, len(ids), 500):
        out.extend(_lease(r) for r in conn.execute(base.where(leases.c.recording_id.in_(ids[i : i + 500]))))
    return out


def _lease(row: Any) -> Lease:
    return Lease(**row._mapping)
