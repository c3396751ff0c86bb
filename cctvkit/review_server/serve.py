"""Run the review page on 127.0.0.1 with uvicorn: one URL with a one-time token, until Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from cctvkit.errors import UsageError
from cctvkit.requests.review_page import ReviewSession
from cctvkit.review_server.app import build_app
from cctvkit.review_server.guard import ReviewGuard, new_token

__all__ = ["HOST", "ReviewServer"]

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
"""Loopback only: the page shows unredacted faces (7.1); reach it from elsewhere through SSH."""


class _Server(uvicorn.Server):
    """uvicorn's server, but a stop signal ends the serving and nothing more: uvicorn re-raises
    it afterwards (the process would die before a release run started from the page finished)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class ReviewServer:
    """A review page for one :class:`ReviewSession`, bound to loopback.

    Args:
        session: the review.
        port: TCP port (0: any free one).

    Raises:
        UsageError: the port cannot be bound (in use, privileged).
    """

    def __init__(self, session: ReviewSession, *, port: int = 0) -> None:
        self.session = session
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A restart on the same port must not wait out the last run's TIME_WAIT connections.
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((HOST, port))
            self._socket.listen(128)  # connections wait in the backlog until uvicorn accepts them
        except OSError as exc:
            self._socket.close()
            raise UsageError(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None
        self.port = int(self._socket.getsockname()[1])
        token = new_token()
        self.url = f"http://{HOST}:{self.port}/?token={token}"
        self.app: ReviewGuard = build_app(
            session,
            token=token,
            hosts={f"{HOST}:{self.port}", f"localhost:{self.port}"},
            cookie_name=f"cctvkit_review_{self.port}",
        )
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", server_header=False
        )
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def page_url(self) -> str:
        """The page's secret address the token link redirects to (its session cookie's scope)."""
        return f"http://{HOST}:{self.port}{self.app.page_path}/"

    def serve_forever(self) -> None:
        """Serve in this thread until SIGINT/SIGTERM, then wait for a release run the page started."""
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()
            self._join_release_run()

    def start(self) -> None:
        """Serve on a background thread (tests, embedding); :meth:`stop` ends it."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="review-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the review server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._socket.close()
        self._join_release_run()

    def _join_release_run(self) -> None:
        # A release run started from the page finishes (or fails) before the process exits, so
        # it never leaves a half-built package for the next run to settle.
        job = self.app.app.state.job
        job.join()
