"""The review page's HTTP routes (Starlette): the page, its script, preview frames, thumbnails, decisions."""

from __future__ import annotations

import logging
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cctvkit.errors import CctvkitError, NotFoundError, UsageError
from cctvkit.requests.review_page import ReviewSession
from cctvkit.review_server import validate
from cctvkit.review_server.approval_job import ApprovalJob
from cctvkit.review_server.guard import ReviewGuard

__all__ = ["build_app"]

log = logging.getLogger(__name__)

STATIC = {
    "index.html": "text/html; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}


def _static(name: str) -> bytes:
    return resources.files("cctvkit.review_server").joinpath("static", name).read_bytes()


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
        clip = validate.whole_number(request.path_params["clip"], "clip")
        index = validate.whole_number(request.path_params["frame"], "frame")
        data = await run_in_threadpool(session.frame_jpeg, clip, index)
        return Response(data, media_type="image/jpeg")

    async def thumbnail(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        track = validate.whole_number(request.path_params["track"], "track")
        return Response(session.thumbnail(clip, track), media_type="image/jpeg")

    async def keep(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        body = await validate.json_object(request)
        validate.fields(body, ("tracks", "keep", "reason"))
        tracks = validate.id_list(body.get("tracks"), "tracks")
        keep_it = validate.boolean(body.get("keep"), "keep")
        reason = validate.text(body.get("reason"), "reason")
        await run_in_threadpool(lambda: session.set_keep(clip, tracks, keep=keep_it, reason=reason))
        return JSONResponse({"ok": True})

    async def text_thumbnail(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        line = validate.whole_number(request.path_params["line"], "line")
        return Response(session.text_thumbnail(clip, line), media_type="image/jpeg")

    async def keep_text(request: Request) -> Response:
        # Issue 29: lines of text kept readable (a shop sign) or masked.
        clip = validate.whole_number(request.path_params["clip"], "clip")
        body = await validate.json_object(request)
        validate.fields(body, ("lines", "keep", "reason"))
        lines = validate.id_list(body.get("lines"), "lines")
        keep_it = validate.boolean(body.get("keep"), "keep")
        reason = validate.text(body.get("reason"), "reason")
        await run_in_threadpool(lambda: session.set_text_keep(clip, lines, keep=keep_it, reason=reason))
        return JSONResponse({"ok": True})

    async def add_mask(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        body = await validate.json_object(request)
        validate.fields(body, ("frame", "xyxy", "reason", "kind"))
        view = session.clip(clip)
        frame_index = validate.whole_number(body.get("frame"), "frame")
        xyxy = validate.box(body.get("xyxy"), "xyxy", width=view.width, height=view.height)
        reason = validate.text(body.get("reason"), "reason")
        kind = validate.text(body.get("kind"), "kind") or "mask"
        mask = await run_in_threadpool(
            lambda: session.add_mask(clip, frame_index, xyxy, reason=reason, kind=kind)
        )
        return JSONResponse({"id": mask.id, "first_frame": mask.first_frame, "last_frame": mask.last_frame})

    async def edit_mask(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        mask_id = validate.whole_number(request.path_params["mask"], "mask")
        if request.method == "DELETE":
            await run_in_threadpool(session.remove_mask, clip, mask_id)
            return JSONResponse({"ok": True})
        body = await validate.json_object(request)
        validate.fields(body, ("first_frame", "last_frame"))
        first = validate.whole_number(body.get("first_frame"), "first_frame")
        last = validate.whole_number(body.get("last_frame"), "last_frame")
        await run_in_threadpool(lambda: session.edit_mask(clip, mask_id, first_frame=first, last_frame=last))
        return JSONResponse({"ok": True})

    async def evidence(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        finding = validate.whole_number(request.path_params["finding"], "finding")
        data = await run_in_threadpool(session.finding_evidence, clip, finding)
        return Response(data, media_type="image/png")

    async def finding(request: Request) -> Response:
        # One face the face check still saw: mask it (moving with it) or accept it with a reason.
        clip = validate.whole_number(request.path_params["clip"], "clip")
        face = validate.whole_number(request.path_params["face"], "face")
        action = request.path_params["action"]
        if action not in ("mask", "accept"):
            raise NotFoundError(f"no action {action[:20]!r} on a face (mask or accept)")
        body = await validate.json_object(request)
        validate.fields(body, ("attempt", "reason"))
        attempt = validate.text(body.get("attempt"), "attempt")
        if action == "mask":
            mask = await run_in_threadpool(lambda: session.mask_finding(clip, face, attempt=attempt))
            return JSONResponse(
                {"mask": mask.id, "first_frame": mask.first_frame, "last_frame": mask.last_frame}
            )
        reason = validate.text(body.get("reason"), "reason")
        accepted = await run_in_threadpool(
            lambda: session.accept_finding(clip, face, attempt=attempt, reason=reason)
        )
        return JSONResponse({"accepted": accepted.id})

    async def withdraw(request: Request) -> Response:
        clip = validate.whole_number(request.path_params["clip"], "clip")
        accepted = validate.whole_number(request.path_params["accepted"], "accepted")
        await run_in_threadpool(session.withdraw_acceptance, clip, accepted)
        return JSONResponse({"ok": True})

    async def approve(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse(job.status())
        body = await validate.json_object(request, optional=True)
        validate.fields(body, ("again",))
        again = validate.boolean(body.get("again", False), "again")
        return JSONResponse(await run_in_threadpool(lambda: job.start(again=again)))

    routes = [
        Route("/", page("index.html")),
        Route("/static/review.js", page("review.js")),
        Route("/static/review.css", page("review.css")),
        Route("/api/state", guarded(state)),
        Route("/api/clips/{clip}/frames/{frame}.jpg", guarded(frame)),
        Route("/api/clips/{clip}/tracks/{track}.jpg", guarded(thumbnail)),
        Route("/api/clips/{clip}/keep", guarded(keep), methods=["POST"]),
        Route("/api/clips/{clip}/text/{line}.jpg", guarded(text_thumbnail)),
        Route("/api/clips/{clip}/text", guarded(keep_text), methods=["POST"]),
        Route("/api/clips/{clip}/masks", guarded(add_mask), methods=["POST"]),
        Route("/api/clips/{clip}/masks/{mask}", guarded(edit_mask), methods=["POST", "DELETE"]),
        Route("/api/clips/{clip}/findings/{finding}.png", guarded(evidence)),
        Route("/api/clips/{clip}/faces/{face}/{action:str}", guarded(finding), methods=["POST"]),
        Route("/api/clips/{clip}/accepted/{accepted}", guarded(withdraw), methods=["DELETE"]),
        Route("/api/approve", guarded(approve), methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.job = job
    return ReviewGuard(app, token=token, hosts=hosts, cookie_name=cookie_name)
