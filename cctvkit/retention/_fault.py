"""Fault injection for crash tests: ``CCTVKIT_FAULT=purge:<point>:<n>`` SIGKILLs at the n-th hit."""

from __future__ import annotations

import os
import signal

__all__ = ["FAULT_ENV", "FaultPoints"]

FAULT_ENV = "CCTVKIT_FAULT"


class FaultPoints:
    """Counts visits to named points; kills this process, without cleanup, at the configured visit.

    Unset (the normal case) it costs one dict lookup per visit.
    """

    def __init__(self, spec: str | None, scope: str = "purge") -> None:
        self._targets: dict[str, int] = {}
        self._hits: dict[str, int] = {}
        for part in (spec or "").split(","):
            bits = part.strip().split(":")
            if len(bits) == 3 and bits[0] == scope and bits[2].isdigit():
                self._targets[bits[1]] = int(bits[2])

    @classmethod
    def from_env(cls, scope: str = "purge") -> FaultPoints:
        return cls(os.environ.get(FAULT_ENV), scope)

    def reach(self, point: str) -> None:
        target = self._targets.get(point)
        if target is None:
            return
        hits = self._hits.get(point, 0) + 1
        self._hits[point] = hits
        if hits == target:
            os.kill(os.getpid(), signal.SIGKILL)
