"""What the coordinator says while it waits for chunks: one line per chunk event, one at least every
``report_interval_s`` while nothing changes, and the chunk that runs far longer than the others.

Lines go to the ``cctvkit.jobs.progress`` logger, each record carrying the :class:`JobsSnapshot`
as ``record.chunks``: the CLI shows them as a progress bar on a terminal and as log lines off one
(cron, a systemd unit, a log file), so a stuck run and a slow one can be told apart (issue 30).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cctvkit.jobs.chunk import JobState
from cctvkit.jobs.worker_id import describe_worker

__all__ = ["SLOW_FACTOR", "SLOW_MIN_S", "ChunkView", "JobsSnapshot", "ProgressReporter", "snapshot"]

log = logging.getLogger(__name__)

SLOW_FACTOR = 3.0
"""A running chunk is named as slow once it has run this many times the finished chunks' median."""

SLOW_MIN_S = 30.0
"""...and at least this long (short chunks vary a lot in relative terms)."""


@dataclass(frozen=True, slots=True)
class ChunkView:
    """One chunk as the coordinator sees it.

    Attributes:
        index: 0-based position among the jobs watched.
        state: ``done``, ``running``, ``waiting`` (queued, retrying, or its worker gone) or ``failed``.
        worker: who runs it or ran it (``w1@host pid 42``); None when nobody has it.
        seconds: running: since its claim was taken; done: what its attempt took; else None.
        attempts: its attempt count (done) or the attempt now running (0: not started).
    """

    index: int
    state: str
    worker: str | None
    seconds: float | None
    attempts: int


@dataclass(frozen=True, slots=True)
class JobsSnapshot:
    """All chunks of one wait, with frames done.

    Attributes:
        workers: the Celery workers of the queue that answered at the coordinator's last look
            (an empty tuple: none answered); None where nobody asked (a local pool).
    """

    label: str
    chunks: tuple[ChunkView, ...]
    frames_done: int
    total_frames: int
    workers: tuple[str, ...] | None = None

    def count(self, state: str) -> int:
        return sum(1 for c in self.chunks if c.state == state)

    def slow(self) -> list[ChunkView]:
        """Running chunks far longer than the finished ones took (see :data:`SLOW_FACTOR`)."""
        took = [c.seconds for c in self.chunks if c.state == "done" and c.seconds is not None]
        if not took:
            return []
        limit = max(SLOW_FACTOR * statistics.median(took), SLOW_MIN_S)
        return [c for c in self.chunks if c.state == "running" and (c.seconds or 0.0) > limit]

    def short(self) -> str:
        """``2/6 chunks done, 2 running (w1@vm, w2@vm), 2 waiting`` for a progress bar."""
        running = [c for c in self.chunks if c.state == "running"]
        names = sorted({(c.worker or "?").split(" pid ")[0] for c in running})
        text = f"{self.count('done')}/{len(self.chunks)} chunks done, {len(running)} running"
        if names:
            text += f" ({', '.join(names)})"
        return text + f", {self.count('waiting')} waiting"

    def summary(self) -> str:
        """The whole picture for a log line: counts, who runs what for how long, frames, slow ones."""
        parts = [self.short()]
        running = [c for c in self.chunks if c.state == "running"]
        if running:
            parts.append(
                "running: "
                + ", ".join(f"chunk {c.index + 1} on {c.worker} for {c.seconds or 0:.0f} s" for c in running)
            )
        if self.total_frames:
            parts.append(f"{self.frames_done}/{self.total_frames} frames")
        if self.workers is not None and not running and self.count("waiting"):
            parts.append(f"workers: {', '.join(self.workers)}" if self.workers else "no worker answers")
        took = [c.seconds for c in self.chunks if c.state == "done" and c.seconds is not None]
        for c in self.slow():
            parts.append(
                f"chunk {c.index + 1} on {c.worker} is slow: {c.seconds or 0:.0f} s so far, "
                f"finished chunks took {statistics.median(took):.0f} s"
            )
        return "; ".join(parts)


