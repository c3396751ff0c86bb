"""One release per review state: approving the same decisions twice returns the release already made.

A *review state* is a digest of what a release of a request would be made from: its clip plan
(cameras, source recordings and spans, stills) and the review decisions on it (kept tracks,
manual masks and their spans). After a release is made for a state, :func:`remember_release`
records the pair as an audit record (``review.release``); :func:`release_for_state` finds it
again, so a second approval of unchanged decisions answers with that release instead of making
another package and another disclosure-log entry. A new release of the same state is an explicit
choice of the caller (the page's "make another release").
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from cctvkit.audit import write_audit
from cctvkit.catalog import Catalog
from cctvkit.catalog import audit_store as aq
from cctvkit.catalog import releases as rq
from cctvkit.catalog.request_records import Release
from cctvkit.requests.decisions import load_decisions
from cctvkit.requests.run import RequestPlan, plan_request

__all__ = ["ACTION", "release_for_state", "remember_release", "review_state"]

ACTION = "review.release"
"""Audit action pairing a review state with the release made from it."""


def review_state(catalog: Catalog, request_id: str, plan: RequestPlan | None = None) -> str:
    """The sha256 (hex) of the request's clip plan and review decisions, as a release would read them.

    Raises:
        ConflictError: as :func:`~cctvkit.requests.decisions.load_decisions` (the plan changed).
    """
    plan = plan or plan_request(catalog, request_id)
    decided = load_decisions(catalog, request_id, plan.clips)
    clips = []
    for clip in plan.clips:
        d = decided[clip.number]
        clips.append(
            {
                "number": clip.number,
                "camera": clip.camera_id,
                "spans": [
                    [s.recording.id, s.start_utc.isoformat(), s.end_utc.isoformat()] for s in clip.spans
                ],
                "keep": sorted(d.keep_tracks),
                "masks": sorted([m.id, m.first_frame, m.last_frame] for m in d.masks),
                # only when there are some: earlier states' digests stay what they were
                **({"accepted": sorted(a.id for a in d.accepted)} if d.accepted else {}),
                **({"keep_text": sorted(d.keep_text_lines)} if d.keep_text_lines else {}),
            }
        )
    stills = [[s.number, s.camera_id, s.recording.id] for s in plan.stills]
    canonical = json.dumps({"request": request_id, "clips": clips, "stills": stills}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def release_for_state(catalog: Catalog, request_id: str, state: str) -> Release | None:
    """The release already made from ``state`` for this request (the latest), if it is still recorded."""
    with catalog.read() as conn:
        records = aq.list_audit(conn, actions=[ACTION], object_kind="request")
        made = {r.id: r for r in rq.list_releases(conn, request_id)}
    for record in reversed(records):
        if record.object_id != request_id:
            continue
        details = json.loads(record.details or "{}")
        if details.get("review_state") == state and details.get("release_id") in made:
            return made[details["release_id"]]
    return None


def remember_release(
    catalog: Catalog, request_id: str, state: str, release_id: str, *, actor: str, now: datetime | None = None
) -> None:
    """Record that ``release_id`` was made from review state ``state`` (audited)."""
    with catalog.write() as conn:
        write_audit(
            conn,
            actor=actor,
            action=ACTION,
            object_kind="request",
            object_id=request_id,
            details={"review_state": state, "release_id": release_id},
            now=now or datetime.now(UTC),
        )
