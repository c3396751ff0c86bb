"""The review server's door: one-time token, a session bound to this server, loopback Host names
only, nothing cached (issues #15, #28).

An ASGI middleware in front of every page and API call:

- The URL printed at start carries a random token. Its first use redirects the browser to the
  page's secret path (``/s/<random>/``) and sets a session cookie (a second random secret,
  ``HttpOnly``, ``SameSite=Strict``) scoped to that path; the token is spent: the same link opened
  later, elsewhere, or by another local user is refused. Every page and API call must be under
  the secret path *and* carry the cookie, else 403.
- Why the path: browsers do not separate cookies by port, so a cookie scoped to ``/`` went to any
  other server on 127.0.0.1 the operator's browser visited, which could replay it. Scoped to a path
  only this server's page knows, the browser sends it nowhere else, and the cookie alone opens
  nothing.
- The ``Host`` header must name this server's own loopback address and port, so a web page
  that rebinds a DNS name to 127.0.0.1 cannot reach it (403 otherwise).
- Requests that change something must carry the page's ``X-Cctvkit-Review`` header, which a
  cross-site form cannot send, and any ``Origin`` must be this server's.
- Every response says ``Cache-Control: no-store`` (unredacted thumbnails must not land in a
  browser cache), no referrer, no framing, ``Cross-Origin-Resource-Policy: same-origin`` (another
  local page cannot embed the thumbnails) and a content policy of this origin only.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

__all__ = ["CHANGE_HEADER", "ReviewGuard", "new_token"]

log = logging.getLogger(__name__)

CHANGE_HEADER = "x-cctvkit-review"
"""Header the page's script sends with every change (POST, DELETE)."""

SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"pragma", b"no-cache"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


class ReviewGuard:
    """Refuse every request without the token, from a foreign Host, or a cross-site change.

    Args:
        app: the ASGI application behind the guard.
        token: the one-time token of the printed URL.
        hosts: the accepted ``Host`` header values (``127.0.0.1:PORT``...).
        cookie_name: the session cookie (per port: cookies do not separate ports).
    """

    def __init__(self, app: ASGIApp, *, token: str, hosts: set[str], cookie_name: str) -> None:
        self.app = app
        self._token: str | None = token
        self._session = secrets.token_urlsafe(32)
        self.page_path = f"/s/{secrets.token_urlsafe(24)}"
        """The secret path every page and API call lives under (its cookie is scoped to it)."""
        self._hosts = {h.lower() for h in hosts}
        self._origins = {f"http://{h}" for h in self._hosts}
        self._cookie = cookie_name
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "").lower() not in self._hosts:
            log.warning("review server: refused Host %r", headers.get("host"))
            await _refuse(send, "this server answers only on its own loopback address")
            return
        path: str = scope.get("path", "")
        inside = path.startswith(self.page_path + "/")
        if not (inside and self._has_session(headers.get("cookie", ""))):
            if path != "/" or not self._spend(scope.get("query_string", b"").decode("latin-1")):
                await _refuse(
                    send, "no valid token: open the URL printed by `cctvkit request review --serve`"
                )
                return
            cookie = f"{self._cookie}={self._session}; Path={self.page_path}; HttpOnly; SameSite=Strict"
            await _redirect(send, self.page_path + "/", cookie)
            return
        # The routes behind the guard know nothing of the secret path.
        scope = dict(scope)
        scope["path"] = path[len(self.page_path) :]
        if "raw_path" in scope and scope["raw_path"] is not None:
            scope["raw_path"] = scope["raw_path"][len(self.page_path) :]
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if headers.get(CHANGE_HEADER) != "1" or (origin is not None and origin not in self._origins):
                await _refuse(send, "changes are accepted from the review page only")
                return

        async def send_secured(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                names = {name for name, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_secured)

    def _has_session(self, cookie_header: str) -> bool:
        if not cookie_header:
            return False
        jar = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed header is no session
            return False
        morsel = jar.get(self._cookie)
        return morsel is not None and hmac.compare_digest(morsel.value, self._session)

    def _spend(self, query: str) -> bool:
        """Accept the URL's token once; afterwards only the session cookie opens the page."""
        given = parse_qs(query).get("token", [""])[0]
        with self._lock:
            if self._token is None or not given or not hmac.compare_digest(given, self._token):
                return False
            self._token = None
        return True


async def _refuse(send: Send, reason: str) -> None:
    body = f"403 Forbidden: {reason}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str, cookie: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"content-length", b"0"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
