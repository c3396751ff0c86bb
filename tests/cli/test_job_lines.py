"""Chunk jobs' progress as people see it (issue 30): in the bar on a terminal (chunks done, running,
waiting and who runs them), as timestamped lines on stderr off one, whatever -v says."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console
from rich.progress import Progress, TextColumn

from cctvkit.cli.context import _job_lines, progress_bar
from cctvkit.jobs.chunk import JobState
from cctvkit.jobs.progress import ProgressReporter, snapshot

STATES = [
    JobState({"worker": "w2@vm", "pid": 8, "attempts": 1, "elapsed_s": 3.0}, None, 20, False, None),
    JobState(None, None, 4, True, {"worker": "w1@vm", "host": "vm", "pid": 7, "started": 0.0}),
    JobState(None, None, 0, False, None),
]


def test_on_a_terminal_the_bar_names_counts_and_workers() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    with Progress(TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("redacting", total=None)
        with _job_lines(bar, task, "redacting"):
            ProgressReporter(30.0).update(snapshot("clip 1", STATES, 60, wall_now=5.0))
        assert bar.tasks[0].description == "redacting: 1/3 chunks done, 1 running (w1@vm), 1 waiting"


def test_off_a_terminal_each_line_goes_to_stderr_once(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger().setLevel(logging.ERROR)  # the CLI's default: quiet unless -v
    with progress_bar("redacting") as _:  # stderr is not a terminal here
        ProgressReporter(30.0).update(snapshot("clip 1", STATES, 60, wall_now=5.0))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2  # the summary, then each chunk already running when first seen
    assert "INFO cctvkit.jobs.progress: clip 1: started: 1/3 chunks done, 1 running (w1@vm)" in err[0]
    assert "chunk 2 on w1@vm pid 7 for 5 s" in err[0] and err[0][:4].isdigit()  # a timestamp first
    assert "clip 1: chunk 2/3 started on w1@vm pid 7" in err[1]
    assert logging.getLogger("cctvkit.jobs").propagate  # put back
