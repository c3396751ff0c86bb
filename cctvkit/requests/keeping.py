"""Whose face stays visible in a release: the subject-request rule and the review behind ``--keep-track``.

A subject access request (13.1.1) exists so the requester sees what was recorded of them: a
release for one must say whose face stays (``--keep-track`` or ``--keep-face``) or that every
face is masked on purpose (``--mask-everyone``, e.g. the requester asked only for the scene).
Track ids are only meaningful for the clip and the redaction settings a review assigned them
on, so each review records what it saw (:class:`~cctvkit.catalog.request_records.ReviewRecord`)
and ``--keep-track`` is refused without a matching one (issue #13).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cctvkit.catalog.request_records import Request, ReviewRecord
from cctvkit.errors import UsageError
from cctvkit.redact import RedactOptions
from cctvkit.redact.render import RENDER_FIELDS
from cctvkit.requests.clips import PlannedClip
from cctvkit.requests.cut import cut_key
from cctvkit.requests.kinds import RequestKind

__all__ = [
    "analysis_settings",
    "check_keep_choices",
    "clip_key",
    "keep_summary",
    "review_records",
    "settings_digest",
]

_NOT_DECIDING = ("threads",)
"""Analysis options that do not change which tracks are found (only how fast)."""


def analysis_settings(options: RedactOptions) -> dict[str, Any]:
    """The redaction settings that decide a clip's track ids: every option but the render's."""
    return {
        name: value
        for name, value in options.to_dict().items()
        if name not in RENDER_FIELDS and name not in _NOT_DECIDING
    }


def settings_digest(settings: Mapping[str, Any]) -> str:
    """SHA-256 of the settings as canonical JSON."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def clip_key(clip: PlannedClip) -> str:
    """Digest of a clip's sources (recording ids, indexed hashes) and spans: the same key, the same frames."""
    return cut_key(clip.spans, {s.recording.id: s.recording.sha256 or "" for s in clip.spans})


def review_records(
    request_id: str,
    clips: Sequence[PlannedClip],
    tracks: Mapping[int, Sequence[int]],
    options: RedactOptions,
    *,
    actor: str,
    now: datetime,
) -> list[ReviewRecord]:
    """What a review saw: per clip number, its footage, the settings and the track ids found.

    Args:
        request_id: the request reviewed.
        clips: its clips, as planned for the review.
        tracks: per clip number, the track ids on its contact sheet.
        options: the redaction settings the review ran with.
        actor: who reviewed.
        now: when.
    """
    settings = analysis_settings(options)
    text, digest = json.dumps(settings, sort_keys=True), settings_digest(settings)
    return [
        ReviewRecord(
            request_id,
            clip.number,
            clip.camera_id,
            clip_key(clip),
            clip.spans[0].start_utc,
            clip.spans[-1].end_utc,
            digest,
            text,
            tuple(sorted(tracks.get(clip.number, ()))),
            actor,
            now,
        )
        for clip in clips
    ]


def check_keep_choices(
    request: Request,
    clips: Sequence[PlannedClip],
    *,
    keep_tracks: Mapping[int, frozenset[int]],
    keep_face: Path | None,
    mask_everyone: bool,
    unredacted: bool,
    options: RedactOptions,
    reviews: Mapping[int, ReviewRecord],
) -> None:
    """Refuse a release that does not say whose face stays, or keeps ids no matching review showed.

    Args:
        request: the request released.
        clips: its clips as planned now.
        keep_tracks: per clip number, the track ids to leave visible.
        keep_face: the requester's photo, if the tracks are chosen by face.
        mask_everyone: every face masked on purpose.
        unredacted: an unredacted police copy (no face masked: nothing to choose).
        options: the redaction settings of this run.
        reviews: per clip number, the latest review of the request (see :func:`review_records`).

    Raises:
        UsageError: a subject request with no kept face and no ``mask_everyone``;
            ``mask_everyone`` with a keep; ``--keep-track`` for a clip never reviewed, reviewed on
            other footage or with other settings, or an id its review did not show.
    """
    rid = request.id
    if mask_everyone and (keep_tracks or keep_face is not None or unredacted):
        raise UsageError(
            "--mask-everyone masks every face: it cannot go with --keep-track, --keep-face or --unredacted"
        )
    if unredacted:
        return
    if (
        RequestKind(request.kind) is RequestKind.SUBJECT
        and not keep_tracks
        and keep_face is None
        and not mask_everyone
    ):
        raise UsageError(
            f"request {rid} is a subject access request: say whose face stays visible with "
            f"--keep-track CLIP:TRACK (ids from `cctvkit request review {rid}`) or --keep-face PHOTO, "
            "or pass --mask-everyone to mask the requester too (it is recorded in the manifest)"
        )
    if not keep_tracks:
        return
    settings = analysis_settings(options)
    by_number = {clip.number: clip for clip in clips}
    for number, tracks in sorted(keep_tracks.items()):
        clip, review = by_number[number], reviews.get(number)
        ids = ",".join(map(str, sorted(tracks)))
        again = f"run `cctvkit request review {rid}` and pick the ids from its sheet"
        if review is None:
            raise UsageError(
                f"--keep-track {number}:{ids}: clip {number} of {rid} was never reviewed; {again}"
            )
        if (review.camera_id, review.clip_key) != (clip.camera_id, clip_key(clip)):
            raise UsageError(
                f"--keep-track {number}:{ids}: clip {number} of {rid} is not the footage its review "
                f"({review.reviewed_at:%Y-%m-%d %H:%M} UTC) saw: the request's footage changed since; {again}"
            )
        if review.settings_sha256 != settings_digest(settings):
            reviewed = json.loads(review.settings)
            changed = sorted(
                k for k in settings.keys() | reviewed.keys() if settings.get(k) != reviewed.get(k)
            )
            raise UsageError(
                f"--keep-track {number}:{ids}: clip {number} of {rid} was reviewed with other redaction "
                f"settings ({', '.join(changed)}), which give other track ids; {again}"
            )
        unknown = sorted(tracks - set(review.track_ids))
        if unknown:
            shown = ", ".join(map(str, review.track_ids)) or "none"
            raise UsageError(
                f"--keep-track {number}:{ids}: the review of clip {number} showed no track "
                f"{', '.join(map(str, unknown))} (tracks: {shown})"
            )


def keep_summary(
    clip_number: int,
    *,
    keep_tracks: Mapping[int, frozenset[int]],
    keep_face: Path | None,
    mask_everyone: bool,
    reviews: Mapping[int, ReviewRecord],
) -> dict[str, object]:
    """What the manifest records of one clip's choice of visible faces."""
    tracks = sorted(keep_tracks.get(clip_number, ()))
    review = reviews.get(clip_number) if tracks else None
    return {
        "mask_everyone": mask_everyone,
        "kept_by_track": tracks,
        "kept_by_face": keep_face is not None,
        "review": None
        if review is None
        else {
            "reviewed_by": review.reviewed_by,
            "reviewed_at": review.reviewed_at.isoformat(),
            "settings_sha256": review.settings_sha256,
            "track_ids": list(review.track_ids),
        },
    }
