"""Who runs a chunk: the Celery worker's name (``-n``), the host and the process id (issue 30).

A host name alone could not tell apart two workers on one machine, nor containers that share a
name; the worker name and pid can, and the pid lets a coordinator on the same host see at once
that a claim's process is gone.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

__all__ = ["WORKER_NAME_ENV", "describe_worker", "worker_identity"]

WORKER_NAME_ENV = "CCTVKIT_WORKER_NAME"
"""Set by the Celery task to its worker's node name (``w1@host``) before it runs a chunk."""


def worker_identity() -> dict[str, Any]:
    """This process as a chunk's runner: ``{"worker", "host", "pid"}``.

    The worker is the Celery node name where a Celery worker runs it, else ``local@<host>``
    (a local pool or the coordinating command itself).
    """
    host = socket.gethostname()
    return {"worker": os.environ.get(WORKER_NAME_ENV) or f"local@{host}", "host": host, "pid": os.getpid()}


def describe_worker(record: Mapping[str, Any] | None) -> str:
    """``w1@vm pid 4242`` from a claim, attempt or ``done.json`` record (older ones name the host only)."""
    if not record:
        return "?"
    name = record.get("worker") or record.get("host") or "?"
    return f"{name} pid {record['pid']}" if record.get("pid") is not None else str(name)
