"""The purge lock: one purge at a time, released by the kernel if the holder dies."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.locks import AdvisoryLock, LockContext
from cctvkit.config import SiteConfig
from cctvkit.errors import LockedError
from cctvkit.files import ensure_private_dir

__all__ = ["FileLock", "PurgeLock", "purge_lock"]

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


class FileLock(LockContext):
    """``flock`` on a file in the data directory: exclusive, non-blocking, gone when the process is.

    The file keeps the holder's pid and start time so a refused run can say who holds it; the file
    itself is never deleted (deleting lock files lets two runs lock two different inodes).
    """

    def __init__(self, path: Path, *, what: str = "purge") -> None:
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        ensure_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise LockedError(
                f"another {self.what} is running ({holder}; lock {self.path}); this run did nothing"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n".encode(), 0
        )
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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
    return FileLock(config.data_dir / LOCK_NAME)
