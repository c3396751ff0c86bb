"""Issue 28, findings 3 and 4 on the real review server: inputs that failed open or crashed the
page now get a 400 with one line, and approving the same decisions twice makes one release."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from cctvkit.redact import RedactOptions
from cctvkit.requests.review_page import ReviewSession, open_review
from cctvkit.review_server import ReviewServer
from tests.review_server.conftest import OPERATOR, MissingWalker, SampleRequest, short_request

SHORT_WINDOW = "gate@2026-10-01T09:00:04/09:00:06"
"""The sample request's first 2 s, subject in view: for a test that releases twice."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Page:
    """A client holding the page's session, as the operator's browser does."""

    def __init__(self, server: ReviewServer) -> None:
        self.server = server
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(server.url, timeout=10) as response:  # before issue 28: the page itself
                headers, location = response.headers, "/"
        except urllib.error.HTTPError as exc:  # the 303 to the page's path
            assert exc.code == 303
            headers, location = exc.headers, exc.headers["location"]
        self.cookie = headers["set-cookie"].split(";")[0]
        self.base = f"http://127.0.0.1:{server.port}{location}"

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie, "X-Cctvkit-Review": "1", "Content-Type": "application/json"}
        path = urllib.parse.quote(path, safe="/.")
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, path: str, data: object) -> tuple[int, str]:
        return self.call("POST", path, json.dumps(data).encode() if not isinstance(data, bytes) else data)


def _one_line_400(status: int, body: str) -> str:
    assert status == 400, (status, body)
    error = json.loads(body)["error"]
    assert "\n" not in error and "Traceback" not in error
    return error


@pytest.fixture
def served(sample_request: SampleRequest, missing_walker: MissingWalker):
    session = open_review(
        sample_request.catalog,
        sample_request.config,
        sample_request.request_id,
        actor=OPERATOR,
        detector=missing_walker,
    )
    server = ReviewServer(session)
    server.start()
    yield session, server
    server.stop()


def test_bad_fields_get_one_line_400s_and_fail_closed(served) -> None:
    session, server = served
    page = Page(server)
    (clip,) = session.clips.values()
    track = min(clip.tracks)

    # "false" (a string) once kept the face visible: now refused, and the track stays masked.
    assert "keep must be true or false" in _one_line_400(
        *page.post("api/clips/1/keep", {"tracks": [track], "keep": "false", "reason": "the requester"})
    )
    state = json.loads(page.call("GET", "api/state")[1])
    assert not [t for t in state["clips"][0]["tracks"] if t["keep"]]

    bad_bodies: list[tuple[str, object]] = [
        ("api/clips/1/keep", {"tracks": ["²"], "keep": True}),
        ("api/clips/1/keep", {"tracks": ["١"], "keep": True}),
        ("api/clips/1/keep", {"tracks": ["--1"], "keep": True}),
        ("api/clips/1/keep", b'{"tracks": [' + b"9" * 5000 + b'], "keep": true}'),
        ("api/clips/1/keep", {"tracks": ["9" * 5000], "keep": True}),
        ("api/clips/1/keep", {"tracks": [2**70], "keep": True}),
        ("api/clips/1/keep", {"tracks": [track], "keep": True, "reason": "\x1b]0;owned\x07"}),
        ("api/clips/1/masks", b'{"frame": 5, "xyxy": [NaN, 0, 10, 10]}'),
        ("api/clips/1/masks", b'{"frame": 5, "xyxy": [0, 0, Infinity, 10]}'),
        ("api/clips/1/masks", {"frame": 5, "xyxy": [1e400, 0, 10, 10]}),
        ("api/clips/1/masks", {"frame": "5", "xyxy": [0, 0, 10, 10], "extra": 1}),
        ("api/clips/1/masks/1", {"first_frame": 2**63, "last_frame": 3}),
        ("api/clips/1/keep", b"[" * 30000 + b"]" * 30000),
    ]
    for path, body in bad_bodies:
        _one_line_400(*page.post(path, body))
    for path in (
        "api/clips/²/frames/0.jpg",
        "api/clips/1/frames/١.jpg",
        "api/clips/1/frames/--1.jpg",
        f"api/clips/1/frames/{'9' * 5000}.jpg",
        f"api/clips/{2**64}/tracks/1.jpg",
    ):
        _one_line_400(*page.call("GET", path))
    # Nothing changed: no kept track, no mask.
    state = json.loads(page.call("GET", "api/state")[1])
    assert not [t for t in state["clips"][0]["tracks"] if t["keep"]] and state["clips"][0]["masks"] == []

    # A box over the whole frame (OpenCV asserted) is a mask over the whole frame.
    status, body = page.post("api/clips/1/masks", {"frame": 5, "xyxy": [-10, -10, 1e6, 1e6], "reason": "all"})
    assert status == 200, body
    (mask,) = json.loads(page.call("GET", "api/state")[1])["clips"][0]["masks"]
    assert mask["anchor_xyxy"] == [0.0, 0.0, float(clip.width), float(clip.height)]


