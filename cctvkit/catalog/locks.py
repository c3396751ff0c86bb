"""Database-wide advisory locks (PostgreSQL): exclusion across every host sharing one catalog."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, text

from cctvkit.catalog.db import Catalog
from cctvkit.errors import LockedError

__all__ = ["AdvisoryLock", "LockContext"]


class LockContext:
    """``with lock:`` for any lock that has ``acquire()`` and ``release()``."""

    def acquire(self) -> None:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class AdvisoryLock(LockContext):
    """``pg_try_advisory_lock`` held on a dedicated session for as long as the lock is held.

    The server drops a session's advisory locks when its connection ends, so a holder killed with
    SIGKILL (or a host that vanishes) frees the lock once the server notices the closed connection.
    """

    def __init__(self, catalog: Catalog, key: int, *, what: str = "purge") -> None:
        if catalog.dialect != "postgresql":
            raise ValueError("advisory locks need a PostgreSQL catalog")
        self.catalog = catalog
        self.key = key
        self.what = what
        self._conn: Connection | None = None

    def acquire(self) -> None:
        if self._conn is not None:
            return
        conn = self.catalog.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar_one()
            conn.commit()  # the lock is session-level: it outlives this transaction
            if not got:
                holder = conn.execute(
                    text(
                        "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted LIMIT 1"
                    ),
                    {"k": self.key},
                ).first()
                who = (
                    f"server pid {holder.pid} from {holder.client_addr or 'local socket'} "
                    f"since {holder.backend_start:%Y-%m-%d %H:%M:%S}"
                    if holder
                    else "another session"
                )
                raise LockedError(f"another {self.what} is running ({who}); this run did nothing")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
        finally:
            self._conn.close()
            self._conn = None
