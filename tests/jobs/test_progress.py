"""What the coordinator says while it waits (issue 30): a line per chunk event, one at least every
report_interval_s (default 30 s) while nothing changes, and the chunk running far longer named."""

from __future__ import annotations

import itertools
import logging

import pytest

from cctvkit.config import JobsSection
from cctvkit.jobs.chunk import JobState
from cctvkit.jobs.progress import ProgressReporter, snapshot

WAITING = JobState(None, None, 0, False, None)


def running(worker: str, pid: int, started: float, frames: int = 3) -> JobState:
    claim = {"worker": worker, "host": "vm", "pid": pid, "started": started}
    return JobState(None, None, frames, True, claim)


def done(worker: str, pid: int, elapsed_s: float) -> JobState:
    return JobState(
        {"worker": worker, "host": "vm", "pid": pid, "attempts": 1, "frames": 20, "elapsed_s": elapsed_s},
        None,
        20,
        False,
        None,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_default_interval_is_at_most_30_s_and_a_quiet_wait_says_so_that_often(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interval = JobsSection().report_interval_s
    assert interval <= 30
    clock = Clock()
    reporter = ProgressReporter(interval, clock=clock)
    states = [running("w1@vm", 11, 1000.0), WAITING]
    caplog.set_level(logging.INFO, "cctvkit.jobs.progress")
    said = []
    for tick in range(0, 121):  # two minutes of nothing changing, polled every second
        clock.now = float(tick)
        for line in reporter.update(snapshot("clip 1", states, 40, wall_now=1000.0 + tick)):
            said.append((tick, line))
    ticks = [t for t, _ in said]
    assert ticks == [0, 0, 30, 60, 90, 120]  # at 0: the summary, and the chunk found running
    assert "chunk 1/2 started on w1@vm pid 11" in said[1][1]
    assert all(b - a <= 30 for a, b in itertools.pairwise(ticks))
    assert "chunk 1 on w1@vm pid 11 for 60 s" in said[3][1] and "1 waiting" in said[3][1]
    assert [r.getMessage() for r in caplog.records] == [line for _, line in said]


def test_each_chunk_event_is_one_line_naming_the_worker() -> None:
    clock = Clock()
    reporter = ProgressReporter(30.0, clock=clock)
    reporter.update(snapshot("clip 1", [WAITING, WAITING], 40, wall_now=0.0))
    clock.now = 1.0
    (line,) = reporter.update(snapshot("clip 1", [running("w1@vm", 11, 0.5), WAITING], 40, wall_now=1.0))
    assert line == "clip 1: chunk 1/2 started on w1@vm pid 11 (0/2 chunks done, 1 running (w1@vm), 1 waiting)"
    clock.now = 2.0
    lines = reporter.update(snapshot("clip 1", [WAITING, running("w2@vm", 12, 1.5)], 40, wall_now=2.0))
    assert lines == [
        "clip 1: chunk 1/2 stopped on w1@vm pid 11: waiting to be taken over "
        "(0/2 chunks done, 1 running (w2@vm), 1 waiting)",
        "clip 1: chunk 2/2 started on w2@vm pid 12 (0/2 chunks done, 1 running (w2@vm), 1 waiting)",
    ]
    clock.now = 9.0
    (line,) = reporter.update(snapshot("clip 1", [WAITING, done("w2@vm", 12, 7.0)], 40, wall_now=9.0))
    assert line.startswith("clip 1: chunk 2/2 done by w2@vm pid 12 in 7.0 s")


def test_a_chunk_running_far_longer_than_the_others_is_named() -> None:
    clock = Clock()
    reporter = ProgressReporter(30.0, clock=clock)
    states = [done("w1@vm", 11, 10.0), done("w2@vm", 12, 12.0), running("w1@vm", 13, 0.0)]
    reporter.update(snapshot("clip 1", states, 60, wall_now=20.0))
    clock.now = 5.0
    assert reporter.update(snapshot("clip 1", states, 60, wall_now=25.0)) == []  # 25 s: not yet
    clock.now = 20.0
    (line,) = reporter.update(snapshot("clip 1", states, 60, wall_now=40.0))
    assert "chunk 3 on w1@vm pid 13 is slow: 40 s so far, finished chunks took 11 s" in line
    clock.now = 21.0
    assert reporter.update(snapshot("clip 1", states, 60, wall_now=41.0)) == []  # named once


def test_no_worker_answering_is_said() -> None:
    reporter = ProgressReporter(30.0, clock=Clock())
    (line,) = reporter.update(snapshot("clip 1", [WAITING, WAITING], 40, workers=(), wall_now=0.0))
    assert "0/2 chunks done, 0 running, 2 waiting" in line and "no worker answers" in line
