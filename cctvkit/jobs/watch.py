"""Which chunks the coordinator sends to the broker again, whatever ``visibility_timeout_s`` says.

Jobs are idempotent and claimed, so a duplicate costs a worker a glance at the job's directory at
worst; a lost one cost two hours of silence (issue 30). A chunk is sent again when:

- its claim has gone stale (a worker host or its main process died mid-chunk: its message stays
  unacknowledged in Redis until the visibility timeout) and nobody took it over for
  :data:`STALE_GRACE_S`;
- nobody has claimed it while a worker of the queue has been idle for :data:`IDLE_S` (a broker
  that restarted without its queue, or a message lost otherwise);
- as a last resort, it is neither done nor running ``visibility_timeout_s + 60`` s after it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cctvkit.jobs.chunk import JobState
from cctvkit.jobs.worker_id import describe_worker

__all__ = ["IDLE_S", "STALE_GRACE_S", "ResendWatch"]

STALE_GRACE_S = 10.0
"""Seconds a stale claim waits for its chunk to be taken over (Celery requeues a killed pool
process's message itself within a second or two) before the coordinator sends it again."""

IDLE_S = 10.0
"""Seconds a worker of the queue sits idle, with a chunk of ours unclaimed, before that chunk's
message counts as lost (with one message per worker prefetched, an idle worker takes a queued
chunk within a moment)."""


@dataclass(slots=True)
class _Sent:
    at: float
    stale_since: float | None = None


class ResendWatch:
    """The coordinator's memory of what it sent and when; :meth:`due` says what to send again.

    Args:
        last_resort_s: resend anything neither done nor running this long after sending it.
    """

    def __init__(self, *, last_resort_s: float) -> None:
        self.last_resort_s = last_resort_s
        self._sent: dict[str, _Sent] = {}

    def sent(self, name: str, now: float) -> None:
        """Record that ``name`` was (re)sent at ``now``."""
        self._sent[name] = _Sent(now)

    def due(
        self, states: Mapping[str, JobState], now: float, *, idle_since: float | None
    ) -> list[tuple[str, str]]:
        """The chunks to send again, each with the reason (for the log).

        Args:
            states: each sent chunk's state, by job name.
            now: monotonic seconds.
            idle_since: since when a worker of the queue has been idle (None: none is, or unknown).
        """
        out = []
        for name, state in states.items():
            sent = self._sent.get(name)
            if sent is None or state.done or state.failed or state.running:
                if sent is not None:
                    sent.stale_since = None
                continue
            since_sent = now - sent.at
            if state.claim is not None:  # a claim nobody refreshes: its worker is gone
                if sent.stale_since is None:
                    sent.stale_since = now
                if now - sent.stale_since >= STALE_GRACE_S and since_sent >= STALE_GRACE_S:
                    out.append((name, f"its worker {describe_worker(state.claim)} stopped (claim stale)"))
                    continue
            elif idle_since is not None and now - idle_since >= IDLE_S and since_sent >= IDLE_S:
                out.append((name, f"unclaimed {since_sent:.0f} s while a worker is idle (message lost?)"))
                continue
            if since_sent >= self.last_resort_s:
                out.append((name, f"sent {since_sent:.0f} s ago and not running"))
        return out
