"""The review page's HTTP routes (Starlette): the page, its script, preview frames, thumbnails, decisions."""

from __future__ import annotations

import json
import logging
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cctvkit.errors import CctvkitError, NotFoundError, UsageError
from cctvkit.review_server.approval_job import ApprovalJob
from cctvkit.review_server.guard import ReviewGuard
from cctvkit.review_server.session import ReviewSession

__all__ = ["build_app"]

log = logging.getLogger(__name__)

STATIC = {
    "index.html": "text/html; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}

MAX_BODY = 64 * 1024
"""Largest JSON body accepted (a decision is a few hundred bytes)."""


def _static(name: str) -> bytes:
    return resources.files("cctvkit.review_server").joinpath("static", name).read_bytes()


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise UsageError("request body too large")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise UsageError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise UsageError("the body must be a JSON object")
    return data


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise UsageError(f"{name} must be a whole number")
    return int(value)


def _error(exc: CctvkitError) -> JSONResponse:
    status = 404 if isinstance(exc, NotFoundError) else 400 if isinstance(exc, UsageError) else 409
    return JSONResponse({"error": str(exc)}, status_code=status)


def build_app(session: ReviewSession, *, token: str, hosts: set[str], cookie_name: str) -> ReviewGuard:
    """The ASGI application for one review, behind its :class:`ReviewGuard`."""
    job = ApprovalJob(session)

    def page(name: str):
        async def endpoint(_request: Request) -> Response:
            return Response(_static(name), media_type=STATIC[name])

        return endpoint

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except CctvkitError as exc:
                return _error(exc)

        return endpoint

    async def state(_request: Request) -> Response:
        data = await run_in_threadpool(session.state)
        data["approval"] = job.status()
        return JSONResponse(data)

    async def frame(request: Request) -> Response:
        clip, index = _int(request.path_params["clip"], "clip"), _int(request.path_params["frame"], "frame")
        data = await run_in_threadpool(session.frame_jpeg, clip, index)
        return Response(data, media_type="image/jpeg")

    async def thumbnail(request: Request) -> Response:
        clip, track = _int(request.path_params["clip"], "clip"), _int(request.path_params["track"], "track")
        return Response(session.thumbnail(clip, track), media_type="image/jpeg")

    async def keep(request: Request) -> Response:
        clip = _int(request.path_params["clip"], "clip")
        body = await _json_body(request)
        tracks = body.get("tracks")
        if not isinstance(tracks, list):
            raise UsageError("tracks must be a list of track ids")
        await run_in_threadpool(
            lambda: session.set_keep(
                clip,
                [_int(t, "track") for t in tracks],
                keep=bool(body.get("keep")),
                reason=str(body.get("reason") or ""),
            )
        )
        return JSONResponse({"ok": True})

    async def add_mask(request: Request) -> Response:
        clip = _int(request.path_params["clip"], "clip")
        body = await _json_body(request)
        xyxy = body.get("xyxy")
        if not isinstance(xyxy, list) or len(xyxy) != 4 or not all(isinstance(v, int | float) for v in xyxy):
            raise UsageError("xyxy must be [x1, y1, x2, y2] in pixels")
        mask = await run_in_threadpool(
            lambda: session.add_mask(
                clip, _int(body.get("frame"), "frame"), xyxy, reason=str(body.get("reason") or "")
            )
        )
        return JSONResponse({"id": mask.id, "first_frame": mask.first_frame, "last_frame": mask.last_frame})

    async def edit_mask(request: Request) -> Response:
        clip, mask_id = _int(request.path_params["clip"], "clip"), _int(request.path_params["mask"], "mask")
        if request.method == "DELETE":
            await run_in_threadpool(session.remove_mask, clip, mask_id)
            return JSONResponse({"ok": True})
        body = await _json_body(request)
        first, last = _int(body.get("first_frame"), "first_frame"), _int(body.get("last_frame"), "last_frame")
        await run_in_threadpool(lambda: session.edit_mask(clip, mask_id, first_frame=first, last_frame=last))
        return JSONResponse({"ok": True})

    async def approve(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(job.status())
        return JSONResponse(await run_in_threadpool(job.start))

    routes = [
        Route("/", page("index.html")),
        Route("/static/review.js", page("review.js")),
        Route("/static/review.css", page("review.css")),
        Route("/api/state", guarded(state)),
        Route("/api/clips/{clip}/frames/{frame}.jpg", guarded(frame)),
        Route("/api/clips/{clip}/tracks/{track}.jpg", guarded(thumbnail)),
        Route("/api/clips/{clip}/keep", guarded(keep), methods=["POST"]),
        Route("/api/clips/{clip}/masks", guarded(add_mask), methods=["POST"]),
        Route("/api/clips/{clip}/masks/{mask}", guarded(edit_mask), methods=["POST", "DELETE"]),
        Route("/api/approve", guarded(approve), methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.job = job
    return ReviewGuard(app, token=token, hosts=hosts, cookie_name=cookie_name)
