"""Leases: a recording in use (a clip being cut) that a purge skips this run, and vice versa."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from cctvkit._fault import FaultPoints
from cctvkit.catalog import leases as lq
from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog.db import Catalog
from cctvkit.errors import ConflictError, NotFoundError
from cctvkit.states import FOOTAGE_STATES

__all__ = ["DEFAULT_LEASE", "lease_recordings", "leased", "release_leases"]

DEFAULT_LEASE = timedelta(hours=2)
"""Long enough to cut and redact a clip; a crashed holder's lease lapses by itself."""


def lease_recordings(
    catalog: Catalog,
    recording_ids: Sequence[int],
    *,
    holder: str,
    ttl: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
) -> list[int]:
    """Lease recordings so no purge deletes them while they are read; return the lease ids.

    Taken in one write transaction, which a purge's "mark deleting" step also is: either the
    purge sees the lease and skips the recording, or the lease sees the deletion and is refused.

    Raises:
        NotFoundError: a recording is not in the catalog.
        ConflictError: a recording is not present (purged, missing, quarantined) or being purged.
    """
    now = now or datetime.now(UTC)
    with catalog.write() as conn:
        lq.lock_retention_checks(conn)
        facts = jq.recording_facts(conn, recording_ids)
        unknown = [r for r in recording_ids if r not in facts]
        if unknown:
            raise NotFoundError(f"no recording(s) {', '.join(f'#{r}' for r in unknown)} in the catalog")
        gone = [r for r in recording_ids if facts[r].state not in FOOTAGE_STATES]
        if gone:
            raise ConflictError(
                "recording(s) not available: " + ", ".join(f"#{r} ({facts[r].state})" for r in gone)
            )
        busy = jq.recordings_in_deletion(conn, recording_ids)
        if busy:
            raise ConflictError(f"recording(s) being purged: {', '.join(f'#{r}' for r in sorted(busy))}")
        lq.delete_expired_leases(conn, now)
        ids = lq.insert_leases(conn, list(recording_ids), holder=holder, now=now, expires_at=now + ttl)
    FaultPoints.shared("release").reach("leased")
    return ids


def release_leases(catalog: Catalog, lease_ids: Sequence[int]) -> None:
    """Give leases back (unknown ids are ignored: an expired lease may already be gone)."""
    with catalog.write() as conn:
        lq.delete_leases(conn, lease_ids)


@contextmanager
def leased(
    catalog: Catalog, recording_ids: Sequence[int], *, holder: str, ttl: timedelta = DEFAULT_LEASE
) -> Iterator[list[int]]:
    """Hold leases on recordings for the duration of a ``with`` block."""
    ids = lease_recordings(catalog, recording_ids, holder=holder, ttl=ttl)
    try:
        yield ids
    finally:
        release_leases(catalog, ids)
