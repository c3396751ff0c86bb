"""One background thread that handles items in order and hands its errors back to the producer."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["OrderedWorker"]

Item = TypeVar("Item")

_STOP = object()


class OrderedWorker(Generic[Item]):
    """Run ``handle`` on each :meth:`put` item, in order, on a daemon thread.

    The bounded queue makes a producer that runs ahead wait (frames are megabytes). After an
    item fails, the rest are drained unhandled, so the producer never blocks on a full queue;
    the error is raised by the next :meth:`put` or by :meth:`raise_error`.

    Args:
        handle: called with each item on the worker thread.
        capacity: items queued at most.
        name: the thread's name (shows in profilers and tracebacks).
    """

    def __init__(self, handle: Callable[[Item], None], *, capacity: int, name: str) -> None:
        self._handle = handle
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, capacity))
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, item: Item) -> None:
        """Queue ``item``; raise an earlier item's error instead, if any."""
        self.raise_error()
        self._queue.put(item)

    def raise_error(self) -> None:
        """Raise the first error an item raised on the worker thread, if any."""
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Handle what is queued, then end the thread (again: nothing). Errors are kept."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if self._error is not None:
                continue
            try:
                self._handle(item)  # type: ignore[arg-type]  # not the stop sentinel: checked above
            except BaseException as exc:  # handed to the producer's thread
                self._error = exc
