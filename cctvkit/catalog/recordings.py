"""Named queries on cameras and recordings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.paths import connection_roots, resolve_path, store_path, stored_prefixes
from cctvkit.catalog.records import Camera, Recording
from cctvkit.catalog.schema import cameras, recordings
from cctvkit.catalog.types import UTCDateTime
from cctvkit.states import FOOTAGE_STATES, SCANNED_STATES, RecordingState

__all__ = [
    "CameraStats",
    "camera_stats",
    "count_started_before",
    "find_moved_recording",
    "find_recording",
    "get_recording",
    "insert_recording",
    "list_cameras",
    "list_recordings",
    "mark_vanished",
    "recordings_by_path",
    "set_recording_state",
    "update_recording",
    "upsert_camera",
]


def _recording(row: Any, roots: Sequence[Path]) -> Recording:
    values = dict(row._mapping)
    values["path"] = resolve_path(values["path"], roots)
    return Recording(**values)


def upsert_camera(conn: Connection, camera: Camera, now: datetime) -> bool:
    """Insert or update a camera row from config; return True if anything changed."""
    values = {
        "site": camera.site,
        "area": camera.area,
        "timezone": camera.timezone,
        "retention_days": camera.retention_days,
        "retention_justification": camera.retention_justification,
    }
    row = conn.execute(select(cameras).where(cameras.c.id == camera.id)).first()
    if row is None:
        conn.execute(cameras.insert().values(id=camera.id, updated_at=now, **values))
        return True
    if {k: row._mapping[k] for k in values} == values:
        return False
    conn.execute(cameras.update().where(cameras.c.id == camera.id).values(updated_at=now, **values))
    return True


def list_cameras(conn: Connection) -> list[Camera]:
    rows = conn.execute(select(cameras).order_by(cameras.c.id))
    return [Camera(**{k: v for k, v in r._mapping.items() if k != "updated_at"}) for r in rows]


def recordings_by_path(conn: Connection, paths_under: Sequence[str] | None = None) -> dict[str, Recording]:
    """Every recording keyed by path (optionally only those under the given directory prefixes)."""
    roots = connection_roots(conn)
    query = select(recordings)
    if paths_under:
        prefixes = stored_prefixes(paths_under, roots)
        query = query.where(or_(*(recordings.c.path.startswith(p, autoescape=True) for p in prefixes)))
    found = (_recording(r, roots) for r in conn.execute(query))
    return {r.path: r for r in found}


def _stored(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    if "path" not in values:
        return values
    return {**values, "path": store_path(values["path"], connection_roots(conn))}


def insert_recording(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(recordings.insert().values(**_stored(conn, values)))
    return inserted_id(result)


def update_recording(
    conn: Connection, recording_id: int, values: dict[str, Any], *, expect_state: str | None = None
) -> bool:
    """Update a recording; with ``expect_state``, only if its state is still that one.

    A scan re-indexing a changed file passes the state it read at its start, so a purge that
    finished meanwhile (state ``purged``) is never overwritten by the scan's older view (issue 7).

    Returns:
        True if the row was updated.
    """
    query = recordings.update().where(recordings.c.id == recording_id)
    if expect_state is not None:
        query = query.where(recordings.c.state == expect_state)
    return bool(conn.execute(query.values(**_stored(conn, values))).rowcount)


def mark_vanished(conn: Connection, recording_ids: Iterable[int], reason: str, now: datetime) -> list[int]:
    """Mark ``missing`` those recordings still in a :data:`SCANNED_STATES` state; return their ids.

    The condition is evaluated by the database at update time, so a row a concurrent purge has
    just marked ``purged`` keeps that state even though the scan listed it from an older snapshot.
    """
    ids = list(recording_ids)
    out: list[int] = []
    for i in range(0, len(ids), 500):
        query = (
            recordings.update()
            .where(recordings.c.id.in_(ids[i : i + 500]), recordings.c.state.in_(SCANNED_STATES))
            .values(state=RecordingState.MISSING, state_reason=reason, state_changed_at=now)
            .returning(recordings.c.id)
        )
        out.extend(int(r) for r in conn.execute(query).scalars())
    return sorted(out)


def set_recording_state(
    conn: Connection, recording_ids: Iterable[int], state: str, reason: str | None, now: datetime
) -> None:
    ids = list(recording_ids)
    for i in range(0, len(ids), 500):
        conn.execute(
            recordings.update()
            .where(recordings.c.id.in_(ids[i : i + 500]))
            .values(state=state, state_reason=reason, state_changed_at=now)
        )


def get_recording(conn: Connection, recording_id: int) -> Recording | None:
    row = conn.execute(select(recordings).where(recordings.c.id == recording_id)).first()
    return _recording(row, connection_roots(conn)) if row else None


def find_recording(conn: Connection, path: str) -> Recording | None:
    """The recording of the file at ``path`` (stored relative to its root, or absolute)."""
    roots = connection_roots(conn)
    forms = {path, store_path(path, roots)}
    row = conn.execute(select(recordings).where(recordings.c.path.in_(forms))).first()
    return _recording(row, roots) if row else None


def find_moved_recording(conn: Connection, relative: str, sha256: str) -> Recording | None:
    """A recording stored by an absolute path outside every root, ending in ``/relative``, with this
    content: the same file in a site copied or restored elsewhere before its paths were relative."""
    roots = connection_roots(conn)
    query = select(recordings).where(
        recordings.c.sha256 == sha256,
        recordings.c.path.startswith("/"),
        recordings.c.path.endswith("/" + relative, autoescape=True),
    )
    for row in conn.execute(query):
        if store_path(row.path, roots) == row.path:  # not under a root of this site
            return _recording(row, roots)
    return None


def list_recordings(
    conn: Connection,
    *,
    camera_ids: Sequence[str] | None = None,
    site: str | None = None,
    area: str | None = None,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    states: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Recording]:
    """Recordings overlapping ``[start_utc, end_utc)``, ordered by camera then start time.

    A recording overlaps the window when it starts before the window ends and ends after the window
    starts (stills, with zero duration, when their instant lies inside the window).
    """
    query = select(recordings)
    conds: list[ColumnElement[bool]] = []
    if camera_ids:
        conds.append(recordings.c.camera_id.in_(list(camera_ids)))
    if site:
        conds.append(recordings.c.site == site)
    if area:
        conds.append(recordings.c.area == area)
    if end_utc is not None:
        conds.append(recordings.c.start_utc < end_utc)
    if start_utc is not None:
        conds.append(
            or_(
                recordings.c.end_utc > start_utc,
                and_(recordings.c.end_utc == recordings.c.start_utc, recordings.c.start_utc >= start_utc),
            )
        )
    if states:
        conds.append(recordings.c.state.in_(list(states)))
    if conds:
        query = query.where(and_(*conds))
    query = query.order_by(recordings.c.camera_id, recordings.c.start_utc, recordings.c.id)
    if limit:
        query = query.limit(limit)
    roots = connection_roots(conn)
    return [_recording(r, roots) for r in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class CameraStats:
    camera_id: str | None
    state: str
    count: int
    seconds: float
    bytes: int
    oldest_utc: datetime | None
    newest_utc: datetime | None


def camera_stats(conn: Connection) -> list[CameraStats]:
    """Per camera and state: count, seconds of footage, bytes, oldest and newest start."""
    query = (
        select(
            recordings.c.camera_id,
            recordings.c.state,
            func.count(),
            func.coalesce(func.sum(recordings.c.duration_s), 0.0),
            func.coalesce(func.sum(recordings.c.size_bytes), 0),
            func.min(recordings.c.start_utc),
            func.max(recordings.c.start_utc),
        )
        .group_by(recordings.c.camera_id, recordings.c.state)
        .order_by(recordings.c.camera_id, recordings.c.state)
    )
    out = []
    for cam, state, count, secs, size, oldest, newest in conn.execute(query):
        # func.min/max bypass the column type on SQLite: normalise to aware UTC here.
        out.append(CameraStats(cam, state, int(count), float(secs), int(size), _utc(oldest), _utc(newest)))
    return out


def count_started_before(conn: Connection, camera_id: str, cutoff_utc: datetime) -> int:
    """Present or damaged recordings of a camera that start before ``cutoff_utc`` (past retention)."""
    query = select(func.count()).where(
        recordings.c.camera_id == camera_id,
        recordings.c.state.in_(FOOTAGE_STATES),
        recordings.c.start_utc < cutoff_utc,
    )
    return int(conn.execute(query).scalar_one())


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]
