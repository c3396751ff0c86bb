"""The disclosure log (12.7): every release recorded with who received what, when, why, on which basis."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cctvkit._fault import FaultPoints
from cctvkit.audit import write_audit
from cctvkit.catalog import releases as relq
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Release, ReleaseClip, Request
from cctvkit.errors import ConflictError
from cctvkit.requests.approval import claim_approval
from cctvkit.requests.manifest import ReleaseManifest
from cctvkit.requests.package import publish
from cctvkit.requests.repeat import ReleaseInputs
from cctvkit.requests.requester_mode import disclosure_note
from cctvkit.requests.sealed import SEALED_SUFFIX

__all__ = ["publish_recorded", "record_release", "summary_text"]

log = logging.getLogger(__name__)


def summary_text(manifest: ReleaseManifest, tz_name: str) -> str:
    """One line saying what a release holds (clips, stills, cameras, times; withheld parts; unredacted)."""
    data = manifest.to_dict()
    parts = [
        f"{c['camera_id']} {c['start_local'][:19].replace('T', ' ')}-{c['end_local'][11:19]}"
        for c in data["clips"]
    ]
    text = f"{len(parts)} clip(s) [{'; '.join(parts)}]"
    if data["stills"]:
        shots = [f"{s['camera_id']} {s['taken_local'][:19].replace('T', ' ')}" for s in data["stills"]]
        text += f", {len(shots)} still(s) [{'; '.join(shots)}]"
    text += f" ({tz_name})"
    withheld = [w for w in data["withheld"] if w["withheld"]]
    if withheld:
        text += f"; withheld {len(withheld)} part(s): " + "; ".join(w["detail"] for w in withheld)
    text += disclosure_note([c.get("redaction") or {} for c in data["clips"]])
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
    inputs: ReleaseInputs | None = None,
) -> Release:
    """Record the release, its clips, the disclosure and their audit records; then publish the package.

    The rows commit first, then the staging directory (and the staged sealed archive) are renamed
    into place. So a finished package under its final name is always a recorded one: a run killed
    after the commit leaves a recorded release whose package still waits under its hidden staging
    name (which ``release verify`` refuses), and the next run on any request renames it into place
    (:mod:`cctvkit.requests.recovery`). Renaming first and committing second (the earlier order)
    let a kill in between leave a package that verified but was in no disclosure log (issue 7).

    Args:
        catalog: the open catalog.
        request: the request answered.
        manifest: the package's manifest.
        rows: the clips as recorded (with their measured processing time).
        manifest_sha: sha256 of ``manifest.json``.
        final: the package's final directory.
        archive: the sealed archive as staged (:func:`~cctvkit.requests.package.staged_archive_path`),
            if any; it is published as ``<final>.tar.enc``.
        stage: the finished staging directory.
        now: the time recorded.
        inputs: what decided the package, and why it repeats an earlier release if it does.

    Returns:
        The release as stored.
    """
    actor = manifest.operator
    faults = FaultPoints.shared("release")
    final_archive = final.with_name(final.name + SEALED_SUFFIX) if archive is not None else None
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
            "archive_path": str(final_archive) if final_archive else None,
            "manifest_sha256": manifest_sha,
            "recipient": manifest.recipient["name"],
            "recipient_category": manifest.recipient["category"],
            "legal_basis": manifest.legal_basis,
            "withheld": json.dumps(withheld, ensure_ascii=False),
            "created_by": actor,
            "created_at": now,
            "inputs_sha256": inputs.sha256 if inputs else None,
            "repeat_reason": inputs.repeat_reason if inputs else None,
        }
        relq.insert_release(conn, values, rows)
        if manifest.approval is not None:
            claim_approval(conn, manifest.approval, manifest.release_id)  # once per approval (issue 19)
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
                "repeat_reason": inputs.repeat_reason if inputs else None,
                "clips": [
                    {
                        "file": r.name,
                        "sha256": r.sha256,
                        "faces_remaining": r.faces_remaining,
                        "faces_accepted": r.faces_accepted,
                    }
                    for r in rows
                    if r.kind != "still"
                ],
                "stills": [
                    {
                        "file": r.name,
                        "sha256": r.sha256,
                        "faces_remaining": r.faces_remaining,
                        "faces_accepted": r.faces_accepted,
                    }
                    for r in rows
                    if r.kind == "still"
                ],
                "sources": sorted(
                    {s.recording_id for c in manifest.clips for s in c.sources}
                    | {s.source_recording_id for s in manifest.stills}
                ),
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
        for path in (final, final_archive):
            if path is not None and os.path.lexists(path):
                raise ConflictError(f"{path} already exists")
        faults.reach("recording")
        out = relq.list_releases(conn, request.id)
    faults.reach("recorded")
    publish_recorded(stage, final, archive, final_archive)
    faults.reach("published")
    return next(r for r in out if r.id == manifest.release_id)


def publish_recorded(stage: Path, final: Path, archive: Path | None, final_archive: Path | None) -> None:
    """Rename a recorded release's staged archive, then its staging directory, into place.

    The archive goes first: a staging directory is only ever published after its archive, so a
    recovery finding the directory still staged knows to look for the archive too.
    """
    if archive is not None and final_archive is not None and os.path.lexists(archive):
        os.rename(archive, final_archive)
    publish(stage, final)
