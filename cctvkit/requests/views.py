"""Requests, coverage, estimates, releases and disclosures as JSON-able dicts (times UTC and local)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cctvkit.catalog.holds import Hold
from cctvkit.catalog.request_records import Disclosure, Release, ReleaseClip, Request
from cctvkit.requests.coverage import CameraCoverage
from cctvkit.requests.estimate import Estimate

__all__ = [
    "coverage_json",
    "days_left",
    "disclosure_json",
    "estimate_json",
    "local",
    "release_json",
    "request_json",
]


def local(value: datetime | None, tz: ZoneInfo) -> str | None:
    """ISO time in the site's zone (what staff and recipients read)."""
    return value.astimezone(tz).isoformat() if value else None


def days_left(request: Request, today: date) -> int:
    """Days until the reply is due (negative: overdue)."""
    return (request.due_on - today).days


def request_json(
    request: Request,
    tz: ZoneInfo,
    today: date,
    *,
    holds: Sequence[Hold] = (),
    releases: Sequence[Release] = (),
) -> dict[str, Any]:
    return {
        "id": request.id,
        "type": request.kind,
        "status": request.status,
        "outcome": request.outcome,
        "requester": request.requester,
        "contact": request.contact,
        "recipient": request.recipient,
        "identity": {
            "method": request.identity_method,
            "verified_at": local(request.identity_verified_at, tz),
            "verified_by": request.identity_verified_by,
        },
        "police_reference": request.police_reference,
        "legal_basis": request.legal_basis,
        "purpose": request.purpose,
        "received_on": request.received_on.isoformat(),
        "due_on": request.due_on.isoformat(),
        "days_left": days_left(request, today) if request.is_open else None,
        "overdue": request.is_open and request.outcome is None and request.due_on < today,
        "windows": [
            {
                "seq": w.seq,
                "place": w.place,
                "cameras": list(w.camera_ids),
                "start_local": local(w.start_utc, tz),
                "end_local": local(w.end_utc, tz),
                "start_utc": w.start_utc.isoformat(),
                "end_utc": w.end_utc.isoformat(),
            }
            for w in request.windows
        ],
        "extensions": [
            {
                "months": e.months,
                "reason": e.reason,
                "due_before": e.due_before.isoformat(),
                "due_after": e.due_after.isoformat(),
                "by": e.extended_by,
                "at": local(e.extended_at, tz),
            }
            for e in request.extensions
        ],
        "approvals": [
            {
                "scope": a.scope,
                "approved_by": a.approved_by,
                "recorded_by": a.recorded_by,
                "at": local(a.approved_at, tz),
                "note": a.note,
                "key_fingerprint": a.key_fingerprint,
                "used_by": a.used_by,
            }
            for a in request.approvals
        ],
        "refusal_reason": request.refusal_reason,
        "created_by": request.created_by,
        "created_at": local(request.created_at, tz),
        "closed_by": request.closed_by,
        "closed_at": local(request.closed_at, tz),
        "close_reason": request.close_reason,
        "holds": [
            {
                "id": h.id,
                "cameras": list(h.camera_ids),
                "from_local": local(h.from_utc, tz),
                "to_local": local(h.to_utc, tz),
                "released_at": local(h.released_at, tz),
            }
            for h in holds
        ],
        "releases": [release_json(r, tz) for r in releases],
    }


def release_json(release: Release, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": release.id,
        "request_id": release.request_id,
        "outcome": release.outcome,
        "redacted": release.redacted,
        "path": release.path,
        "archive_path": release.archive_path,
        "manifest_sha256": release.manifest_sha256,
        "recipient": release.recipient,
        "recipient_category": release.recipient_category,
        "legal_basis": release.legal_basis,
        "created_by": release.created_by,
        "created_at": local(release.created_at, tz),
        "clips": [_release_item(c, tz) for c in release.clips if c.kind != "still"],
        "stills": [_release_item(c, tz) for c in release.clips if c.kind == "still"],
        "withheld": json.loads(release.withheld),
    }


