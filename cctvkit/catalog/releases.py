"""Named queries on release packages, their clips and stills, and the disclosure log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.exc import IntegrityError

from cctvkit.catalog.db import inserted_id
from cctvkit.catalog.request_records import Disclosure, Release, ReleaseClip
from cctvkit.catalog.schema import disclosures, recordings, release_clips, releases
from cctvkit.errors import ConflictError

__all__ = [
    "clip_speeds",
    "clip_speeds_by_size",
    "count_releases",
    "get_release",
    "insert_disclosure",
    "insert_release",
    "list_disclosures",
    "list_releases",
    "release_with_inputs",
    "still_times",
]


def count_releases(conn: Connection, request_id: str) -> int:
    query = select(func.count()).where(releases.c.request_id == request_id)
    return int(conn.execute(query).scalar_one())


def insert_release(conn: Connection, values: dict[str, Any], clips: Sequence[ReleaseClip]) -> None:
    """Insert a release row and its clips.

    Raises:
        ConflictError: a release with this id exists (another run recorded it first).
    """
    try:
        with conn.begin_nested():
            conn.execute(releases.insert().values(**values))
    except IntegrityError:
        raise ConflictError(f"release {values['id']} was recorded meanwhile by another run") from None
    for clip in clips:
        conn.execute(
            release_clips.insert().values(
                release_id=values["id"],
                name=clip.name,
                camera_id=clip.camera_id,
                window_seq=clip.window_seq,
                start_utc=clip.start_utc,
                end_utc=clip.end_utc,
                frame_count=clip.frame_count,
                sha256=clip.sha256,
                faces_masked=clip.faces_masked,
                tracks_kept=clip.tracks_kept,
                processing_s=clip.processing_s,
                faces_remaining=clip.faces_remaining,
                faces_accepted=clip.faces_accepted,
                kind=clip.kind,
                mode=None if clip.mode == "faces" else clip.mode,
                region_frames=clip.region_frames,
            )
        )


def _clips(conn: Connection, release_id: str) -> tuple[ReleaseClip, ...]:
    rows = conn.execute(
        select(release_clips).where(release_clips.c.release_id == release_id).order_by(release_clips.c.id)
    )
    return tuple(
        ReleaseClip(
            r.name,
            r.camera_id,
            r.window_seq,
            r.start_utc,
            r.end_utc,
            r.frame_count,
            r.sha256,
            r.faces_masked,
            r.tracks_kept,
            r.processing_s,
            r.faces_remaining,
            r.faces_accepted,
            r.kind or "clip",
            r.mode or "faces",
            r.region_frames,
        )
        for r in rows
    )


def release_with_inputs(conn: Connection, request_id: str, inputs_sha256: str) -> Release | None:
    """The request's first release made from exactly these inputs (issue 30), if any."""
    query = (
        select(releases)
        .where(releases.c.request_id == request_id, releases.c.inputs_sha256 == inputs_sha256)
        .order_by(releases.c.created_at, releases.c.id)
    )
    row = conn.execute(query).first()
    return None if row is None else Release(**row._mapping, clips=_clips(conn, row.id))


def list_releases(conn: Connection, request_id: str | None = None) -> list[Release]:
    """Releases (with their clips), oldest first, optionally of one request."""
    query = select(releases)
    if request_id is not None:
        query = query.where(releases.c.request_id == request_id)
    rows = conn.execute(query.order_by(releases.c.created_at, releases.c.id)).fetchall()
    return [Release(**r._mapping, clips=_clips(conn, r.id)) for r in rows]


def get_release(conn: Connection, release_id: str) -> Release | None:
    """One release (with its clips), or None."""
    row = conn.execute(select(releases).where(releases.c.id == release_id)).first()
    return Release(**row._mapping, clips=_clips(conn, row.id)) if row else None


_VIDEO_CLIP = or_(release_clips.c.kind.is_(None), release_clips.c.kind != "still")
"""Rows that are video clips: a still's one picture says nothing about frames per second."""


def still_times(conn: Connection, limit: int = 50) -> list[float]:
    """Seconds each of the most recent redacted stills took (detection, masking, the face check)."""
    query = (
        select(release_clips.c.processing_s)
        .join(releases, releases.c.id == release_clips.c.release_id)
        .where(
            releases.c.redacted.is_(True), release_clips.c.kind == "still", release_clips.c.processing_s > 0
        )
        .order_by(release_clips.c.id.desc())
        .limit(limit)
    )
    return [float(s) for s in conn.execute(query).scalars()]


def clip_speeds(conn: Connection, limit: int = 50) -> list[tuple[int, float]]:
    """``(frames, seconds)`` of the most recent redacted clips: the measured processing speed."""
    query = (
        select(release_clips.c.frame_count, release_clips.c.processing_s)
        .join(releases, releases.c.id == release_clips.c.release_id)
        .where(releases.c.redacted.is_(True), release_clips.c.processing_s > 0, _VIDEO_CLIP)
        .order_by(release_clips.c.id.desc())
        .limit(limit)
    )
    return [(int(f), float(s)) for f, s in conn.execute(query)]


def clip_speeds_by_size(
    conn: Connection, limit: int = 200
) -> list[tuple[int, float, int | None, int | None]]:
    """``(frames, seconds, width, height)`` of the most recent redacted clips.

    The size is the largest of the camera's video recordings the clip overlaps (release clips do
    not store it; the source rows stay in the catalog after a purge).
    """
    size = (
        select(recordings.c.width, recordings.c.height)
        .where(
            recordings.c.camera_id == release_clips.c.camera_id,
            recordings.c.kind == "video",
            recordings.c.start_utc < release_clips.c.end_utc,
            recordings.c.end_utc > release_clips.c.start_utc,
        )
        .order_by((recordings.c.width * recordings.c.height).desc())
        .limit(1)
    )
    query = (
        select(
            release_clips.c.frame_count,
            release_clips.c.processing_s,
            size.with_only_columns(recordings.c.width).scalar_subquery(),
            size.with_only_columns(recordings.c.height).scalar_subquery(),
        )
        .join(releases, releases.c.id == release_clips.c.release_id)
        .where(releases.c.redacted.is_(True), release_clips.c.processing_s > 0, _VIDEO_CLIP)
        .order_by(release_clips.c.id.desc())
        .limit(limit)
    )
    return [(int(f), float(s), w, h) for f, s, w, h in conn.execute(query)]


def insert_disclosure(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(disclosures.insert().values(**values))
    return inserted_id(result)


def list_disclosures(
    conn: Connection,
    *,
    request_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Disclosure]:
    """The disclosure log, oldest first."""
    query = select(disclosures)
    if request_id is not None:
        query = query.where(disclosures.c.request_id == request_id)
    if since is not None:
        query = query.where(disclosures.c.disclosed_at >= since)
    if until is not None:
        query = query.where(disclosures.c.disclosed_at < until)
    rows = conn.execute(query.order_by(disclosures.c.disclosed_at, disclosures.c.id))
    return [Disclosure(**r._mapping) for r in rows]
