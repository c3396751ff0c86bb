"""Which sent chunks the coordinator sends again (issue 30): a stale claim, a lost message while a
worker idles, and the visibility-timeout last resort; never a chunk that runs or is done."""

from __future__ import annotations

import pytest

from cctvkit.jobs.chunk import JobState
from cctvkit.jobs.watch import IDLE_S, STALE_GRACE_S, ResendWatch

WAITING = JobState(None, None, 0, False, None)
RUNNING = JobState(None, None, 5, True, {"worker": "w1@vm", "host": "vm", "pid": 7})
STALE = JobState(None, None, 5, False, {"worker": "w1@vm", "host": "vm", "pid": 7})
DONE = JobState({"attempts": 1}, None, 20, False, None)
LAST_RESORT = 7260.0


@pytest.mark.parametrize(
    ("state", "now", "idle_since", "expect"),
    [
        (RUNNING, 600.0, 0.0, None),  # running: never, however long
        (DONE, 9000.0, 0.0, None),
        (WAITING, 300.0, None, None),  # queued behind busy workers: wait
        (WAITING, 300.0, 295.0, None),  # a worker idle only 5 s: it may be about to take it
        (WAITING, 300.0, 300.0 - IDLE_S, "while a worker is idle"),  # lost message
        (WAITING, IDLE_S - 1, 0.0, None),  # just sent
        (WAITING, LAST_RESORT, None, "not running"),  # the old last resort stays
    ],
)
def test_resend_waiting(state: JobState, now: float, idle_since: float | None, expect: str | None) -> None:
    watch = ResendWatch(last_resort_s=LAST_RESORT)
    watch.sent("a", 0.0)
    due = watch.due({"a": state}, now, idle_since=idle_since)
    if expect is None:
        assert due == []
    else:
        ((name, reason),) = due
        assert name == "a" and expect in reason


def test_stale_claim_is_sent_again_after_its_grace_whatever_the_visibility_timeout() -> None:
    watch = ResendWatch(last_resort_s=LAST_RESORT)
    watch.sent("a", 0.0)
    assert watch.due({"a": RUNNING}, 30.0, idle_since=None) == []
    assert watch.due({"a": STALE}, 40.0, idle_since=None) == []  # first seen stale
    assert watch.due({"a": STALE}, 40.0 + STALE_GRACE_S - 1, idle_since=None) == []
    ((name, reason),) = watch.due({"a": STALE}, 40.0 + STALE_GRACE_S, idle_since=None)
    assert name == "a" and "w1@vm pid 7 stopped" in reason
    watch.sent("a", 40.0 + STALE_GRACE_S)  # sent again: the new message takes the stale claim over
    assert watch.due({"a": STALE}, 41.0 + STALE_GRACE_S, idle_since=None) == []


def test_a_chunk_taken_over_in_its_grace_is_not_sent_again() -> None:
    watch = ResendWatch(last_resort_s=LAST_RESORT)
    watch.sent("a", 0.0)
    assert watch.due({"a": STALE}, 30.0, idle_since=None) == []
    assert watch.due({"a": RUNNING}, 35.0, idle_since=None) == []  # requeued by Celery, taken over
    assert watch.due({"a": STALE}, 36.0, idle_since=None) == []  # a new grace starts