def _release_item(clip: ReleaseClip, tz: ZoneInfo) -> dict[str, Any]:
    """One released clip or still as recorded (a still has one instant and faces kept, no tracks)."""
    if clip.kind == "still":
        times: dict[str, Any] = {"taken_local": local(clip.start_utc, tz)}
        counts: dict[str, Any] = {"faces_masked": clip.faces_masked, "faces_kept": clip.tracks_kept}
    else:
        times = {"start_local": local(clip.start_utc, tz), "end_local": local(clip.end_utc, tz)}
        counts = {
            "frames": clip.frame_count,
            "faces_masked": clip.faces_masked,
            "tracks_kept": clip.tracks_kept,
        }
    return {
        "file": clip.name,
        "camera_id": clip.camera_id,
        "window_seq": clip.window_seq,
        **times,
        "sha256": clip.sha256,
        **counts,
        "faces_remaining": clip.faces_remaining,
        "faces_accepted": clip.faces_accepted,
        "mode": clip.mode,
        "region_frames": clip.region_frames,
    }


def coverage_json(coverage: Sequence[CameraCoverage], tz: ZoneInfo) -> list[dict[str, Any]]:
    out = []
    for cov in coverage:
        out.append(
            {
                "window": cov.window.seq,
                "place": cov.window.place,
                "camera_id": cov.camera_id,
                "start_local": local(cov.window.start_utc, tz),
                "end_local": local(cov.window.end_utc, tz),
                "seconds": round(cov.seconds, 3),
                "frames": cov.frames,
                "clips": [
                    [
                        {
                            "recording_id": s.recording.id,
                            "file": Path(s.recording.path).name,
                            "span_s": [round(s.start_s, 3), round(s.end_s, 3)],
                            "from_local": local(s.start_utc, tz),
                            "to_local": local(s.end_utc, tz),
                        }
                        for s in run
                    ]
                    for run in cov.runs
                ],
                "stills": [
                    {"recording_id": r.id, "file": Path(r.path).name, "taken_local": local(r.start_utc, tz)}
                    for r in cov.stills
                ],
                "gaps": [
                    {
                        "from_local": local(g.start_utc, tz),
                        "to_local": local(g.end_utc, tz),
                        "reason": g.reason,
                        "detail": g.detail,
                        "recording_id": g.recording_id,
                    }
                    for g in cov.gaps
                ],
            }
        )
    return out


def estimate_json(estimate: Estimate) -> dict[str, Any]:
    return {
        "cameras": estimate.cameras,
        "clips": estimate.clips,
        "stills": estimate.stills,
        "still_s": round(estimate.still_s, 2),
        "still_source": estimate.still_source,
        "footage_s": round(estimate.footage_s, 3),
        "footage_hours": round(estimate.footage_hours, 4),
        "frames": estimate.frames,
        "speed_fps": estimate.speed_fps,
        "speed_source": estimate.speed_source,
        "processing_s": round(estimate.processing_s, 1),
        "processing_range_s": [round(t, 1) for t in estimate.range_s],
        "setup_s": round(estimate.setup_s, 1),
        "int8_prepare_s": round(estimate.int8_s, 1),
        "load_factor": estimate.load_factor,
        "load": estimate.load_text,
        "requester_only": estimate.requester_only,
        "gaps": estimate.gaps,
        "bands": [
            {
                "band": b.band,
                "size": b.words,
                "frames": b.frames,
                "fps": round(b.speed.fps, 2),
                "source": b.speed.source,
                "detail": b.speed.detail,
                "processing_s": round(b.processing_s, 1),
            }
            for b in estimate.bands
        ],
    }


def disclosure_json(disclosure: Disclosure, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": disclosure.id,
        "disclosed_at": local(disclosure.disclosed_at, tz),
        "recipient": disclosure.recipient,
        "recipient_category": disclosure.recipient_category,
        "legal_basis": disclosure.legal_basis,
        "purpose": disclosure.purpose,
        "what": disclosure.summary,
        "release_id": disclosure.release_id,
        "request_id": disclosure.request_id,
        "disclosed_by": disclosure.disclosed_by,
    }
