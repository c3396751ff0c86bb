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


RELEASE_IMPORTS = (
    "av",
    "cv2",
    "onnxruntime",
    "cctvkit.redact.pipeline",
    "cctvkit.redact.detectors.centerface",
    "cctvkit.requests.run",
    "cctvkit.requests.process",
)
"""What a release run imports lazily (~1.5 s on a quiet machine, 5 s at load 11): imported once by a
:class:`CliServer` before it forks, as a pre-forking server would, so that every run spends its time
in the work a kill should land in."""

SERVER = """
import importlib, json, os, sys
from cctvkit.cli.main import app
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:  # a fresh cctvkit process, as if started from a shell (its own catalog connection)
        os.environ.update(job["env"])
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # the protocol owns this process's stdout
        os.dup2(quiet, 2)
        try:
            app(args=job["args"], prog_name="cctvkit")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        os._exit(code)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


class CliServer:
    """Imports cctvkit once, then forks one real ``cctvkit`` process per command (a test may kill it).

    Saves the imports per run that a fresh interpreter costs (the CLI's ~1.5 s, and ``preload``'s:
    by default :data:`RELEASE_IMPORTS`); each run is still a process of its own that a SIGKILL takes
    down without any cleanup.
    """

    def __init__(self, config: Path, *, preload: tuple[str, ...] = RELEASE_IMPORTS) -> None:
        self.config = config
        env = {k: v for k, v in os.environ.items() if k != "CCTVKIT_FAULT"}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, *preload], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self._read() == "ready"

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line, "the cctvkit server died"
        return line

    def start(self, *args: str, fault: str | None = None, operator: str = OPERATOR) -> int:
        """Start ``cctvkit -c CONFIG ARGS``; return its pid."""
        import json

        assert self.proc.stdin is not None
        env = {"CCTVKIT_OPERATOR": operator, "CCTVKIT_FAULT": fault or ""}
        self.proc.stdin.write(json.dumps({"args": ["-c", str(self.config), *args], "env": env}) + "\n")
        self.proc.stdin.flush()
        return int(self._read())

    def wait(self) -> int:
        """Exit code of the run started last (negative: killed by that signal)."""
        return int(self._read())

    def run(self, *args: str, fault: str | None = None) -> int:
        self.start(*args, fault=fault)
        return self.wait()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
