"""The Celery application: the broker from ``[jobs]``, one task that runs a chunk job.

Settings chosen for jobs that run minutes and must survive a dying worker (issue 16):
``acks_late`` (a message is acknowledged only when its job returns, so a killed worker's job is
handed out again), ``reject_on_worker_lost`` (a killed pool process requeues at once),
``worker_prefetch_multiplier = 1`` (a worker holds one job at a time, so an idle worker takes the
next), and a Redis visibility timeout longer than the longest job (else Redis hands a running
job to a second worker).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task

from cctvkit.config import JobsSection
from cctvkit.jobs.chunk import STALE_S, ChunkJob, ChunkRetry, run_chunk
from cctvkit.jobs.worker_id import WORKER_NAME_ENV

__all__ = ["RETRY_DELAY_S", "TASK_NAME", "make_app"]

log = logging.getLogger(__name__)

TASK_NAME = "cctvkit.redact_chunk"

RETRY_DELAY_S = 2
"""Seconds before a failed attempt is tried again (a worker that just failed may be short of memory)."""


def _redact_chunk(task: Task, job: dict[str, Any]) -> str:
    # The worker's node name (`-n w1@%h`) goes into the claim, the attempts and done.json (issue 30).
    if task.request.hostname:
        os.environ[WORKER_NAME_ENV] = str(task.request.hostname)
    try:
        outcome = run_chunk(ChunkJob.from_dict(job))
    except ChunkRetry as exc:
        # Our attempt count (in the job's directory) decides when to stop, not Celery's.
        raise task.retry(exc=exc, countdown=RETRY_DELAY_S, max_retries=None) from exc
    if outcome == "busy":
        # Redelivered while another worker runs it (a visibility timeout too short, or a worker
        # on another host that died a moment ago): look again once a dead one's claim is stale.
        raise task.retry(countdown=STALE_S, max_retries=None)
    return outcome


def make_app(settings: JobsSection) -> Celery:
    """A Celery app for ``settings`` (``backend = "celery"``), with the chunk task registered."""
    app = Celery("cctvkit", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,  # the job directory is the result
        task_default_queue=settings.queue,
        task_serializer="json",  # never pickle: the broker is not trusted to run code
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_s,
            "unacked_restore_interval": settings.restore_interval_s,
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)(_redact_chunk)
    return app
