"""Fault injection for crash tests: ``CCTVKIT_FAULT=<scope>:<point>:<n>`` SIGKILLs at the n-th hit.

Scopes: ``purge`` (journal steps), ``scan`` (index snapshots), ``release`` (request processing) and
``request`` (opening a request). ``<scope>:<point>:<n>:stop`` sends SIGSTOP instead (the test
resumes it with SIGCONT), so a test can hold a run still at a known step, e.g. right after it took
a lock, while another run goes ahead. Several specs are separated by commas.
"""

from __future__ import annotations

import os
import signal

__all__ = ["FAULT_ENV", "FaultPoints"]

FAULT_ENV = "CCTVKIT_FAULT"

_SHARED: dict[tuple[str, str | None], FaultPoints] = {}


class FaultPoints:
    """Counts visits to named points; kills (or stops) this process, without cleanup, at the set visit.

    Unset (the normal case) it costs one dict lookup per visit.
    """

    def __init__(self, spec: str | None, scope: str = "purge") -> None:
        self._targets: dict[str, tuple[int, signal.Signals]] = {}
        self._hits: dict[str, int] = {}
        for part in (spec or "").split(","):
            bits = part.strip().split(":")
            if len(bits) in (3, 4) and bits[0] == scope and bits[2].isdigit():
                sig = signal.SIGSTOP if bits[3:] == ["stop"] else signal.SIGKILL
                self._targets[bits[1]] = (int(bits[2]), sig)

    @classmethod
    def from_env(cls, scope: str = "purge") -> FaultPoints:
        return cls(os.environ.get(FAULT_ENV), scope)

    @classmethod
    def shared(cls, scope: str) -> FaultPoints:
        """One counter per scope for the whole process, for points spread over several modules."""
        key = (scope, os.environ.get(FAULT_ENV))
        if key not in _SHARED:
            _SHARED[key] = cls(key[1], scope)
        return _SHARED[key]

    def reach(self, point: str) -> None:
        target = self._targets.get(point)
        if target is None:
            return
        hits = self._hits.get(point, 0) + 1
        self._hits[point] = hits
        if hits == target[0]:
            os.kill(os.getpid(), target[1])