def snapshot(
    label: str,
    states: Sequence[JobState],
    total_frames: int,
    *,
    workers: Sequence[str] | None = None,
    wall_now: float | None = None,
) -> JobsSnapshot:
    """The snapshot of one wait's chunks, ``states`` in chunk order (wall clock: claims record
    when they were taken)."""
    wall_now = time.time() if wall_now is None else wall_now
    views = []
    for index, state in enumerate(states):
        if state.done:
            views.append(
                ChunkView(
                    index,
                    "done",
                    describe_worker(state.done),
                    float(state.done.get("elapsed_s", 0.0)),
                    int(state.done.get("attempts", 1)),
                )
            )
        elif state.failed:
            views.append(ChunkView(index, "failed", None, None, int(state.failed.get("attempts", 0))))
        elif state.running and state.claim:
            started = state.claim.get("started")
            seconds = max(0.0, wall_now - float(started)) if started is not None else None
            views.append(ChunkView(index, "running", describe_worker(state.claim), seconds, 0))
        elif state.running:
            views.append(ChunkView(index, "running", "?", None, 0))
        else:
            views.append(ChunkView(index, "waiting", None, None, 0))
    return JobsSnapshot(
        label,
        tuple(views),
        sum(s.frames_done for s in states),
        total_frames,
        None if workers is None else tuple(workers),
    )


class ProgressReporter:
    """Turns successive snapshots into lines: chunk events, and a heartbeat when nothing changes.

    Args:
        interval_s: the longest silence while waiting (``[jobs] report_interval_s``).
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, interval_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last: JobsSnapshot | None = None
        self._said_at: float | None = None
        self._slow_named: set[int] = set()

    def update(self, current: JobsSnapshot) -> list[str]:
        """Log (and return) the lines ``current`` calls for."""
        now = self._clock()
        lines = [*self._events(current), *self._slow(current)]
        if self._said_at is None:
            lines.insert(0, f"{current.label}: started: {current.summary()}")
        elif not lines and now - self._said_at >= self.interval_s:
            lines.append(f"{current.label}: waiting: {current.summary()}")
        for line in lines:
            log.info("%s", line, extra={"chunks": current})
        if lines:
            self._said_at = now
        self._last = current
        return lines

    def _events(self, current: JobsSnapshot) -> list[str]:
        if self._last is not None and len(self._last.chunks) != len(current.chunks):
            return []
        lines = []
        total = len(current.chunks)
        # The first look may find chunks already taken (a worker can claim one before the first
        # poll): each is named as started, so who ran what never depends on the poll's timing.
        previous = self._last.chunks if self._last is not None else [None] * total
        for before, after in zip(previous, current.chunks, strict=True):
            if before is None:
                if after.state == "running":
                    name = f"{current.label}: chunk {after.index + 1}/{total}"
                    lines.append(f"{name} started on {after.worker} ({current.short()})")
                continue
            if (before.state, before.worker) == (after.state, after.worker):
                continue
            name = f"{current.label}: chunk {after.index + 1}/{total}"
            if after.state == "running":
                lines.append(f"{name} started on {after.worker} ({current.short()})")
            elif after.state == "done":
                again = f", attempt {after.attempts}" if after.attempts > 1 else ""
                took = f"{after.seconds or 0:.1f} s{again}"
                lines.append(f"{name} done by {after.worker} in {took} ({current.short()})")
            elif after.state == "failed":
                lines.append(f"{name} failed for good ({current.short()})")
            elif before.state == "running":
                lines.append(
                    f"{name} stopped on {before.worker}: waiting to be taken over ({current.short()})"
                )
        return lines

    def _slow(self, current: JobsSnapshot) -> list[str]:
        lines = []
        for chunk in current.slow():
            if chunk.index not in self._slow_named:
                self._slow_named.add(chunk.index)
                lines.append(f"{current.label}: {current.summary()}")
                break
        return lines
