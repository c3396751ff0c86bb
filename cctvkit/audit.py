"""Append-only, hash-chained audit log (policy 7.1): every view, export, release, hold and purge."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cctvkit.catalog import audit_store
from cctvkit.catalog.records import AuditRecord
from cctvkit.os_account import current_identity

__all__ = [
    "GENESIS",
    "WHO",
    "AuditProblem",
    "Who",
    "canonical_details",
    "record_hash",
    "record_who",
    "verify_chain",
    "write_audit",
]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first record."""

WHO = "who"
"""Key of the details object naming the process's OS user, uid and any key used (issue 19).

It lives in ``details``, which the record hash already covers, so records written before it
existed and after verify with one and the same rule (no schema or hash change)."""


def canonical_details(details: dict[str, Any] | None) -> str:
    """Details as canonical JSON (sorted keys, no spaces) so the hash is reproducible."""
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(
    *,
    seq: int,
    ts_utc: datetime,
    actor: str,
    action: str,
    object_kind: str,
    object_id: str | None,
    camera_id: str | None,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 over every field and the previous record's hash: changing any of them breaks the chain."""
    payload = json.dumps(
        [
            seq,
            ts_utc.astimezone(UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            object_kind,
            object_id,
            camera_id,
            details,
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write_audit(
    conn: Any,
    *,
    actor: str,
    action: str,
    object_kind: str,
    object_id: str | int | None = None,
    camera_id: str | None = None,
    details: dict[str, Any] | None = None,
    key_fingerprint: str | None = None,
    now: datetime | None = None,
) -> AuditRecord:
    """Append one record in the caller's transaction, so the record and the change commit together.

    Beside ``actor`` (a name the caller chose), every record carries the OS user and uid of the
    process under ``details["who"]``, and the fingerprint of the signing key when one was used.

    Args:
        conn: a catalog write connection (``Catalog.write()``).
        actor: the operator (never empty).
        action: what happened, dotted (``hold.add``, ``purge.delete``, ``index.scan``...).
        object_kind: ``recording``, ``hold``, ``request``, ``release``...
        object_id: the object's id.
        camera_id: camera concerned, for filtering.
        details: anything else worth keeping (JSON-able); the key ``who`` is reserved.
        key_fingerprint: the signing key used for this action, if any.
        now: the time to record (tests pass a fixed one).
    """
    if not actor or not actor.strip():
        raise ValueError("audit records need a named actor")
    if details and WHO in details:
        raise ValueError(f"audit details key {WHO!r} is reserved for the OS identity")
    who = current_identity().to_dict()
    if key_fingerprint:
        who["key_fingerprint"] = key_fingerprint
    details = {**(details or {}), WHO: who}
    audit_store.lock_audit(conn)
    last = audit_store.last_audit(conn)
    seq = last.seq + 1 if last else 1
    prev = last.hash if last else GENESIS
    ts = (now or datetime.now(UTC)).astimezone(UTC)
    # The stored timestamp has microsecond precision; hash exactly what is stored.
    values = {
        "seq": seq,
        "ts_utc": ts,
        "actor": actor,
        "action": action,
        "object_kind": object_kind,
        "object_id": None if object_id is None else str(object_id),
        "camera_id": camera_id,
        "details": canonical_details(details),
        "prev_hash": prev,
    }
    values["hash"] = record_hash(**values)
    audit_store.insert_audit(conn, values)
    return AuditRecord(**values)


@dataclass(frozen=True, slots=True)
class Who:
    """The OS identity a record carries (all None for records written before issue 19)."""

    os_user: str | None
    uid: int | None
    key_fingerprint: str | None


def record_who(record: AuditRecord) -> Who:
    """The OS user, uid and key fingerprint stored in a record's details."""
    try:
        who = json.loads(record.details).get(WHO)
    except (ValueError, AttributeError):
        who = None
    if not isinstance(who, dict):
        return Who(None, None, None)
    uid = who.get("uid")
    return Who(who.get("os_user"), uid if isinstance(uid, int) else None, who.get("key_fingerprint"))


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """Where and how the chain breaks."""

    seq: int
    kind: str  # modified | deleted | inserted-or-reordered | bad-start
    message: str


def verify_chain(records: Iterable[AuditRecord]) -> list[AuditProblem]:
    """Check a log read in ``seq`` order; return every break found (empty: the log verifies).

    A modified record fails its own hash; a deleted one leaves a gap in ``seq`` and a ``prev_hash``
    that names a missing record; an inserted or moved one has a ``prev_hash`` that does not match its
    predecessor. Truncating the newest records cannot be seen from the log alone (anchor the last
    hash elsewhere, e.g. ``cctvkit audit head`` in an external system).
    """
    problems: list[AuditProblem] = []
    prev_hash = GENESIS
    prev_seq = 0
    for rec in records:
        expected = record_hash(
            seq=rec.seq,
            ts_utc=rec.ts_utc,
            actor=rec.actor,
            action=rec.action,
            object_kind=rec.object_kind,
            object_id=rec.object_id,
            camera_id=rec.camera_id,
            details=rec.details,
            prev_hash=rec.prev_hash,
        )
        if expected != rec.hash:
            problems.append(
                AuditProblem(rec.seq, "modified", f"record {rec.seq} was modified (hash mismatch)")
            )
        if rec.seq != prev_seq + 1:
            if rec.seq > prev_seq + 1:
                missing = f"{prev_seq + 1}" if rec.seq == prev_seq + 2 else f"{prev_seq + 1}-{rec.seq - 1}"
                problems.append(
                    AuditProblem(rec.seq, "deleted", f"record(s) {missing} deleted before record {rec.seq}")
                )
            else:
                problems.append(
                    AuditProblem(rec.seq, "inserted-or-reordered", f"record {rec.seq} is out of order")
                )
        elif rec.prev_hash != prev_hash:
            problems.append(
                AuditProblem(
                    rec.seq,
                    "inserted-or-reordered",
                    f"record {rec.seq} does not follow record {prev_seq} (inserted, reordered or "
                    "its predecessor was replaced)",
                )
            )
        prev_hash = rec.hash
        prev_seq = rec.seq
    return problems
