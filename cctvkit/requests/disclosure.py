"""The disclosure log (12.7): every release recorded with who received what, when, why, on which basis."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cctvkit.audit import write_audit
from cctvkit.catalog import releases as relq
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Release, ReleaseClip, Request
from cctvkit.requests.manifest import ReleaseManifest
from cctvkit.requests.package import publish

__all__ = ["record_release", "summary_text"]


def summary_text(manifest: ReleaseManifest, tz_name: str) -> str:
    """One line saying what a release holds (clips, cameras, times; withheld parts; unredacted)."""
    data = manifest.to_dict()
    parts = [
        f"{c['camera_id']} {c['start_local'][:19].replace('T', ' ')}-{c['end_local'][11:19]}"
        for c in data["clips"]
    ]
    text = f"{len(parts)} clip(s) [{'; '.join(parts)}] ({tz_name})"
    withheld = [w for w in data["withheld"] if w["withheld"]]
    if withheld:
        text += f"; withheld {len(withheld)} part(s): " + "; ".join(w["detail"] for w in withheld)
    if not manifest.redacted:
        text += "; UNREDACTED police copy"
    return text


def record_release(
    catalog: Catalog,
    request: Request,
    manifest: ReleaseManifest,
    rows: Sequence[ReleaseClip],
    *,
    manifest_sha: str,
    final: Path,
    archive: Path | None,
    stage: Path,
    now: datetime,
) -> Release:
    """Record the release, its clips, the disclosure and their audit records; publish the package.

    One transaction: the staging directory is renamed to ``final`` as its last statement, so
    either the package exists and is recorded, or neither (a failed rename rolls the rows back).

    Args:
        catalog: the open catalog.
        request: the request answered.
        manifest: the package's manifest.
        rows: the clips as recorded (with their measured processing time).
        manifest_sha: sha256 of ``manifest.json``.
        final: the package's final directory.
        archive: the sealed archive, if any.
        stage: the finished staging directory.
        now: the time recorded.

    Returns:
        The release as stored.
    """
    actor = manifest.operator
    withheld = [w.to_dict(ZoneInfo(manifest.timezone)) for w in manifest.withheld]
    summary = summary_text(manifest, manifest.timezone)
    purpose = request.purpose or f"reply to {request.kind} request {request.id}"
    with catalog.write() as conn:
        values = {
            "id": manifest.release_id,
            "request_id": request.id,
            "outcome": manifest.outcome,
            "redacted": manifest.redacted,
            "path": str(final),
            "archive_path": str(archive) if archive else None,
            "manifest_sha256": manifest_sha,
            "recipient": manifest.recipient["name"],
            "recipient_category": manifest.recipient["category"],
            "legal_basis": manifest.legal_basis,
            "withheld": json.dumps(withheld, ensure_ascii=False),
            "created_by": actor,
            "created_at": now,
        }
        relq.insert_release(conn, values, rows)
        disclosure_id = relq.insert_disclosure(
            conn,
            {
                "release_id": manifest.release_id,
                "request_id": request.id,
                "recipient": manifest.recipient["name"],
                "recipient_category": manifest.recipient["category"],
                "legal_basis": manifest.legal_basis,
                "purpose": purpose,
                "summary": summary,
                "disclosed_by": actor,
                "disclosed_at": now,
            },
        )
        reqq.update_request(conn, request.id, {"outcome": manifest.outcome})
        write_audit(
            conn,
            actor=actor,
            action="release.create",
            object_kind="release",
            object_id=manifest.release_id,
            camera_id=rows[0].camera_id if len({r.camera_id for r in rows}) == 1 else None,
            details={
                "request_id": request.id,
                "outcome": manifest.outcome,
                "redacted": manifest.redacted,
                "approval": manifest.approval,
                "manifest_sha256": manifest_sha,
                "clips": [{"file": r.name, "sha256": r.sha256} for r in rows],
                "sources": sorted({s.recording_id for c in manifest.clips for s in c.sources}),
                "withheld": withheld,
                "encrypted": archive is not None,
            },
            now=now,
        )
        write_audit(
            conn,
            actor=actor,
            action="disclosure.record",
            object_kind="disclosure",
            object_id=disclosure_id,
            details={
                "release_id": manifest.release_id,
                "recipient": manifest.recipient,
                "legal_basis": manifest.legal_basis,
                "purpose": purpose,
            },
            now=now,
        )
        publish(stage, final)
        out = relq.list_releases(conn, request.id)
    return next(r for r in out if r.id == manifest.release_id)
