"""The purge lock: one purge at a time, released by the kernel if the holder dies."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.locks import AdvisoryLock
from cctvkit.config import SiteConfig
from cctvkit.locks import FileLock

__all__ = ["PurgeLock", "purge_lock"]

LOCK_NAME = "purge.lock"


class PurgeLock(Protocol):
    """What a purge needs from a lock. A PostgreSQL advisory lock can implement it (issue #8)."""

    def acquire(self) -> None:
        """Take the lock without waiting.

        Raises:
            LockedError: another run holds it.
        """

    def release(self) -> None:
        """Give the lock back (idempotent)."""

    def __enter__(self) -> PurgeLock: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


PURGE_ADVISORY_KEY = 7283100
"""PostgreSQL advisory lock key of the purge (any constant that no other lock of ours uses)."""


def purge_lock(config: SiteConfig, catalog: Catalog | None = None) -> PurgeLock:
    """The lock purges of this site share.

    With a PostgreSQL catalog several hosts may share one catalog, so the lock is a database
    advisory lock (issue #8); with SQLite the catalog is a local file and a file lock beside it in the
    data directory excludes every other purge.
    """
    if catalog is not None and catalog.dialect == "postgresql":
        return AdvisoryLock(catalog, PURGE_ADVISORY_KEY)
    return FileLock(config.data_dir / LOCK_NAME, what="purge")
