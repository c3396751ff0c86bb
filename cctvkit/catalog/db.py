"""Opening the catalog database: engine set-up, SQLite durability pragmas, migrations."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from cctvkit.catalog.migrations import migrate, remember_roots
from cctvkit.catalog.paths import ROOTS_KEY
from cctvkit.errors import ConfigError, LockedError

__all__ = ["Catalog", "Connection", "inserted_id", "open_catalog"]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another before failing; purges and scans hold short transactions."""


class Catalog:
    """The catalog database. ``write()`` and ``read()`` give connections inside one transaction.

    With the site's ``archive_roots``, recording paths are stored relative to them and read back
    under wherever they are now (:mod:`cctvkit.catalog.paths`, issue 30); each connection
    carries the roots in its ``info``, so the named queries need no extra argument.
    """

    def __init__(self, engine: Engine, archive_roots: Sequence[Path] = ()) -> None:
        self.engine = engine
        self.archive_roots = tuple(Path(os.path.abspath(r)) for r in archive_roots)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        if self.dialect != "sqlite":
            return None
        db = self.engine.url.database
        return Path(db) if db and db != ":memory:" else None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits on success and rolls back on error.

        On SQLite it starts with ``BEGIN IMMEDIATE``: writers queue up front instead of failing
        with "database is locked" half-way, which keeps the audit chain strictly sequential.
        """
        try:
            with self.engine.begin() as conn:
                conn.info[ROOTS_KEY] = self.archive_roots
                yield conn
        except OperationalError as exc:
            if "locked" in str(exc).lower():
                raise LockedError("the catalog is busy (another cctvkit run is writing); try again") from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (a transaction that is rolled back at the end)."""
        with self.engine.connect() as conn:
            conn.info[ROOTS_KEY] = self.archive_roots
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite's default
        # emits BEGIN lazily and breaks BEGIN IMMEDIATE).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed deletion record survives power loss (issue 7: durability over speed).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def open_catalog(url: str, *, create_dirs: bool = True, archive_roots: Sequence[Path] = ()) -> Catalog:
    """Open (and migrate) the catalog at ``url``.

    A SQLite file is created private to the owner (its directory 0700, the files 0600).
    ``archive_roots`` (the site's): recording paths are stored relative to them, absolute ones
    under them are converted once (migration 11), and the roots are recorded in the catalog;
    without them the catalog uses the roots last recorded (none: paths stay absolute).

    Raises:
        ConfigError: the URL is malformed or the database cannot be opened.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"malformed database URL {url!r}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db_path = Path(parsed.database)
        if create_dirs:
            db_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not db_path.exists():
            # Create the file 0600 before SQLite does, so it is never briefly world-readable.
            fd = os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"cannot use database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    catalog = Catalog(engine, archive_roots)
    try:
        with catalog.write() as conn:
            if engine.dialect.name == "postgresql":
                # Serialise concurrent first-time migrations on a shared server.
                conn.execute(text("SELECT pg_advisory_xact_lock(7283001)"))
            migrate(conn)
            catalog.archive_roots = remember_roots(conn)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise ConfigError(
            f"cannot open catalog {parsed.render_as_string(hide_password=True)}: {str(exc).splitlines()[0]}"
        ) from exc
    return catalog


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT made (every catalog table has an integer one)."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])
