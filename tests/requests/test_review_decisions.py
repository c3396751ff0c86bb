"""Review decisions (kept tracks, manual masks) stored per clip, audited, and applied by `request process`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from cctvkit.catalog import audit_store
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.reviews import insert_reviews
from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.redact import RedactOptions
from cctvkit.requests import decisions
from cctvkit.requests.clips import plan_clips
from cctvkit.requests.coverage import find_coverage
from cctvkit.requests.keeping import review_records
from cctvkit.requests.lifecycle import get_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.retention.restrictions import restrict_recording
from cctvkit.video import VideoReader
from tests.requests.conftest import OPERATOR, IndexedSite
from tests.requests.test_process import NOW, _subject

BOX = (8.0, 8.0, 40.0, 40.0)
"""A manual mask over the middle of the 64x48 frames (the moving bar crosses it)."""


def _clip(site: IndexedSite, request_id: str, number: int = 1) -> decisions.ClipRef:
    clips = plan_clips(find_coverage(site.catalog, get_request(site.catalog, request_id)))
    return decisions.clip_ref(clips[number - 1])


def _audit(site: IndexedSite, prefix: str) -> list[dict]:
    with site.catalog.read() as conn:
        return [json.loads(r.details) for r in audit_store.list_audit(conn) if r.action.startswith(prefix)]


def _frames(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [f.image for f in reader.frames()]


def _edges(image: np.ndarray) -> float:
    x1, y1, x2, y2 = (round(v) for v in BOX)
    gray = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY).astype(np.float64)
    return float(np.abs(cv2.Laplacian(gray, cv2.CV_64F)).mean())


def test_manual_mask_reaches_the_release_pixels_and_the_audit(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    ref = _clip(site, req.id)
    boxes = {f: BOX for f in range(40)}
    mask = decisions.add_mask(
        site.catalog,
        req.id,
        ref,
        decisions.DrawnMask(10, BOX, boxes, first_frame=5, last_frame=30),
        reason="face behind the glass",
        actor=OPERATOR,
        now=NOW,
    )
    assert (mask.first_frame, mask.last_frame, len(mask.boxes_in_span())) == (5, 30, 26)
    # Only manual masks were decided: the requester is masked too, on purpose (issue 13's rule).
    options = ProcessOptions(mask_everyone=True)
    result = process_request(site.catalog, site.config, req.id, actor=OPERATOR, options=options, now=NOW)
    (clip,) = result.manifest.clips
    assert clip.redaction["review"]["manual_masks"] == [
        {"id": mask.id, "frames": [5, 30], "reason": "face behind the glass", "by": OPERATOR}
    ]
    released = _frames(result.path / clip.file)
    (cut,) = (Path(site.config.data_dir) / "work" / req.id).glob("cut-*.mp4")
    original = _frames(cut)
    # Inside the span the box has lost its edges (the bar is blurred away); outside it is intact.
    checked = {"inside": 0, "outside": 0}
    for index, (before, after) in enumerate(zip(original, released, strict=True)):
        if _edges(before) < 1:
            continue  # the bar is elsewhere: nothing to see in the box
        ratio = _edges(after) / _edges(before)
        if 5 <= index <= 30:
            assert ratio < 0.5, f"frame {index}: the manual mask is missing ({ratio:.2f})"
            checked["inside"] += 1
        else:
            assert ratio > 0.7, f"frame {index}: masked outside the mask's span ({ratio:.2f})"
            checked["outside"] += 1
    assert checked["inside"] >= 8 and checked["outside"] >= 3, checked
    (added,) = _audit(site, "review.mask.add")
    assert added["span"] == [5, 30] and added["reason"] == "face behind the glass"


def test_kept_tracks_are_used_and_the_cli_overrides_them(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    ref = _clip(site, req.id)
    decisions.set_track_keep(
        site.catalog, req.id, ref, 7, keep=True, reason="the requester", actor=OPERATOR, now=NOW
    )
    # A review that showed track 7 (issue 13: kept ids must come from one); the tiny clip has no
    # face track 7 when redacted, and the decision is applied, so process names it.
    clips = plan_clips(find_coverage(site.catalog, req))
    with site.catalog.write() as conn:
        seen = review_records(req.id, clips, {1: [7]}, RedactOptions(), actor=OPERATOR, now=NOW)
        insert_reviews(conn, seen)
    with pytest.raises(UsageError, match=r"track id\(s\) \[7\] do not exist"):
        process_request(site.catalog, site.config, req.id, actor=OPERATOR, now=NOW)
    # --keep-track for the clip replaces the page's kept tracks.
    result = process_request(
        site.catalog,
        site.config,
        req.id,
        actor=OPERATOR,
        options=ProcessOptions(keep_tracks={1: frozenset()}),
        now=NOW,
    )
    review = result.manifest.clips[0].redaction["review"]
    assert review["kept_tracks"] == [7] and review["kept_tracks_overridden_by_cli"] is True
    # A later decision replaces the earlier one; both stay in the audit log.
    decisions.set_track_keep(
        site.catalog, req.id, ref, 7, keep=False, reason="not the requester", actor=OPERATOR, now=NOW
    )
    assert (
        decisions.load_decisions(site.catalog, req.id, plan_clips(find_coverage(site.catalog, req)))[
            1
        ].keep_tracks
        == frozenset()
    )
    assert [(d["track"], d["keep"]) for d in _audit(site, "review.track")] == [(7, True), (7, False)]


def test_decisions_on_a_changed_clip_are_refused(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    decisions.set_track_keep(
        site.catalog,
        req.id,
        _clip(site, req.id),
        1,
        keep=True,
        reason="the requester",
        actor=OPERATOR,
        now=NOW,
    )
    with site.catalog.read() as conn:
        first = next(
            r for r in rq.list_recordings(conn, camera_ids=["gate"]) if r.path.endswith("100000.mp4")
        )
    # The clip now starts a segment later: its frame numbers and track ids no longer hold.
    restrict_recording(site.catalog, first.id, actor=OPERATOR, reason="objection under 13.2.3", now=NOW)
    with pytest.raises(ConflictError, match="review it again"):
        process_request(site.catalog, site.config, req.id, actor=OPERATOR, now=NOW)


def test_bad_decisions_are_refused_and_removed_masks_stop_applying(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    ref = _clip(site, req.id)
    with pytest.raises(UsageError, match="needs a reason"):
        decisions.set_track_keep(site.catalog, req.id, ref, 1, keep=True, reason="  ", actor=OPERATOR)
    with pytest.raises(UsageError, match="does not contain the drawn frame"):
        decisions.add_mask(
            site.catalog,
            req.id,
            ref,
            decisions.DrawnMask(3, BOX, {3: BOX}, 4, 9),
            reason="missed face",
            actor=OPERATOR,
        )
    mask = decisions.add_mask(
        site.catalog,
        req.id,
        ref,
        decisions.DrawnMask(3, BOX, {3: BOX}, 3, 3),
        reason="missed face",
        actor=OPERATOR,
    )
    with pytest.raises(UsageError, match="needs 0 <= first <= last < 40"):
        decisions.edit_mask_span(
            site.catalog, req.id, mask.id, first_frame=3, last_frame=40, frame_count=40, actor=OPERATOR
        )
    edited = decisions.edit_mask_span(
        site.catalog, req.id, mask.id, first_frame=0, last_frame=39, frame_count=40, actor=OPERATOR
    )
    assert edited.boxes_in_span() == {
        3: BOX
    }  # the span widens; frames without a followed box stay as they were
    decisions.remove_mask(site.catalog, req.id, mask.id, actor=OPERATOR, now=datetime.now(UTC))
    with pytest.raises(NotFoundError):
        decisions.remove_mask(site.catalog, req.id, mask.id, actor=OPERATOR)
    clips = plan_clips(find_coverage(site.catalog, req))
    assert decisions.load_decisions(site.catalog, req.id, clips)[1].masks == ()
    assert [a for a in ("review.mask.add", "review.mask.edit", "review.mask.delete") if _audit(site, a)] == [
        "review.mask.add",
        "review.mask.edit",
        "review.mask.delete",
    ]
