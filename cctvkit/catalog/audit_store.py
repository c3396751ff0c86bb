"""Named queries on the audit table (append and read; the chain rules live in cctvkit.audit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, select, text

from cctvkit.catalog.records import AuditRecord
from cctvkit.catalog.schema import audit

__all__ = ["insert_audit", "iter_audit", "last_audit", "list_audit", "lock_audit"]


def lock_audit(conn: Connection) -> None:
    """Serialise appends. SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs a lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7283002)"))


def last_audit(conn: Connection) -> AuditRecord | None:
    row = conn.execute(select(audit).order_by(audit.c.seq.desc()).limit(1)).first()
    return AuditRecord(**row._mapping) if row else None


def insert_audit(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(audit.insert().values(**values))


def iter_audit(conn: Connection, batch: int = 5000) -> Iterator[AuditRecord]:
    """Every record in ``seq`` order, fetched in batches (the log can be long)."""
    after = None
    while True:
        query = select(audit).order_by(audit.c.seq).limit(batch)
        if after is not None:
            query = query.where(audit.c.seq > after)
        rows = conn.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            yield AuditRecord(**row._mapping)
        after = rows[-1].seq


def list_audit(
    conn: Connection,
    *,
    actions: list[str] | None = None,
    camera_id: str | None = None,
    object_kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[AuditRecord]:
    conds: list[ColumnElement[bool]] = []
    if actions:
        conds.append(audit.c.action.in_(actions))
    if camera_id:
        conds.append(audit.c.camera_id == camera_id)
    if object_kind:
        conds.append(audit.c.object_kind == object_kind)
    if since:
        conds.append(audit.c.ts_utc >= since)
    if until:
        conds.append(audit.c.ts_utc < until)
    query = select(audit)
    if conds:
        query = query.where(and_(*conds))
    query = query.order_by(audit.c.seq)
    if limit:
        query = query.limit(limit)
    return [AuditRecord(**r._mapping) for r in conn.execute(query)]
