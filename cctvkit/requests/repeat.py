"""One release per footage and decisions: a second ``request process`` with the same inputs makes none.

A rerun by habit (or by a cron job) after a finished release used to make a second package and a
second disclosure-log entry with no question asked (issue 30). The inputs that decide a package
(the clips' and stills' source recordings and spans, the review's decisions, the options staff
chose) are digested before anything runs; a release of the request with the same digest stops the
run, unless staff ask for a new release explicitly with a reason, which is recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.releases import release_with_inputs
from cctvkit.errors import ConflictError, UsageError
from cctvkit.files import sha256_file

if TYPE_CHECKING:
    from cctvkit.requests.decisions import ClipDecisions
    from cctvkit.requests.process_options import ProcessOptions
    from cctvkit.requests.run import RequestPlan

__all__ = ["ReleaseInputs", "check_not_repeated", "inputs_digest"]


@dataclass(frozen=True, slots=True)
class ReleaseInputs:
    """What decided a release, as recorded with it.

    Attributes:
        sha256: the digest of :func:`inputs_digest`.
        repeat_reason: why a release with the same inputs was made again (None: it is the first).
    """

    sha256: str
    repeat_reason: str | None = None


def inputs_digest(plan: RequestPlan, options: ProcessOptions, decisions: Mapping[int, ClipDecisions]) -> str:
    """A digest of everything that decides the package (never the passphrase or the release id).

    Recordings are named by catalog id and content hash, not by path, so a site moved elsewhere
    (issue 30) still recognises its releases.
    """
    clips = [
        {
            "number": c.number,
            "camera": c.camera_id,
            "window": c.window.seq,
            "spans": [
                [s.recording.id, s.recording.sha256, s.start_utc.isoformat(), s.end_utc.isoformat()]
                for s in c.spans
            ],
        }
        for c in plan.clips
    ]
    stills = [[s.number, s.camera_id, s.window.seq, s.recording.id, s.recording.sha256] for s in plan.stills]
    reviewed = {
        str(number): {
            "keep": sorted(d.keep_tracks),
            "masks": [[m.id, m.first_frame, m.last_frame] for m in d.masks],
            # faces accepted on the review page (issue 25); absent without: earlier digests hold
            **({"accepted_faces": sorted(a.id for a in d.accepted)} if d.accepted else {}),
            **({"keep_text": sorted(d.keep_text_lines)} if d.keep_text_lines else {}),
        }
        for number, d in sorted(decisions.items())
    }
    chosen: dict[str, Any] = {
        "keep_tracks": {str(k): sorted(v) for k, v in sorted(options.keep_tracks.items())},
        "withhold": {str(k): v for k, v in sorted(options.withhold.items())},
        "withhold_stills": {str(k): v for k, v in sorted(options.withhold_stills.items())},
        "accept_faces": {str(k): v for k, v in sorted(options.accept_faces.items())},
        "accept_still_faces": {str(k): v for k, v in sorted(options.accept_still_faces.items())},
        "unredacted": options.unredacted,
        "encrypted": options.passphrase is not None,
        "redact": options.redact.to_dict() if options.redact is not None else None,
        "keep_face": _file_digest(options.keep_face),
        "max_face_distance": options.max_face_distance,
        "mask_everyone": options.mask_everyone,
        "audit": asdict(options.face_check),  # the key before the rename: stored digests still match
    }
    if options.requester_only:  # only when set: earlier releases' digests stay what they were
        chosen["requester_only"] = True
    inputs = {"request": plan.request.id, "clips": clips, "stills": stills, "reviewed": reviewed}
    text = json.dumps({**inputs, "options": chosen}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _file_digest(path: Path | None) -> str | None:
    return sha256_file(path) if path is not None and path.is_file() else None


def check_not_repeated(
    catalog: Catalog,
    plan: RequestPlan,
    options: ProcessOptions,
    decisions: Mapping[int, ClipDecisions],
) -> ReleaseInputs:
    """Refuse a release that would repeat one already made, unless ``options.new_release`` says why.

    Returns:
        The inputs to record with the new release.

    Raises:
        ConflictError: the request has a release from the same inputs (named, with its path).
        UsageError: ``options.new_release`` is blank.
    """
    digest = inputs_digest(plan, options, decisions)
    reason = options.new_release
    if reason is not None:
        reason = reason.strip()
        if not reason:
            raise UsageError("--new-release needs a reason (why the earlier release is not enough)")
    with catalog.read() as conn:
        earlier = release_with_inputs(conn, plan.request.id, digest)
    if earlier is not None and reason is None:
        raise ConflictError(
            f"request {plan.request.id} already has release {earlier.id} "
            f"({earlier.created_at:%Y-%m-%d %H:%M} UTC, {earlier.path}) from the same footage and "
            "decisions; nothing was made. To make another, give the reason: --new-release REASON"
        )
    return ReleaseInputs(digest, reason if earlier is not None else None)
