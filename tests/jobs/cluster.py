"""A throw-away Redis on loopback and Celery workers started with `cctvkit worker`, for the jobs tests.

Outside CI a missing ``redis-server`` makes the Celery tests skip with the reason; under CI
(``CI=true``) it is an error, because ``make test`` installs it (scripts/ensure-redis.sh).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["RedisServer", "Worker", "find_redis"]

REPO = Path(__file__).resolve().parents[2]


def find_redis() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()), None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` on 127.0.0.1, persisting to an append-only file in ``directory``
    (``persistent=False``: nothing on disk, as Debian's package starts it: a restart empties it)."""

    def __init__(self, binary: str, directory: Path, *, persistent: bool = True) -> None:
        self.binary = binary
        self.directory = directory
        self.persistent = persistent
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                # A restart keeps the queue (as the README's ops section says), unless told otherwise.
                "--appendonly",
                "yes" if self.persistent else "no",
                "--save",
                "",
                "--protected-mode",
                "yes",
            ],
            stdout=open(self.directory / "redis.log", "ab"),  # noqa: SIM115 (the child owns it)
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def restart(self, down_s: float = 0.0) -> None:
        """Stop, wait ``down_s``, start again on the same port and files (persistent: the queue survives)."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Worker:
    """`cctvkit worker --concurrency 1` in its own session (so SIGKILL reaches its pool process too)."""

    def __init__(self, config: Path, name: str, log_dir: Path) -> None:
        self.name = name
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log_path = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cctvkit",
                "-c",
                str(config),
                "worker",
                "--concurrency",
                "1",
                "--name",
                f"{name}@%h",
                "--loglevel",
                "INFO",
            ],
            env=env,
            stdout=open(self.log_path, "ab"),  # noqa: SIM115 (the child owns it)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def owns(self, pid: int) -> bool:
        """Whether ``pid`` is this worker or one of its pool processes."""
        try:
            return os.getpgid(pid) == self.process.pid
        except ProcessLookupError:
            return False

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited: {self.log_path.read_text()[-2000:]}")
            if b" ready." in self.log_path.read_bytes():
                return
            time.sleep(0.2)
        log = self.log_path.read_text()[-2000:]
        raise RuntimeError(f"worker {self.name} not ready in {timeout} s: {log}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: a machine that dies mid-chunk."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        else:  # reap any pool process left behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
