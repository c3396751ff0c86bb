"""Catalog tables (SQLAlchemy Core). Declarations only: no I/O here."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from cctvkit.catalog.types import UTCDateTime

__all__ = [
    "RECORDING_STATES",
    "audit",
    "cameras",
    "hold_cameras",
    "holds",
    "leases",
    "metadata",
    "purge_journal",
    "recordings",
    "restrictions",
    "schema_version",
]

metadata = MetaData()

RECORDING_STATES = ("present", "missing", "quarantined", "purged")

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

cameras = Table(
    "cameras",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site", Text, nullable=False),
    Column("area", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("retention_justification", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

recordings = Table(
    "recordings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False, unique=True),
    Column("camera_id", String(64), ForeignKey("cameras.id"), nullable=True),
    Column("site", Text, nullable=True),
    Column("area", Text, nullable=True),
    Column("kind", String(16), nullable=False),  # video | still | unknown
    Column("start_utc", UTCDateTime, nullable=True),
    Column("end_utc", UTCDateTime, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("codec", String(32), nullable=True),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("fps", Float, nullable=True),
    Column("frame_count", Integer, nullable=True),
    Column("has_audio", Boolean, nullable=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("state_reason", Text, nullable=True),
    Column("indexed_at", UTCDateTime, nullable=False),
    Column("state_changed_at", UTCDateTime, nullable=False),
)
Index("ix_recordings_camera_start", recordings.c.camera_id, recordings.c.start_utc)
Index("ix_recordings_state_start", recordings.c.state, recordings.c.start_utc)
Index("ix_recordings_place_start", recordings.c.site, recordings.c.area, recordings.c.start_utc)

audit = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts_utc", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_kind", String(32), nullable=False),
    Column("object_id", Text, nullable=True),
    Column("camera_id", String(64), nullable=True),
    Column("details", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_action_ts", audit.c.action, audit.c.ts_utc)
Index("ix_audit_camera_ts", audit.c.camera_id, audit.c.ts_utc)

holds = Table(
    "holds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reason", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("placed_by", Text, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("place", Text, nullable=True),  # as the operator named it, for display
    Column("from_utc", UTCDateTime, nullable=False),  # footage time range covered
    Column("to_utc", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=True),  # the hold lapses by itself at this time
    Column("request_id", String(64), nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    Column("released_by", Text, nullable=True),
    Column("release_reason", Text, nullable=True),
)

hold_cameras = Table(
    "hold_cameras",
    metadata,
    Column("hold_id", Integer, ForeignKey("holds.id"), primary_key=True),
    Column("camera_id", String(64), ForeignKey("cameras.id"), primary_key=True),
)
Index("ix_hold_cameras_camera", hold_cameras.c.camera_id)

restrictions = Table(
    "restrictions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", Integer, ForeignKey("recordings.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("placed_by", Text, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("lifted_by", Text, nullable=True),
    Column("lift_reason", Text, nullable=True),
)
Index("ix_restrictions_recording", restrictions.c.recording_id)

purge_journal = Table(
    "purge_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("recording_id", Integer, ForeignKey("recordings.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("state", String(16), nullable=False),  # planned | deleting | purged | failed | cancelled
    Column("reason", Text, nullable=False),
    Column("error", Text, nullable=True),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_purge_journal_state", purge_journal.c.state)
Index("ix_purge_journal_recording", purge_journal.c.recording_id)

leases = Table(
    "leases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", Integer, ForeignKey("recordings.id"), nullable=False),
    Column("holder", Text, nullable=False),  # e.g. "request R-2026-0001 pid 1234"
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_leases_recording", leases.c.recording_id)
