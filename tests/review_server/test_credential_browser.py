"""Issue 28, finding 1: the review session goes to no other server on 127.0.0.1, in a real Chromium.

Cookies are not separated by port: the operator's browser sent the review cookie to a page served
on another local port, whose owner replayed it (with the page's header, which curl sets freely) to
read unmasked thumbnails and approve a release. Here the operator opens the review link, then a
page of a second local server on another port; everything that server receives is replayed
against the review server, and nothing opens.
"""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from cctvkit.redact import RedactOptions
from cctvkit.requests.review_page import ReviewSession
from cctvkit.review_server import ReviewServer
from tests.review_server.conftest import OPERATOR, SampleRequest
from tests.review_server.test_browser import _wait, browser  # noqa: F401 (fixture)

BYSTANDER_PAGE = b"""<!doctype html><html><body><p id="ready">bystander</p>
<img src="/pixel.png"><script>
fetch("/probe", {credentials: "include"}).then(() => { document.getElementById("ready").id = "done"; });
</script></body></html>"""


@pytest.fixture
def bystander() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another local web server (another user's process): records every request's headers."""
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            body = BYSTANDER_PAGE if self.path == "/" else b""
            self.send_response(200 if body else 204)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


def _status(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_another_local_server_receives_nothing_usable(
    sample_request: SampleRequest,
    browser,  # noqa: F811
    bystander: tuple[str, list[dict[str, str]]],
) -> None:
    from selenium.webdriver.common.by import By

    site = sample_request
    session = ReviewSession(
        site.catalog, site.config, site.request_id, actor=OPERATOR, options=RedactOptions(), clips=[]
    )
    server = ReviewServer(session)
    server.start()
    try:
        browser.get(server.url)
        _wait(
            browser,
            lambda d: site.request_id in d.find_element(By.ID, "title").text,
            20,
            "the review page did not load its state",
        )
        page_url = browser.current_url  # the token link went to the page's secret path
        bystander_url, seen = bystander
        browser.get(bystander_url)
        _wait(browser, lambda d: d.find_elements(By.ID, "done"), 20, "the bystander page did not finish")
        assert {r["path"] for r in seen} >= {"/", "/pixel.png", "/probe"}
        cookie_name = f"cctvkit_review_{server.port}"
        assert not [r for r in seen if cookie_name in r.get("cookie", "")], seen
        # Replay everything it got, with the page's header, on every route and the page's own path.
        for request in seen:
            headers = {k: v for k, v in request.items() if k in ("cookie", "user-agent", "accept")}
            headers["X-Cctvkit-Review"] = "1"
            for url in (server.base_url + "api/state", page_url + "api/state"):
                assert _status(url, headers) == 403, (url, headers)
        # The operator's page still works after the detour.
        assert page_url == server.page_url
        browser.get(page_url)
        _wait(browser, lambda d: site.request_id in d.find_element(By.ID, "title").text, 20, "reload")
    finally:
        server.stop()
