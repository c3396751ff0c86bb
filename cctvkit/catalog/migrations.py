"""Versioned schema migrations: each step runs once, in order, recorded in ``schema_version``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, inspect, select, text

from cctvkit.catalog import schema
from cctvkit.catalog.paths import connection_roots, store_path
from cctvkit.errors import ConfigError

__all__ = ["MIGRATIONS", "Migration", "migrate", "remember_roots"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step. ``upgrade`` must only create or add, never drop data.

    ``needs_roots``: the step rewrites recording paths and waits for a catalog opened with the
    site's archive roots (a library caller without them leaves it for the next such opening).
    """

    version: int
    description: str
    upgrade: Callable[[Connection], None]
    needs_roots: bool = False


def _relative_paths(conn: Connection) -> None:
    """Store every recording path under an archive root relative to it (issue 30).

    Purge journal entries keep the absolute path they were planned with: one planned before a
    move no longer matches its recording and is refused, never carried out on another file.
    """
    schema.archive_roots.create(conn, checkfirst=True)
    roots = connection_roots(conn)
    rows = conn.execute(select(schema.recordings.c.id, schema.recordings.c.path)).all()
    for rid, path in rows:
        stored = store_path(path, roots)
        if stored != path:
            conn.execute(schema.recordings.update().where(schema.recordings.c.id == rid).values(path=stored))


def _create(*tables: str) -> Callable[[Connection], None]:
    """A step that creates the named tables (with their indexes) as ``schema`` declares them."""

    def upgrade(conn: Connection) -> None:
        for name in tables:
            schema.metadata.tables[name].create(conn, checkfirst=True)

    return upgrade


def _column(table: str, name: str) -> Callable[[Connection], None]:
    """A step that adds one nullable column declared in ``schema`` (skipped where the table has it)."""

    def upgrade(conn: Connection) -> None:
        if name in {c["name"] for c in inspect(conn).get_columns(table)}:
            return
        column = schema.metadata.tables[table].c[name]
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    return upgrade


def _index(name: str) -> Callable[[Connection], None]:
    """A step that adds one index declared in ``schema`` (skipped where the table was born with it)."""

    def upgrade(conn: Connection) -> None:
        for table in schema.metadata.tables.values():
            for index in table.indexes:
                if index.name == name:
                    index.create(conn, checkfirst=True)
                    return
        raise LookupError(f"no index {name!r} in the schema")

    return upgrade


def _columns(table: str, *names: str) -> Callable[[Connection], None]:
    """A step that adds nullable columns declared in ``schema`` (skipped where the table has them)."""

    def upgrade(conn: Connection) -> None:
        present = {c["name"] for c in inspect(conn).get_columns(table)}
        # By the name in the database, not the column's key in ``schema`` (they can differ).
        declared = {c.name: c for c in schema.metadata.tables[table].c}
        for name in names:
            if name not in present:
                column_type = declared[name].type.compile(dialect=conn.dialect)
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {column_type}"))

    return upgrade


MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "cameras, recordings, hash-chained audit, holds, restrictions, purge journal, leases",
        _create(
            "cameras",
            "recordings",
            "audit",
            "holds",
            "hold_cameras",
            "restrictions",
            "purge_journal",
            "leases",
        ),
    ),
    Migration(
        2,
        "access requests, their windows, extensions and approvals; releases, clips, disclosure log",
        _create(
            "requests",
            "request_windows",
            "request_window_cameras",
            "request_extensions",
            "request_approvals",
            "releases",
            "release_clips",
            "disclosures",
        ),
    ),
    Migration(
        3, "index for purge planning (camera, state, start)", _index("ix_recordings_camera_state_start")
    ),
    # Versions are reserved per issue and may leave gaps: `migrate` applies whatever is missing.
    Migration(
        4, "recordings.note: name vs container disagreements (issue 14)", _column("recordings", "note")
    ),
    Migration(5, "signed approvals of unredacted copies (issue 19)", _create("request_approval_signatures")),
    Migration(
        6, "what each request review saw: clip, redaction settings, track ids", _create("request_reviews")
    ),
    Migration(
        7,
        "review decisions: kept tracks and manual masks per request clip",
        _create("review_tracks", "review_masks"),
    ),
    Migration(
        9,
        "release audit per clip: faces remaining and the reason they were accepted",
        _columns("release_clips", "audit_remaining", "audit_accepted"),
    ),
    Migration(
        10, "release_clips.kind: released stills beside clips (issue 18)", _column("release_clips", "kind")
    ),
    Migration(
        11,
        "recordings.path relative to its archive root: a site can be moved, copied, restored (issue 30)",
        _relative_paths,
        needs_roots=True,
    ),
    Migration(
        12,
        "releases.inputs_sha256 and repeat_reason: one release per footage and decisions (issue 30)",
        _columns("releases", "inputs_sha256", "repeat_reason"),
    ),
    Migration(
        13,
        "release_clips.mode and region_frames: requester-only releases (issue 26)",
        _columns("release_clips", "mode", "region_frames"),
    ),
    Migration(
        14,
        "review_masks.kind: the requester's region drawn on the review page (issue 26)",
        _column("review_masks", "kind"),
    ),
    Migration(
        15,
        "review decisions on face-check findings and text lines (issues 25, 29)",
        _create("review_findings", "review_text_lines"),
    ),
]


def remember_roots(conn: Connection) -> tuple[Path, ...]:
    """Record the connection's archive roots in the catalog, or read back the last recorded ones.

    A catalog opened with the site's roots (every command) records them; one opened without
    (a library caller, a test) uses them, so relative paths resolve either way.
    """
    if "archive_roots" not in table_names(conn):
        return connection_roots(conn)
    roots = connection_roots(conn)
    table = schema.archive_roots
    if not roots:
        rows = conn.execute(select(table.c.path).order_by(table.c.position)).scalars()
        return tuple(Path(p) for p in rows)
    recorded = list(conn.execute(select(table.c.path).order_by(table.c.position)).scalars())
    if recorded != [str(r) for r in roots]:
        conn.execute(table.delete())
        conn.execute(table.insert(), [{"position": i, "path": str(r)} for i, r in enumerate(roots)])
    return roots


def _has_recordings(conn: Connection) -> bool:
    if "recordings" not in table_names(conn):
        return False
    return conn.execute(select(schema.recordings.c.id).limit(1)).first() is not None


def migrate(conn: Connection) -> int:
    """Bring the schema to the newest version; return the version reached.

    Raises:
        ConfigError: the database is newer than this cctvkit knows.
    """
    schema.schema_version.create(conn, checkfirst=True)
    applied = set(conn.execute(select(schema.schema_version.c.version)).scalars())
    newest = max(m.version for m in MIGRATIONS)
    if applied and max(applied) > newest:
        raise ConfigError(
            f"catalog schema version {max(applied)} is newer than this cctvkit supports ({newest})"
        )
    for step in MIGRATIONS:
        if step.version in applied:
            continue
        if step.needs_roots and not connection_roots(conn) and _has_recordings(conn):
            continue  # applied by the next opening with the site's roots
        step.upgrade(conn)
        conn.execute(
            schema.schema_version.insert().values(
                version=step.version, description=step.description, applied_at=datetime.now(UTC)
            )
        )
    return newest


def table_names(conn: Connection) -> set[str]:
    """Tables present in the database (for tests and diagnostics)."""
    return set(inspect(conn).get_table_names())