def test_a_huge_body_is_refused_before_it_is_read(sample_request: SampleRequest) -> None:
    site = sample_request
    session = ReviewSession(
        site.catalog, site.config, site.request_id, actor=OPERATOR, options=RedactOptions(), clips=[]
    )
    server = ReviewServer(session)
    server.start()
    try:
        _huge_body(server)
    finally:
        server.stop()


def _huge_body(server: ReviewServer) -> None:
    page = Page(server)
    path = page.base.split(str(server.port), 1)[1] + "api/clips/1/keep"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {page.cookie}\r\n"
            "X-Cctvkit-Review: 1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
            + b" " * 65536
        )
        started = time.monotonic()
        reply = ""
        while "\r\n\r\n" not in reply or not reply.rstrip().endswith("}"):
            chunk = sock.recv(4096)  # answered without the other 199.9 MB
            if not chunk:
                break
            reply += chunk.decode(errors="replace")
    assert reply.startswith("HTTP/1.1 400"), reply
    assert "too large" in reply and time.monotonic() - started < 5


@pytest.fixture
def served_short(sample_request: SampleRequest, missing_walker: MissingWalker):
    request_id = short_request(sample_request, SHORT_WINDOW)
    session = open_review(
        sample_request.catalog, sample_request.config, request_id, actor=OPERATOR, detector=missing_walker
    )
    server = ReviewServer(session)
    server.start()
    yield session, server
    server.stop()


def test_approving_the_same_decisions_twice_makes_one_release(
    served_short, sample_request: SampleRequest
) -> None:
    session, server = served_short
    page = Page(server)

    def approve(body: dict) -> dict:
        status, text = page.post("api/approve", body)
        assert status == 200, text
        deadline = time.monotonic() + 120
        while (state := json.loads(page.call("GET", "api/approve")[1]))["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert state["state"] == "done" and state["verified"], state
        return state

    (clip,) = session.clips.values()
    assert (
        page.post(
            "api/clips/1/keep", {"tracks": [min(clip.tracks)], "keep": True, "reason": "the requester"}
        )[0]
        == 200
    )
    first = approve({})
    second = approve({})
    assert second["release_id"] == first["release_id"] and second["repeated"] is True
    releases = sorted(p.name for p in Path(sample_request.config.release_dir).iterdir())
    assert releases == [first["release_id"]]
    third = approve({"again": True})  # another release is an explicit action
    assert third["release_id"] != first["release_id"] and third["repeated"] is False
    _one_line_400(*page.post("api/approve", {"again": "yes"}))


def test_restart_on_the_same_port_right_away(sample_request: SampleRequest) -> None:
    """Issue 28: restarting the page on its port within a minute failed ("Address already in use")."""
    site = sample_request
    session = ReviewSession(
        site.catalog, site.config, site.request_id, actor=OPERATOR, options=RedactOptions(), clips=[]
    )
    first = ReviewServer(session)
    first.start()
    port = first.port
    # A browser's keep-alive connection, closed by the server when it stops: TIME_WAIT on its port.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert sock.recv(5) == b"HTTP/"
        first.stop()
        while sock.recv(4096):  # read to the server's close (unread bytes would reset, not TIME_WAIT)
            pass
    again = ReviewServer(session, port=port)
    again.start()
    try:
        assert again.port == port
        assert Page(again).cookie  # it serves
    finally:
        again.stop()
