"""Restriction of processing (policy 13.2.2): a restricted recording is neither released nor exported.

A restriction does not extend retention: it stops release and export, not the 90-day ceiling of
12.5, so restricted footage is still purged when due. When the data subject needs the footage kept
for a legal claim (GDPR art. 18(1)(c)), the operator places a hold too, with the claim as reference.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from cctvkit.audit import write_audit
from cctvkit.catalog import recordings as rq
from cctvkit.catalog import restrictions as xq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.restrictions import Restriction
from cctvkit.errors import ConflictError, NotFoundError, PolicyError, UsageError
from cctvkit.states import RecordingState

__all__ = [
    "Restriction",
    "check_not_restricted",
    "lift_restriction",
    "list_restrictions",
    "restrict_recording",
    "restricted_recordings",
]

log = logging.getLogger(__name__)


def restrict_recording(
    catalog: Catalog, recording_id: int, *, actor: str, reason: str, now: datetime | None = None
) -> Restriction:
    """Restrict one recording (no release, no export) and audit it.

    Raises:
        UsageError: no reason given.
        NotFoundError: no such recording.
        ConflictError: the recording is already restricted, or already purged.
    """
    now = now or datetime.now(UTC)
    if not reason or not reason.strip():
        raise UsageError("a restriction needs a reason")
    with catalog.write() as conn:
        rec = rq.get_recording(conn, recording_id)
        if rec is None:
            raise NotFoundError(f"no recording #{recording_id} in the catalog")
        if rec.state == RecordingState.PURGED:
            raise ConflictError(f"recording #{recording_id} was purged; there is nothing left to restrict")
        existing = xq.active_restriction_for(conn, recording_id)
        if existing is not None:
            raise ConflictError(
                f"recording #{recording_id} is already restricted (restriction #{existing.id})"
            )
        rid = xq.insert_restriction(
            conn,
            {"recording_id": recording_id, "reason": reason.strip(), "placed_by": actor, "placed_at": now},
        )
        write_audit(
            conn,
            actor=actor,
            action="restriction.add",
            object_kind="recording",
            object_id=recording_id,
            camera_id=rec.camera_id,
            details={"restriction_id": rid, "reason": reason.strip(), "path": rec.path},
            now=now,
        )
        out = xq.get_restriction(conn, rid)
    assert out is not None
    log.info("restriction.add id=%d recording=%d by=%s", rid, recording_id, actor)
    return out


def lift_restriction(
    catalog: Catalog, restriction_id: int, *, actor: str, reason: str, now: datetime | None = None
) -> Restriction:
    """Lift a restriction (logged with who and why).

    Raises:
        UsageError: no reason given.
        NotFoundError: no such restriction.
        ConflictError: it was already lifted.
    """
    now = now or datetime.now(UTC)
    if not reason or not reason.strip():
        raise UsageError("lifting a restriction needs a reason")
    with catalog.write() as conn:
        res = xq.get_restriction(conn, restriction_id)
        if res is None:
            raise NotFoundError(f"no restriction #{restriction_id}")
        if not res.active:
            raise ConflictError(f"restriction #{restriction_id} was already lifted")
        xq.mark_restriction_lifted(conn, restriction_id, by=actor, reason=reason.strip(), now=now)
        rec = rq.get_recording(conn, res.recording_id)
        write_audit(
            conn,
            actor=actor,
            action="restriction.lift",
            object_kind="recording",
            object_id=res.recording_id,
            camera_id=rec.camera_id if rec else None,
            details={"restriction_id": restriction_id, "reason": reason.strip()},
            now=now,
        )
        out = xq.get_restriction(conn, restriction_id)
    assert out is not None
    log.info("restriction.lift id=%d recording=%d by=%s", restriction_id, res.recording_id, actor)
    return out


def list_restrictions(catalog: Catalog, *, include_lifted: bool = False) -> list[Restriction]:
    with catalog.read() as conn:
        return xq.list_restrictions(conn, include_lifted=include_lifted)


def restricted_recordings(catalog: Catalog, recording_ids: Iterable[int]) -> dict[int, int]:
    """``{recording_id: restriction_id}`` for those of ``recording_ids`` under an active restriction."""
    with catalog.read() as conn:
        return xq.restricted_ids(conn, recording_ids)


def check_not_restricted(catalog: Catalog, recording_ids: Iterable[int]) -> None:
    """Refuse a release or export that includes restricted footage (13.2.2).

    Raises:
        PolicyError: naming the restricted recordings and their restrictions.
    """
    found = restricted_recordings(catalog, recording_ids)
    if found:
        listed = ", ".join(f"#{rec} (restriction #{rid})" for rec, rid in sorted(found.items()))
        raise PolicyError(f"restricted recording(s) cannot be released or exported: {listed}")
