"""Issue 29 on the real review server (no browser): lines of text are their own kind on the page;
the operator keeps one readable (the camera's burned-in clock, which identifies no one), stored and
audited, and the preview and the release leave it readable while text stays masked by default."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from cctvkit.catalog import audit_store
from cctvkit.errors import ConflictError
from cctvkit.redact import RedactOptions
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.review_page import open_review
from cctvkit.requests.text_lines import kept_text_boxes
from cctvkit.review_server import ReviewServer
from cctvkit.video import VideoReader
from tests.requests.test_end_to_end import _detail_kept
from tests.review_server.conftest import OPERATOR, MissingWalker, SampleRequest, short_request
from tests.review_server.test_inputs import Page

WINDOW = "gate@2026-10-01T09:00:04/09:00:05"
"""One second of the gate (10 frames): text detection is the slow part of this test."""

CLOCK_XYXY = [4.0, 4.0, 200.0, 28.0]
"""The burned-in clock at the top left (its line's box is about [0, 0, 212, 34])."""

OPTIONS = RedactOptions(mask_text=True)
NO_CHECK = FaceCheckOptions(enabled=False)  # faces are not what this test is about


def _frames(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [f.image for f in reader.frames()]


def test_a_line_of_text_kept_on_the_page_stays_readable_in_the_preview_and_the_release(
    sample_request: SampleRequest, missing_walker: MissingWalker
) -> None:
    site = sample_request
    request_id = short_request(site, WINDOW)
    session = open_review(
        site.catalog,
        site.config,
        request_id,
        actor=OPERATOR,
        options=OPTIONS,
        detector=missing_walker.inner,
        face_check=NO_CHECK,
    )
    (clip,) = session.clips.values()
    originals = _frames(clip.path)
    state = session.state()
    assert state["mask_text"] is True
    lines = state["clips"][0]["text_lines"]
    (clock,) = [line for line in lines if line["best_xyxy"][1] < 10]
    assert not clock["keep"] and clock["frames"] == len(originals) == 10
    jpeg = session.text_thumbnail(1, clock["line_id"])
    thumb = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumb.shape[1] == 160  # its widest sighting, unmasked, for the operator

    def preview(index: int) -> np.ndarray:
        jpeg = np.frombuffer(session.frame_jpeg(1, index), np.uint8)
        return cv2.cvtColor(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)

    assert _detail_kept(originals[5], preview(5), CLOCK_XYXY) < 0.5  # masked by default

    server = ReviewServer(session)
    server.start()
    try:
        page = Page(server)
        status, body = page.post("api/clips/1/text", {"lines": [99], "keep": True, "reason": "x"})
        assert status == 400 and "no line(s) of text [99]" in json.loads(body)["error"]
        blank = {"lines": [clock["line_id"]], "keep": True, "reason": ""}
        status, body = page.post("api/clips/1/text", blank)
        assert status == 400 and "needs a reason" in json.loads(body)["error"]
        reason = "the recorder's clock: identifies no one"
        status, body = page.post(
            "api/clips/1/text", {"lines": [clock["line_id"]], "keep": True, "reason": reason}
        )
        assert status == 200, body
    finally:
        server.stop()
    assert session.state()["clips"][0]["text_lines"][0]["keep"] is True
    assert _detail_kept(originals[5], preview(5), CLOCK_XYXY) > 0.8  # the page shows it readable

    # The release leaves the kept line readable on every frame (output pixels).
    result = process_request(
        site.catalog,
        site.config,
        request_id,
        actor=OPERATOR,
        options=ProcessOptions(redact=OPTIONS, face_check=NO_CHECK, mask_everyone=True),
    )
    (released_clip,) = result.manifest.clips
    assert released_clip.redaction["review"]["text_lines"] == [
        {"line": clock["line_id"], "keep": True, "reason": reason, "by": OPERATOR}
    ]
    released = _frames(result.path / released_clip.file)
    kept = [_detail_kept(o, r, CLOCK_XYXY) for o, r in zip(originals, released, strict=True)]
    assert min(kept) > 0.8, kept
    with site.catalog.read() as conn:
        (decided,) = [
            json.loads(r.details)
            for r in audit_store.list_audit(conn)
            if r.action == "review.text" and r.object_id == request_id
        ]
    assert decided.items() >= {"clip": 1, "line": clock["line_id"], "keep": True, "reason": reason}.items()

    # A kept line the review's analysis no longer has: refused, never silently masked or shown.
    with pytest.raises(ConflictError, match="review the request again"):
        kept_text_boxes(site.root / "no-such-work", 1, {clock["line_id"]})
