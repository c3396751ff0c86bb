"""The review server's door on a real uvicorn: token, its one use, the secret path its cookie is
scoped to, Host names, changes, no-store."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from cctvkit.review_server.guard import ReviewGuard

TOKEN = "t0ken-of-the-printed-url"


@pytest.fixture
def server() -> Iterator[str]:
    async def hello(request):
        return PlainTextResponse(f"{request.method} ok")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/", hello), Route("/api/x", hello, methods=["GET", "POST"])])
    guard = ReviewGuard(app, token=TOKEN, hosts={f"127.0.0.1:{port}"}, cookie_name=f"c{port}")
    srv = uvicorn.Server(uvicorn.Config(guard, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    yield Served(f"http://127.0.0.1:{port}", guard.page_path)
    srv.should_exit = True
    thread.join(10)
    sock.close()


class Served(str):
    """The server's root URL, with the guard's secret page path."""

    def __new__(cls, url: str, page_path: str) -> Served:
        self = super().__new__(cls, url)
        self.page = url + page_path
        return self


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None):
    request = urllib.request.Request(
        url, method=method, headers=headers or {}, data=b"{}" if method == "POST" else None
    )
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_every_call_needs_the_token_once_then_the_session_cookie(server: Served) -> None:
    for path in ("/", "/api/x", "/missing", server.page[len(server) :] + "/api/x"):
        status, headers, body = fetch(server + path)
        assert status == 403 and headers["cache-control"] == "no-store" and "no valid token" in body
    assert fetch(server + "/?token=wrong")[0] == 403
    # A foreign Host (DNS rebinding) is refused and does not spend the token.
    assert fetch(server + f"/?token={TOKEN}", headers={"Host": "evil.example"})[0] == 403
    status, headers, body = fetch(server + f"/?token={TOKEN}")
    # The token sends the browser to the secret page path, with a cookie scoped to that path only.
    assert status == 303 and headers["location"] == server.page[len(server) :] + "/"
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    cookie = headers["set-cookie"].split(";")[0]
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    assert f"Path={server.page[len(server) :]};" in headers["set-cookie"]
    # The link is spent: without the session it opens nothing any more.
    assert fetch(server + f"/?token={TOKEN}")[0] == 403
    status, headers, body = fetch(server.page + "/api/x", headers={"Cookie": cookie})
    assert (status, body) == (200, "GET ok") and headers["cache-control"] == "no-store"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    # The cookie alone, replayed outside the secret path, opens nothing.
    assert fetch(server + "/api/x", headers={"Cookie": cookie})[0] == 403
    assert fetch(server.page + "/api/x", headers={"Cookie": cookie + "x"})[0] == 403
    assert fetch(server.page + "/api/x", headers={"Cookie": cookie, "Host": "localhost.evil"})[0] == 403


def test_changes_need_the_page_header_and_our_origin(server: Served) -> None:
    cookie = fetch(server + f"/?token={TOKEN}")[1]["set-cookie"].split(";")[0]
    api = server.page + "/api/x"
    assert fetch(api, method="POST", headers={"Cookie": cookie})[0] == 403
    page = {"Cookie": cookie, "X-Cctvkit-Review": "1"}
    assert fetch(api, method="POST", headers={**page, "Origin": "http://evil.example"})[0] == 403
    status, _, body = fetch(api, method="POST", headers={**page, "Origin": server})
    assert (status, body) == (200, "POST ok")
