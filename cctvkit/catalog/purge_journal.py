"""Named queries on the purge journal: each deletion goes planned -> deleting -> purged (or cancelled)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from cctvkit.catalog.paths import connection_roots, resolve_path
from cctvkit.catalog.schema import purge_journal, recordings
from cctvkit.states import JOURNAL_STATES, OPEN_JOURNAL_STATES, JournalState

__all__ = [
    "JOURNAL_STATES",
    "OPEN_STATES",
    "JournalEntry",
    "RecordingFacts",
    "count_journal",
    "insert_journal",
    "journal_entries",
    "open_entries",
    "recording_facts",
    "recordings_in_deletion",
    "set_journal_state",
]

OPEN_STATES = OPEN_JOURNAL_STATES
"""States a killed run may leave behind; the next run finishes them first."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    run_id: str
    recording_id: int
    path: str
    sha256: str | None
    state: str
    reason: str
    error: str | None
    planned_at: datetime
    updated_at: datetime


def _entry(row: Any) -> JournalEntry:
    return JournalEntry(**row._mapping)


def insert_journal(conn: Connection, rows: Sequence[dict[str, Any]], batch: int = 5000) -> None:
    """Insert journal rows (dicts of the table's columns but ``id``), in batches of executemany."""
    for i in range(0, len(rows), batch):
        conn.execute(purge_journal.insert(), list(rows[i : i + batch]))


def journal_entries(
    conn: Connection,
    *,
    run_id: str | None = None,
    states: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[JournalEntry]:
    """Journal rows by id (optionally of one run and/or in some states)."""
    conds = []
    if run_id is not None:
        conds.append(purge_journal.c.run_id == run_id)
    if states:
        conds.append(purge_journal.c.state.in_(list(states)))
    query = select(purge_journal).order_by(purge_journal.c.id)
    if conds:
        query = query.where(and_(*conds))
    if limit:
        query = query.limit(limit)
    return [_entry(r) for r in conn.execute(query)]


def open_entries(
    conn: Connection, *, run_id: str | None = None, limit: int | None = None
) -> list[JournalEntry]:
    """Rows still planned or deleting (of one run, or left behind by any run)."""
    return journal_entries(conn, run_id=run_id, states=OPEN_STATES, limit=limit)


def set_journal_state(
    conn: Connection, entry_ids: Iterable[int], state: str, *, now: datetime, error: str | None = None
) -> None:
    if state not in JOURNAL_STATES:
        raise ValueError(f"unknown journal state {state!r}")
    ids = list(entry_ids)
    for i in range(0, len(ids), 500):
        conn.execute(
            purge_journal.update()
            .where(purge_journal.c.id.in_(ids[i : i + 500]))
            .values(state=state, error=error, updated_at=now)
        )


def recordings_in_deletion(conn: Connection, recording_ids: Iterable[int]) -> set[int]:
    """Those of ``recording_ids`` that an open journal row is deleting (a lease must not be granted)."""
    ids = list(recording_ids)
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        query = select(purge_journal.c.recording_id).where(
            purge_journal.c.recording_id.in_(ids[i : i + 500]), purge_journal.c.state == JournalState.DELETING
        )
        out.update(conn.execute(query).scalars())
    return out


def count_journal(conn: Connection, run_id: str) -> dict[str, int]:
    query = (
        select(purge_journal.c.state, func.count())
        .where(purge_journal.c.run_id == run_id)
        .group_by(purge_journal.c.state)
    )
    return {state: int(n) for state, n in conn.execute(query)}


@dataclass(frozen=True, slots=True)
class RecordingFacts:
    """What a purge re-checks about a recording right before deleting it."""

    recording_id: int
    camera_id: str | None
    path: str
    start_utc: datetime | None
    end_utc: datetime | None
    state: str


def recording_facts(conn: Connection, recording_ids: Iterable[int]) -> dict[int, RecordingFacts]:
    """Current facts of each recording (ids not in the catalog are absent from the result)."""
    ids = list(recording_ids)
    roots = connection_roots(conn)
    cols = (
        recordings.c.id,
        recordings.c.camera_id,
        recordings.c.path,
        recordings.c.start_utc,
        recordings.c.end_utc,
        recordings.c.state,
    )
    out: dict[int, RecordingFacts] = {}
    for i in range(0, len(ids), 500):
        query = select(*cols).where(recordings.c.id.in_(ids[i : i + 500]))
        for rid, camera, path, start, end, state in conn.execute(query):
            out[rid] = RecordingFacts(rid, camera, resolve_path(path, roots), start, end, state)
    return out
