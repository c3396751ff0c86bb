"""A throw-away PostgreSQL server for the tests: initdb in a temp dir, loopback only, trust auth.

Used when Debian's (or any) PostgreSQL binaries are installed. Outside CI a missing server makes the
PostgreSQL variants skip with the reason; under CI (``CI=true``) it is an error, because CI installs
the server (see .ci/run).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

__all__ = ["PgServer", "find_pg_bin"]


def find_pg_bin() -> Path | None:
    """The bin directory holding initdb and pg_ctl, newest version first."""
    if shutil.which("initdb") and shutil.which("pg_ctl"):
        return Path(shutil.which("initdb")).parent  # type: ignore[arg-type]
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for cand in reversed(candidates):
        if (Path(cand) / "initdb").exists():
            return Path(cand)
    return None


_TMPFS = Path("/dev/shm")
_TMPFS_NEEDED = 1 << 30
"""Free bytes /dev/shm must have to hold the cluster (initdb ~40 MB, each live database ~7.5 MB; a
container's default 64 MB /dev/shm does not qualify)."""


def _data_parent() -> str | None:
    """Where the cluster lives: memory when there is room, else the temp dir.

    Each test's database is ~7.5 MB of files copied and deleted; on a disk mounted with ``discard``
    (this machine's ext4) deleting 190 of them took 119 s at the end of a run (issue 24's note).
    """
    try:
        if shutil.disk_usage(_TMPFS).free >= _TMPFS_NEEDED and os.access(_TMPFS, os.W_OK):
            return str(_TMPFS)
    except OSError:
        pass
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """Start with :meth:`start`, stop with :meth:`stop`; :meth:`new_database` gives a fresh URL."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="cctvkit-pg-", dir=_data_parent()))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root
        self._template: str | None = None

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} -c fsync=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(statement)

    def _migrated_template(self) -> str:
        """A database the catalog's migrations have run on once, copied for each test.

        Migrating a fresh PostgreSQL catalog takes ~0.7 s (14 steps, each DDL plus a look at the
        tables); copying a migrated one ~0.06 s, and 190 tests use one each.
        """
        if self._template is None:
            from cctvkit.catalog.db import open_catalog

            name = "t_migrated_template"
            self._sql(f'CREATE DATABASE "{name}"')
            open_catalog(self.url(name)).dispose()
            self._template = name
        return self._template

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database: the catalog's current schema already in it, or empty (``migrated=False``)."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        template = self._migrated_template() if migrated else "template1"
        # FILE_COPY: for small databases 2x faster than PostgreSQL 15's default WAL_LOG (fsync is off).
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database :meth:`new_database` made (connections a test left open are ended)."""
        name = url.rsplit("/", 1)[1]
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
