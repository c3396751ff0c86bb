"""Helpers for the reliability tests: real CLI subprocesses held at fault points, footage by age."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.conftest import write_tiny_video

REPO = Path(__file__).resolve().parents[2]
CCTVKIT = str(Path(sys.executable).parent / "cctvkit")
OPERATOR = "j.smith"
LONDON = ZoneInfo("Europe/London")

runner = CliRunner()


def cli(config: Path, *args: str, operator: str = OPERATOR) -> tuple[int, str, str]:
    """Run a command in this process (CliRunner); return exit code, stdout, stderr."""
    result = runner.invoke(app, ["-c", str(config), *args], env={"CCTVKIT_OPERATOR": operator})
    return result.exit_code, result.stdout, result.stderr


def spawn(config: Path, *args: str, fault: str | None = None, operator: str = OPERATOR) -> subprocess.Popen:
    """Start ``cctvkit -c CONFIG ARGS`` as a real process, optionally with a fault spec."""
    env = {k: v for k, v in os.environ.items() if k != "CCTVKIT_FAULT"}
    env["CCTVKIT_OPERATOR"] = operator
    if fault:
        env["CCTVKIT_FAULT"] = fault
    return subprocess.Popen(
        [CCTVKIT, "-c", str(config), *args],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_stopped(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until ``proc`` has stopped itself (SIGSTOP at its fault point)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode} before its fault point: {proc.stderr.read()}")
        if Path(f"/proc/{proc.pid}/stat").read_text().split(") ")[1][0] == "T":
            return
        time.sleep(0.02)
    raise AssertionError("the process never reached its fault point")


def resume(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    """SIGCONT a stopped process and wait for it; return exit code, stdout, stderr."""
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def local_name(camera: str, start_local: datetime) -> str:
    """The test site's file name for a recording starting at a local (London) time."""
    pattern = {"gate": "gate_%Y%m%d_%H%M%S", "hall": "hall_%Y-%m-%dT%H-%M-%S"}[camera]
    return start_local.strftime(pattern) + ".mp4"


def footage_aged(site: Path, camera: str, days: float, count: int, *, seconds: int = 2) -> list[Path]:
    """``count`` back-to-back tiny segments of ``camera`` that started ``days`` ago (real clock)."""
    start = (datetime.now(LONDON) - timedelta(days=days)).replace(microsecond=0)
    out = []
    for i in range(count):
        t = start + timedelta(seconds=i * seconds)
        path = site.parent / "archive" / camera / local_name(camera, t)
        out.append(write_tiny_video(path, seconds=seconds))
    return out
