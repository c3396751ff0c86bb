"""A request processed by two Celery workers on a real Redis: one worker SIGKILLed mid-chunk (a dead
host), or the broker restarted without persistence with chunks queued (issue 30).

With the default ``visibility_timeout_s`` (two hours) the run must still finish within two minutes
with no operator action, the released clip must equal, pixel for pixel, the same request processed
in one process with the same chunk plan (the chunked computation run serially: what "a clean run"
means for a chunked release), and the package must verify. Off a terminal the run logs a line per
chunk event and at least every ``report_interval_s`` while it waits.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.video import VideoReader
from tests.conftest import SAMPLE_DIR
from tests.jobs.cluster import REPO, RedisServer, Worker, find_redis
from tests.jobs.segments import assert_same_segments

runner = CliRunner()
WINDOW = "gate@2026-10-01T09:00:02/09:00:10"
"""8 s across two 6 s segments: 80 frames, four chunks of 2 s (two run, two wait, with two workers)."""

JOBS = "chunk_s = 4.0\noverlap_s = 1.0\n"
"""Two chunks of 4 s (what the other modules importing :func:`_site` expect)."""
CLUSTER_JOBS = "chunk_s = 2.0\noverlap_s = 1.0\n"
"""Four chunks of 2 s, here."""
CHUNKS = 4
DEADLINE_S = 120
"""The issue's bound: the request finishes within two minutes with no operator action (measured on
an idle machine; on a loaded one, see :func:`_deadline_s`)."""
RESEND_S = 30
"""The coordinator sends a lost chunk again within this long of the fault (the issue: "about a minute")."""
REPORT_S = 2.0
"""``report_interval_s`` in these runs (the default, 30 s, is tested in test_progress.py)."""
PROCESS = ("--mask-everyone", "--json")
"""Everyone masked on purpose (issue 13's rule for subject requests); the chunks are audited."""


def _site(root: Path, jobs: str, chunking: str = JOBS) -> Path:
    if not (SAMPLE_DIR / "ground_truth.json").is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    root.mkdir()
    shutil.copytree(SAMPLE_DIR / "archive", root / "archive")
    config = root / "cctvkit.toml"
    config.write_text((SAMPLE_DIR / "cctvkit.toml").read_text() + f"\n[jobs]\n{chunking}{jobs}")
    return config


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


def _new_request(site: Path) -> str:
    assert run(site, "index", "scan")[0] == 0
    code, out, err = run(
        site,
        "request",
        "new",
        "--type",
        "subject",
        "--requester",
        "Alex Doe",
        "--window",
        WINDOW,
        "--identity-method",
        "in person, passport checked",
        "--identity-verified",
        "now",
        "--contact",
        "alex@example.org",
        "--json",
    )
    assert code == 0, err
    return json.loads(out)["id"]


def _frames(path: Path) -> list[tuple[int | None, np.ndarray]]:
    with VideoReader(path) as reader:
        return [(f.pts, f.image) for f in reader.frames()]


def _kill_mid_chunk(jobs_dir: Path, victim: Worker, process: subprocess.Popen[str]) -> Path:
    """Wait until ``victim`` has written frames of a chunk, SIGKILL it, return that chunk's directory."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        for claim in jobs_dir.glob("**/claim"):
            try:
                owner = json.loads(claim.read_text())
            except (OSError, json.JSONDecodeError):
                continue
            if victim.owns(int(owner["pid"])) and (claim.parent / "progress").exists():
                victim.kill()
                assert not (claim.parent / "done.json").exists(), "the chunk finished before the kill"
                return claim.parent
        time.sleep(0.02)
    raise AssertionError(f"worker {victim.name} never ran a chunk: {victim.log_path.read_text()[-3000:]}")


@dataclass
class Coordinator:
    """``request process`` in its own process, off a terminal: its stderr lines with their arrival times."""

    process: subprocess.Popen[str]
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    def read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def read_out(self) -> None:
        assert self.process.stdout is not None
        self.out.append(self.process.stdout.read())

    def finish(self) -> tuple[str, float]:
        """Wait (at most twice the deadline), return stdout and the seconds the run took."""
        try:
            self.process.wait(timeout=3 * DEADLINE_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        took = time.monotonic() - self.started
        for reader in self.readers:
            reader.join(10)
        out = "".join(self.out)
        assert self.process.returncode == 0, self.text()[-4000:]
        return out, took

    def first(self, text: str) -> float:
        """When the first line containing ``text`` arrived."""
        found = [t for t, line in self.lines if text in line]
        assert found, f"no line with {text!r}:\n{self.text()}"
        return found[0]

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def longest_silence_s(self) -> float:
        """The longest gap between the coordinator's chunk lines, from its first to its last."""
        times = [t for t, line in self.lines if "cctvkit.jobs" in line]
        assert len(times) >= 3, self.text()
        return max(b - a for a, b in itertools.pairwise(times))


@contextlib.contextmanager
def coordinate(site: Path, rid: str) -> Iterator[Coordinator]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cctvkit", "-c", str(site), "request", "process", rid, *PROCESS],
        env={**os.environ, "PYTHONPATH": str(REPO), "CCTVKIT_OPERATOR": "j.smith"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    coordinator = Coordinator(process, time.monotonic())
    coordinator.readers = [
        threading.Thread(target=coordinator.read, daemon=True),
        threading.Thread(target=coordinator.read_out, daemon=True),
    ]
    for reader in coordinator.readers:
        reader.start()
    try:
        yield coordinator
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for reader in coordinator.readers:
            reader.join(10)


@dataclass(frozen=True)
class Reference:
    rid: str
    result: dict
    clip: dict
    jobs_dir: Path
    seconds: float


def _deadline_s(ref: Reference) -> float:
    """Two minutes, or on a machine so loaded that the clean run alone takes longer than a minute
    (the shared 2-core one: load 11 measured), the clean run plus a minute: two workers do the same
    chunks, so the fault's cost is what exceeds the clean run."""
    return max(DEADLINE_S, ref.seconds + 60)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The clean run: the same request, same chunks, one after another in one process."""
    root = tmp_path_factory.mktemp("reference")
    site = _site(root / "site", 'backend = "local"\nprocesses = 1\n', CLUSTER_JOBS)
    rid = _new_request(site)
    started = time.monotonic()
    code, out, err = run(site, "request", "process", rid, *PROCESS)
    seconds = time.monotonic() - started
    assert code == 0, err
    result = json.loads(out)
    (clip,) = result["manifest"]["clips"]
    assert len(clip["redaction"]["jobs"]["chunks"]) == CHUNKS
    return Reference(rid, result, clip, root / "site" / ".cctvkit" / "work" / rid / "jobs", seconds)


def _cluster_site(root: Path, redis: RedisServer) -> Path:
    # The defaults an operator has (visibility_timeout_s = 7200): no fast redelivery from Redis.
    return _site(
        root,
        f'backend = "celery"\nbroker_url = "{redis.url}"\nreport_interval_s = {REPORT_S}\n',
        CLUSTER_JOBS,
    )


def _same_as_reference(site: Path, result: dict, jobs_dir: Path, ref: Reference) -> dict:
    """The released frames equal the clean run's; the package verifies. Returns the clip."""
    (clip,) = result["manifest"]["clips"]
    chunks = clip["redaction"]["jobs"]["chunks"]
    assert clip["redaction"]["jobs"]["backend"].startswith("celery")
    assert [c["frames"] for c in chunks] == [c["frames"] for c in ref.clip["redaction"]["jobs"]["chunks"]]
    released = _frames(Path(result["path"]) / clip["file"])
    expected = _frames(Path(ref.result["path"]) / ref.clip["file"])
    assert len(released) == len(expected) == 80
    assert [p for p, _ in released] == [p for p, _ in expected]
    for index, ((_, got), (_, want)) in enumerate(zip(released, expected, strict=True)):
        assert np.array_equal(got, want), f"frame {index} differs from the one-process run"
    assert clip["redaction"]["faces_masked"] == ref.clip["redaction"]["faces_masked"] >= 2
    # The chunks themselves are byte-identical (deterministic encoding); the released files
    # differ only in their container tags (each names its own release).
    assert_same_segments(jobs_dir, ref.jobs_dir, CHUNKS)
    code, _, err = run(site, "release", "verify", result["path"])
    assert code == 0, err
    return clip


def test_a_dead_worker_host_is_taken_over_within_two_minutes(
    tmp_path: Path, redis_server: RedisServer, reference: Reference
) -> None:
    site = _cluster_site(tmp_path / "cluster", redis_server)
    rid = _new_request(site)
    workers = [Worker(site, name, tmp_path) for name in ("w1", "w2")]
    try:
        for worker in workers:
            worker.wait_ready()
        with coordinate(site, rid) as coordinator:
            jobs_dir = tmp_path / "cluster" / ".cctvkit" / "work" / rid / "jobs"
            # The worker's main process and its pool process die together, mid-chunk: nothing
            # acknowledges or rejects the message, which Redis keeps for visibility_timeout_s.
            killed = _kill_mid_chunk(jobs_dir, workers[0], coordinator.process)
            killed_at = time.monotonic()
            out, took = coordinator.finish()
    finally:
        for worker in workers:
            worker.stop()
    resent = coordinator.first("sent again: its worker") - killed_at
    print(  # the figures in docs/reliability.md
        f"\nkilled worker host: sent again {resent:.1f} s after the kill, finished in {took:.1f} s "
        f"(clean run in one process: {reference.seconds:.1f} s)"
    )
    assert resent < RESEND_S
    assert took < _deadline_s(reference), f"took {took:.0f} s"
    clip = _same_as_reference(site, json.loads(out), jobs_dir, reference)

    # Who ran what: the Celery worker names (-n), host and pid, in the manifest and the log.
    host = socket.gethostname()
    chunks = clip["redaction"]["jobs"]["chunks"]
    assert {c["worker"] for c in chunks} <= {f"w1@{host}", f"w2@{host}"}
    assert all(c["host"] == host and isinstance(c["pid"], int) for c in chunks)
    first, second = (json.loads(x) for x in (killed / "attempts.jsonl").read_text().splitlines())
    done = json.loads((killed / "done.json").read_text())
    assert first["worker"] == f"w1@{host}" and done["worker"] == f"w2@{host}" and done["attempts"] == 2
    assert second["worker"] == f"w2@{host}" and second["pid"] == done["pid"] != first["pid"]
    text = coordinator.text()
    assert f"started on w1@{host} pid {first['pid']}" in text
    assert f"stopped on w1@{host} pid {first['pid']}" in text
    assert "sent again: its worker" in text
    assert f"done by w2@{host} pid {done['pid']}" in text and "attempt 2" in text
    # Off a terminal: never silent longer than report_interval_s (plus a poll and a look at the workers).
    assert coordinator.longest_silence_s() <= REPORT_S + 2.0, text


def test_a_broker_restarted_empty_gets_its_chunks_again(tmp_path: Path, reference: Reference) -> None:
    binary = find_redis()
    if binary is None:
        pytest.skip("redis-server is not installed")
    redis = RedisServer(binary, tmp_path / "redis", persistent=False)
    redis.start()
    site = _cluster_site(tmp_path / "cluster", redis)
    rid = _new_request(site)
    workers = [Worker(site, name, tmp_path) for name in ("w1", "w2")]
    try:
        for worker in workers:
            worker.wait_ready()
        with coordinate(site, rid) as coordinator:
            jobs_dir = tmp_path / "cluster" / ".cctvkit" / "work" / rid / "jobs"
            deadline = time.monotonic() + DEADLINE_S
            while len(list(jobs_dir.glob("**/claim"))) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not list(jobs_dir.glob("**/done.json")), "a chunk finished before the broker went"
            # Two chunks run, two wait in Redis: gone with it (no append-only file, no snapshot).
            redis.restart(down_s=5.0)
            back_at = time.monotonic()
            out, took = coordinator.finish()
    finally:
        for worker in workers:
            worker.stop()
        redis.stop()
    resent = coordinator.first("while a worker is idle") - back_at
    print(  # the figures in docs/reliability.md
        f"\nbroker restarted empty: sent again {resent:.1f} s after it came back, finished in "
        f"{took:.1f} s (clean run in one process: {reference.seconds:.1f} s)"
    )
    assert took < _deadline_s(reference), f"took {took:.0f} s"
    _same_as_reference(site, json.loads(out), jobs_dir, reference)
