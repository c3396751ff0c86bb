"""Run a set of chunk jobs on a backend (this process, a local process pool, or Celery) and wait.

The job directories are the truth: the coordinator polls them for progress, completion and
failure, so it needs no result store and survives a broker restart; the backends only deliver.
"""

from __future__ import annotations

import concurrent.futures as futures
import logging
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from cctvkit.config import JobsSection
from cctvkit.errors import JobError
from cctvkit.jobs.chunk import ChunkJob, ChunkRetry, check_failed, job_state, reset_failed, run_chunk
from cctvkit.jobs.progress import ProgressReporter, snapshot
from cctvkit.jobs.watch import ResendWatch

__all__ = ["Backend", "CeleryBackend", "LocalBackend", "make_backend", "run_jobs"]

log = logging.getLogger(__name__)

POLL_S = 0.5
"""How often the coordinator reads the job directories."""

IDLE_CHECK_S = 5.0
"""How often the Celery backend asks the workers what they run, while a chunk of ours is unclaimed."""

INSPECT_TIMEOUT_S = 0.5
"""How long it waits for their answers (each question waits this long: it cannot know how many answer)."""


class Backend(Protocol):
    """Delivers jobs to workers; :func:`run_jobs` watches their directories."""

    name: str

    def start(self, jobs: Sequence[ChunkJob]) -> None:
        """Begin running ``jobs`` (none of them finished)."""

    def poll(self) -> None:
        """Called every :data:`POLL_S` while waiting: redeliver what needs it; raise on a dead end."""

    def close(self) -> None:
        """Stop what this backend started (local processes); queued Celery jobs stay queued.

        The caller closes it after its last clip (a pool kept between clips keeps its detectors).
        """


def _attempt_until_final(job: ChunkJob) -> str:
    """Run ``job`` in this process until it is done or failed for good (its attempts count)."""
    while True:
        try:
            return run_chunk(job)
        except ChunkRetry:
            continue


class LocalBackend:
    """This machine: in the coordinator's own process (``processes == 1``) or a process pool.

    A pool process that dies (killed, out of memory) breaks the pool: a new pool takes the
    unfinished jobs, whose attempt counts include the lost attempt.
    """

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)
        self.name = f"local ({self.processes} process{'es' if self.processes > 1 else ''})"
        self._jobs: list[ChunkJob] = []
        self._pool: futures.ProcessPoolExecutor | None = None
        self._pending: dict[futures.Future[str], ChunkJob] = {}
        self._breaks = 0

    def start(self, jobs: Sequence[ChunkJob]) -> None:
        self._jobs = list(jobs)
        if self.processes == 1:
            return  # run in poll(), one job per call, so progress shows between jobs
        self._submit(self._jobs)

    def _submit(self, jobs: Sequence[ChunkJob]) -> None:
        if self._pool is None:
            # spawn, not fork: the coordinator may hold onnxruntime's threads (a fork would copy
            # their locks mid-use).
            self._pool = futures.ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn")
            )
        for job in jobs:
            self._pending[self._pool.submit(_attempt_until_final, job)] = job

    def poll(self) -> None:
        if self.processes == 1:
            for job in self._jobs:
                state = job_state(job)
                if not state.done and not state.failed:
                    if _attempt_until_final(job) == "busy":  # another process runs it: wait
                        time.sleep(POLL_S)
                    return
            return
        finished = [f for f in self._pending if f.done()]
        broken: list[ChunkJob] = []
        for future in finished:
            job = self._pending.pop(future)
            try:
                future.result()
            except futures.process.BrokenProcessPool:
                broken.append(job)
        if broken:
            self._breaks += 1
            if self._breaks > 2 * max(j.max_attempts for j in self._jobs):
                # Dying before a job even starts (no attempt counted): a broken installation.
                raise JobError(f"worker processes died {self._breaks} times; see the log")
            log.warning("a worker process died: %d chunk(s) go to a new pool", len(broken))
            broken += list(self._pending.values())
            self._pending.clear()
            assert self._pool is not None
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            self._submit([j for j in broken if not job_state(j).done])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class CeleryBackend:
    """Celery workers on any host, through the broker in ``[jobs] broker_url``.

    The task id is the job's name, so a job sent twice is one job. The backend watches every chunk
    it sent (:class:`~cctvkit.jobs.watch.ResendWatch`): one whose worker died, or whose message the
    broker lost while a worker idles, is sent again within about a minute (issue 30).
    """

    def __init__(self, settings: JobsSection) -> None:
        from cctvkit.jobs.celery_app import make_app

        self.settings = settings
        self.app = make_app(settings)
        self.name = f"celery ({settings.broker_url})"
        self._jobs: list[ChunkJob] = []
        # Longer than a job may sit queued and run: a redelivery the broker itself would not make.
        self._watch = ResendWatch(last_resort_s=settings.visibility_timeout_s + 60)
        self._sent: set[str] = set()
        self._idle: dict[str, float] = {}
        self._checked_at = -math.inf
        self.workers: list[str] | None = None
        """The queue's workers at the last look (None: not asked yet, or the broker did not answer)."""

    def _send(self, job: ChunkJob) -> None:
        from cctvkit.jobs.celery_app import TASK_NAME

        try:
            self.app.send_task(TASK_NAME, args=[job.to_dict()], task_id=job.name, queue=self.settings.queue)
        except Exception as exc:  # kombu raises its own and the client library's errors
            if job.name in self._sent:  # a resend: the broker may be back next time
                log.warning("cannot resend %s: %s", job.name, exc)
                return
            raise JobError(f"cannot queue chunk jobs on {self.settings.broker_url}: {exc}") from exc
        self._sent.add(job.name)
        self._watch.sent(job.name, time.monotonic())

    def start(self, jobs: Sequence[ChunkJob]) -> None:
        self._jobs = list(jobs)
        for job in self._jobs:
            self._send(job)

    def poll(self) -> None:
        now = time.monotonic()
        states = {job.name: job_state(job) for job in self._jobs}
        waiting = any(not (s.done or s.failed or s.running or s.claim) for s in states.values())
        idle_since = self._idle_since(now) if waiting else None
        by_name = {job.name: job for job in self._jobs}
        for name, reason in self._watch.due(states, now, idle_since=idle_since):
            log.warning("chunk %s sent again: %s", name, reason)
            self._send(by_name[name])

    def _idle_since(self, now: float) -> float | None:
        """Since when a worker of the queue has been idle (looked at every :data:`IDLE_CHECK_S`)."""
        if now - self._checked_at >= IDLE_CHECK_S:
            self._checked_at = now
            try:
                inspect = self.app.control.inspect(timeout=INSPECT_TIMEOUT_S)
                queues = inspect.active_queues() or {}
                active = inspect.active() or {}
            except Exception as exc:  # a broker down: nobody idles as far as we know
                log.debug("cannot ask the workers: %s", exc)
                self._idle.clear()
                self.workers = None
                return None
            queue = self.settings.queue
            ours = sorted(w for w, qs in queues.items() if any(q.get("name") == queue for q in qs))
            self.workers = ours
            for worker in ours:
                if active.get(worker):
                    self._idle.pop(worker, None)
                else:
                    self._idle.setdefault(worker, now)
            for worker in set(self._idle) - set(ours):
                del self._idle[worker]
        return min(self._idle.values(), default=None)

    def close(self) -> None:
        self.app.close()


