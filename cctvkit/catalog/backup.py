"""Consistent copies of the catalog (recordings, holds, requests, audit log) while others write."""

from __future__ import annotations

import gzip
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.schema import metadata
from cctvkit.errors import ConfigError

__all__ = ["BackupResult", "backup_catalog"]


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    format: str  # sqlite | jsonl.gz
    tables: dict[str, int]


def backup_catalog(catalog: Catalog, dest: Path) -> BackupResult:
    """Write a consistent copy of the whole catalog to ``dest`` (which must not exist yet).

    SQLite uses its online backup API, so the copy is one consistent snapshot even while a purge or
    scan writes. PostgreSQL gets a logical export (one JSON object per row, gzip) taken in one
    REPEATABLE READ transaction; for routine server backups use ``pg_dump``.

    The caller provides an atomic temporary path (``files.atomic_path``) so that a crash never leaves
    a half-written file under the final name.

    Raises:
        ConfigError: the backend is not supported.
    """
    if catalog.dialect == "sqlite":
        src_path = catalog.sqlite_path
        if src_path is None:
            raise ConfigError("cannot back up an in-memory catalog")
        src = sqlite3.connect(src_path)
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            counts: dict[str, int] = {
                name: dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            dst.close()
            src.close()
        return BackupResult(dest, "sqlite", counts)
    if catalog.dialect == "postgresql":
        counts = {}
        with catalog.engine.connect() as conn, gzip.open(dest, "wt", encoding="utf-8") as out:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            for table in metadata.sorted_tables:
                counts[table.name] = 0
                for row in conn.execute(select(table)):
                    out.write(json.dumps({"table": table.name, "row": dict(row._mapping)}, default=str))
                    out.write("\n")
                    counts[table.name] += 1
        return BackupResult(dest, "jsonl.gz", counts)
    raise ConfigError(f"backup is not supported for {catalog.dialect}")
