"""Named queries on approvals and their signatures (issue 19): record, read, use up once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.request_records import Approval
from cctvkit.catalog.schema import request_approval_signatures as sigs
from cctvkit.catalog.schema import request_approvals

__all__ = ["add_signed_approval", "approvals_of", "claim_approval"]


def add_signed_approval(
    conn: Connection,
    request_id: str,
    *,
    scope: str,
    approved_by: str,
    recorded_by: str,
    now: datetime,
    note: str | None,
    statement: str,
    signature: str,
    key_fingerprint: str,
) -> int:
    """Insert an approval and its signature; return the approval's id."""
    result = conn.execute(
        request_approvals.insert().values(
            request_id=request_id,
            scope=scope,
            approved_by=approved_by,
            recorded_by=recorded_by,
            approved_at=now,
            note=note,
        )
    )
    approval_id = inserted_id(result)
    conn.execute(
        sigs.insert().values(
            approval_id=approval_id,
            statement=statement,
            signature=signature,
            key_fingerprint=key_fingerprint,
        )
    )
    return approval_id


def approvals_of(conn: Connection, request_id: str) -> tuple[Approval, ...]:
    """A request's approvals in the order recorded, each with its signature if it has one."""
    a = request_approvals
    rows = conn.execute(
        select(a, sigs.c.statement, sigs.c.signature, sigs.c.key_fingerprint, sigs.c.release_id)
        .select_from(a.outerjoin(sigs, sigs.c.approval_id == a.c.id))
        .where(a.c.request_id == request_id)
        .order_by(a.c.id)
    )
    return tuple(
        Approval(
            r.scope,
            r.approved_by,
            r.recorded_by,
            r.approved_at,
            r.note,
            r.statement,
            r.signature,
            r.key_fingerprint,
            r.release_id,
        )
        for r in rows
    )


def claim_approval(conn: Connection, signature: str, release_id: str) -> bool:
    """Mark the approval with ``signature`` used by ``release_id``; False if it was used already.

    One conditional UPDATE, so two copies racing on one approval cannot both claim it.
    """
    result = conn.execute(
        sigs.update()
        .where(sigs.c.signature == signature, sigs.c.release_id.is_(None))
        .values(release_id=release_id)
    )
    return result.rowcount == 1