def make_backend(settings: JobsSection, *, processes: int | None = None) -> Backend:
    """The backend ``[jobs]`` names (``processes`` overrides the local pool's size)."""
    if settings.backend == "celery":
        return CeleryBackend(settings)
    return LocalBackend(processes or settings.processes)


def run_jobs(
    jobs: Sequence[ChunkJob],
    backend: Backend,
    *,
    label: str,
    progress: Callable[[int, int], None] | None = None,
    total_frames: int | None = None,
    report_interval_s: float = 30.0,
) -> None:
    """Run every job not already done and wait for all of them, reporting frames done.

    While waiting it logs (``cctvkit.jobs.progress``) a line per chunk event and one at least
    every ``report_interval_s`` (see :class:`~cctvkit.jobs.progress.ProgressReporter`).

    Jobs that failed for good in an earlier run are tried again (their attempts reset); jobs
    done before are not redone.

    Args:
        jobs: the jobs of one clip (or several).
        backend: where they run (left open: see :meth:`Backend.close`).
        label: names the clip in messages (``"clip 2"``).
        progress: called with (frames done, frames in all jobs).
        total_frames: frames in all jobs (for progress).
        report_interval_s: the longest silence while waiting (``[jobs] report_interval_s``).

    Raises:
        JobError: a job failed every attempt (the message names its chunk).
    """
    for job in jobs:
        if job_state(job).failed:
            reset_failed(job)
    todo = [job for job in jobs if not job_state(job).done]
    total = total_frames or 0
    reporter = ProgressReporter(report_interval_s)
    if todo:
        log.info("%s: %d of %d chunk(s) to run on %s", label, len(todo), len(jobs), backend.name)
        backend.start(todo)
    while True:
        states = [job_state(job) for job in jobs]
        if todo:
            reporter.update(snapshot(label, states, total, workers=getattr(backend, "workers", None)))
        if progress is not None:
            progress(sum(s.frames_done for s in states), total)
        if any(s.failed for s in states):
            check_failed(list(jobs), label)
        if all(s.done for s in states):
            return
        backend.poll()
        if not isinstance(backend, LocalBackend) or backend.processes > 1:
            time.sleep(POLL_S)
