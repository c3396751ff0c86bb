"""Back up the catalog (recordings, holds, requests, audit log) to one private file, and audit it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cctvkit.audit import write_audit
from cctvkit.catalog.backup import backup_catalog
from cctvkit.catalog.db import Catalog
from cctvkit.errors import ConflictError
from cctvkit.files import atomic_path, sha256_file

__all__ = ["Backup", "back_up"]


@dataclass(frozen=True, slots=True)
class Backup:
    """A written backup.

    Attributes:
        path: the file.
        format: ``sqlite`` or ``jsonl.gz`` (PostgreSQL's logical export).
        sha256: the file's digest (also in the audit record).
        tables: rows copied per table.
    """

    path: Path
    format: str
    sha256: str
    tables: dict[str, int]


def back_up(catalog: Catalog, dest: Path, *, actor: str) -> Backup:
    """Write a consistent copy of the catalog to ``dest`` (atomically, mode 0600) and audit it.

    Safe while other commands run (see :func:`~cctvkit.catalog.backup.backup_catalog`).

    Raises:
        ConflictError: ``dest`` exists.
    """
    dest = Path(dest)
    if dest.exists():
        raise ConflictError(f"{dest} exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest, mode=0o600) as tmp:
        result = backup_catalog(catalog, tmp)
    digest = sha256_file(dest)
    with catalog.write() as conn:
        write_audit(
            conn,
            actor=actor,
            action="catalog.backup",
            object_kind="catalog",
            details={"path": str(dest.resolve()), "sha256": digest, "tables": result.tables},
        )
    return Backup(dest, result.format, digest, result.tables)
