"""A request processed by two Celery workers on a real Redis, one SIGKILLed mid-chunk, then the
broker restarted.

The released clip must equal, pixel for pixel, the same request processed in one process with
the same chunk plan (the chunked computation run serially: what "a clean run" means for a
chunked release), and the package must verify.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.video import VideoReader
from tests.conftest import SAMPLE_DIR
from tests.jobs.cluster import REPO, RedisServer, Worker

runner = CliRunner()
WINDOW = "gate@2026-10-01T09:00:02/09:00:10"
"""8 s across two 6 s segments: 80 frames, two chunks of 4 s (one per worker)."""

JOBS = 'chunk_s = 4.0\noverlap_s = 1.0\n'
PROCESS = ("--mask-everyone", "--json")
"""Everyone masked on purpose (issue 13's rule for subject requests); the chunks are audited."""


def _site(root: Path, jobs: str) -> Path:
    if not (SAMPLE_DIR / "ground_truth.json").is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    root.mkdir()
    shutil.copytree(SAMPLE_DIR / "archive", root / "archive")
    config = root / "cctvkit.toml"
    config.write_text((SAMPLE_DIR / "cctvkit.toml").read_text() + f"\n[jobs]\n{JOBS}{jobs}")
    return config


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


def _new_request(site: Path) -> str:
    assert run(site, "index", "scan")[0] == 0
    code, out, err = run(
        site,
        "request", "new", "--type", "subject", "--requester", "Alex Doe", "--window", WINDOW,
        "--identity-method", "in person, passport checked", "--identity-verified", "now",
        "--contact", "alex@example.org", "--json",
    )
    assert code == 0, err
    return json.loads(out)["id"]


def _frames(path: Path) -> list[tuple[int | None, np.ndarray]]:
    with VideoReader(path) as reader:
        return [(f.pts, f.image) for f in reader.frames()]


def _kill_mid_chunk(jobs_dir: Path, victim: Worker, process: subprocess.Popen[bytes]) -> Path:
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


def test_celery_release_survives_a_killed_worker(tmp_path: Path, redis_server: RedisServer) -> None:
    # The reference: the same request, same chunks, one process on this machine.
    reference = _site(tmp_path / "reference", 'backend = "local"\nprocesses = 1\n')
    ref_rid = _new_request(reference)
    code, out, err = run(reference, "request", "process", ref_rid, *PROCESS)
    assert code == 0, err
    ref_result = json.loads(out)
    (ref_clip,) = ref_result["manifest"]["clips"]
    assert len(ref_clip["redaction"]["jobs"]["chunks"]) == 2

    site = _site(
        tmp_path / "cluster",
        f'backend = "celery"\nbroker_url = "{redis_server.url}"\n'
        "visibility_timeout_s = 5\nrestore_interval_s = 1\n",
    )
    rid = _new_request(site)
    workers = [Worker(site, name, tmp_path) for name in ("w1", "w2")]
    try:
        for worker in workers:
            worker.wait_ready()
        process = subprocess.Popen(
            [sys.executable, "-m", "cctvkit", "-c", str(site), "request", "process", rid, *PROCESS],
            env={**os.environ, "PYTHONPATH": str(REPO), "CCTVKIT_OPERATOR": "j.smith"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            jobs_dir = tmp_path / "cluster" / ".cctvkit" / "work" / rid / "jobs"
            killed = _kill_mid_chunk(jobs_dir, workers[0], process)
            redis_server.restart()  # the surviving worker reconnects; the killed chunk's message is kept
            out_b, err_b = process.communicate(timeout=300)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 0, err_b.decode()
    finally:
        for worker in workers:
            worker.stop()
    result = json.loads(out_b)
    (clip,) = result["manifest"]["clips"]

    # The killed chunk was redone by the other worker: its first attempt is on record.
    attempts = (killed / "attempts.jsonl").read_text().splitlines()
    done = json.loads((killed / "done.json").read_text())
    assert len(attempts) == 2 and done["attempts"] == 2
    assert workers[1].owns(done["pid"]) or not workers[0].owns(done["pid"])
    chunks = clip["redaction"]["jobs"]["chunks"]
    assert clip["redaction"]["jobs"]["backend"].startswith("celery")
    assert [c["frames"] for c in chunks] == [c["frames"] for c in ref_clip["redaction"]["jobs"]["chunks"]]
    assert all(c["host"] for c in chunks) and max(c["attempts"] for c in chunks) == 2

    # Same frames, same timestamps, same pixels as the one-process run.
    released = _frames(Path(result["path"]) / clip["file"])
    expected = _frames(Path(ref_result["path"]) / ref_clip["file"])
    assert len(released) == len(expected) == 80
    assert [p for p, _ in released] == [p for p, _ in expected]
    for index, ((_, got), (_, want)) in enumerate(zip(released, expected, strict=True)):
        assert np.array_equal(got, want), f"frame {index} differs from the one-process run"
    assert clip["redaction"]["faces_masked"] == ref_clip["redaction"]["faces_masked"] >= 2
    # The chunks themselves are byte-identical (deterministic encoding); the released files
    # differ only in their container tags (each names its own release).
    segments = sorted(jobs_dir.glob("**/segment.mp4"))
    ref_jobs = tmp_path / "reference" / ".cctvkit" / "work" / ref_rid / "jobs"
    ref_segments = sorted(ref_jobs.glob("**/segment.mp4"))
    assert len(segments) == len(ref_segments) == 2
    assert [s.read_bytes() for s in segments] == [s.read_bytes() for s in ref_segments]

    code, out, err = run(site, "release", "verify", result["path"])
    assert code == 0, err
