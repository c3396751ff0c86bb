"""Read the audit log: verify its hash chain end to end, list its records (`cctvkit audit`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cctvkit.audit import AuditProblem, verify_chain
from cctvkit.catalog.audit_store import iter_audit, last_audit, list_audit
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.records import AuditRecord, as_json

__all__ = ["ChainCheck", "audit_json", "check_audit_log", "list_audit_records"]


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of verifying the whole log.

    Attributes:
        records: records read.
        head_seq: the newest record's number (None: empty log).
        head_hash: its hash (anchor it elsewhere to detect truncation).
        problems: every break found (empty: the log verifies).
    """

    records: int
    head_seq: int | None
    head_hash: str | None
    problems: tuple[AuditProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_audit_log(catalog: Catalog) -> ChainCheck:
    """Verify every record's hash and link, reading the log once in ``seq`` order."""
    count = 0

    def counted(records: Iterator[AuditRecord]) -> Iterator[AuditRecord]:
        nonlocal count
        for record in records:
            count += 1
            yield record

    with catalog.read() as conn:
        problems = verify_chain(counted(iter_audit(conn)))
        head = last_audit(conn)
    return ChainCheck(count, head.seq if head else None, head.hash if head else None, tuple(problems))


def list_audit_records(
    catalog: Catalog,
    *,
    actions: Sequence[str] | None = None,
    camera_id: str | None = None,
    object_kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[AuditRecord]:
    """Audit records matching every filter given, oldest first."""
    with catalog.read() as conn:
        return list_audit(
            conn,
            actions=list(actions) if actions else None,
            camera_id=camera_id,
            object_kind=object_kind,
            since=since,
            until=until,
            limit=limit,
        )


def audit_json(record: AuditRecord) -> dict[str, Any]:
    """A record as plain JSON values, its details parsed."""
    return {**as_json(record), "details": json.loads(record.details)}
