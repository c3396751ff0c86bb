"""Named queries that find recordings past their camera's cutoff, and what the rest of the archive holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, String, and_, func, not_, select, type_coerce

from cctvkit.catalog.paths import connection_roots, resolve_path
from cctvkit.catalog.schema import recordings
from cctvkit.states import FOOTAGE_STATES, RecordingState

__all__ = ["Candidate", "count_in_retention", "count_quarantined", "due_candidates"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A present recording whose start lies before its camera's cutoff."""

    recording_id: int
    camera_id: str
    path: str
    start_utc: datetime
    end_utc: datetime | None
    sha256: str | None
    size_bytes: int


# Times come back raw and are parsed by ``_utc``: at a million rows the generic column type's
# per-value conversion was a third of the planning time.
_COLUMNS = (
    recordings.c.id,
    recordings.c.camera_id,
    recordings.c.path,
    type_coerce(recordings.c.start_utc, String),
    type_coerce(recordings.c.end_utc, String),
    recordings.c.sha256,
    recordings.c.size_bytes,
)


def _utc(value: Any) -> datetime | None:
    """SQLite gives naive UTC text, PostgreSQL aware datetimes: both become aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _candidates(rows: Any, roots: Sequence[Path]) -> list[Candidate]:
    return [
        Candidate(rid, cam, resolve_path(path, roots), _utc(s), _utc(e), sha, size)
        for rid, cam, path, s, e, sha, size in rows
    ]


def due_candidates(
    conn: Connection, cutoffs: Mapping[str, datetime], ceiling_cutoff: datetime
) -> list[Candidate]:
    """Present (or damaged) recordings that start before their camera's cutoff, by camera then start time.

    Each configured camera is one range scan on ``ix_recordings_camera_start``. Recordings of
    cameras that are no longer configured fall back to the policy ceiling's cutoff, so removing a
    camera from the config never keeps its footage past 90 days.

    Args:
        conn: a catalog connection.
        cutoffs: ``{camera_id: cutoff_utc}`` for every configured camera.
        ceiling_cutoff: the cutoff of the policy ceiling, for all other cameras.
    """
    out: list[Candidate] = []
    for camera_id in sorted(cutoffs):
        query = (
            select(*_COLUMNS)
            .where(
                recordings.c.camera_id == camera_id,
                recordings.c.start_utc < cutoffs[camera_id],
                recordings.c.state.in_(FOOTAGE_STATES),
            )
            .order_by(recordings.c.start_utc, recordings.c.id)
        )
        out.extend(_candidates(conn.execute(query).all(), connection_roots(conn)))
    orphans = (
        select(*_COLUMNS)
        .where(
            recordings.c.state.in_(FOOTAGE_STATES),
            recordings.c.start_utc < ceiling_cutoff,
            recordings.c.camera_id.is_not(None),
            not_(recordings.c.camera_id.in_(sorted(cutoffs))),
        )
        .order_by(recordings.c.camera_id, recordings.c.start_utc, recordings.c.id)
    )
    out.extend(_candidates(conn.execute(orphans).all(), connection_roots(conn)))
    return out


def count_in_retention(conn: Connection, cutoffs: Mapping[str, datetime]) -> dict[str, int]:
    """Present recordings per configured camera that start at or after the cutoff (kept by the rule)."""
    out = {}
    for camera_id, cutoff in sorted(cutoffs.items()):
        query = select(func.count()).where(
            and_(
                recordings.c.camera_id == camera_id,
                recordings.c.start_utc >= cutoff,
                recordings.c.state.in_(FOOTAGE_STATES),
            )
        )
        out[camera_id] = int(conn.execute(query).scalar_one())
    return out


def count_quarantined(conn: Connection) -> int:
    """Quarantined files (time or camera unknown): purge never deletes them; someone must look."""
    query = select(func.count()).where(recordings.c.state == RecordingState.QUARANTINED)
    return int(conn.execute(query).scalar_one())
