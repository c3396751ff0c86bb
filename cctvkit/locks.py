"""A file lock: exclusive, non-blocking, released by the kernel if the holder dies."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.catalog.locks import LockContext
from cctvkit.errors import LockedError
from cctvkit.files import ensure_private_dir

__all__ = ["FileLock"]


class FileLock(LockContext):
    """``flock`` on a file: exclusive, non-blocking, gone when the process is.

    The file keeps the holder's pid and start time so a refused run can say who holds it; the file
    itself is never deleted (deleting lock files lets two runs lock two different inodes).
    """

    def __init__(self, path: Path, *, what: str) -> None:
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
