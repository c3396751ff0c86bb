"""Requester-only releases of subject requests (issue 26): whether a run is one, what it needs, what it says.

A subject access request (13.1.1) can always be answered this way: the requester's region (their
kept track's face and body, followed through the clip) stays, everything else is masked coarsely,
so nobody else is identifiable whatever a detector missed (13.9.1 then gives no ground to refuse
or withhold a clip for faces that cannot be masked). The run chooses it (``--requester-only``),
or a site makes it the default for subject requests (``[redaction]
requester_only_for_subject_requests``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cctvkit.catalog.request_records import Request
from cctvkit.errors import UsageError
from cctvkit.redact.spec import RequesterRegion
from cctvkit.requests.kinds import RequestKind

__all__ = [
    "MODE",
    "acceptable",
    "check_requester_only",
    "clip_region",
    "disclosure_note",
    "remaining_hint",
    "requester_only_for",
]

MODE = "requester-only"
"""How manifests, the catalog and ``request show`` name the mode (the other is ``faces``)."""


def requester_only_for(
    request: Request, choice: bool | None, *, site_default: bool, mask_everyone: bool
) -> bool:
    """Whether a release of ``request`` is requester-only.

    Args:
        request: the request released.
        choice: the run's ``--requester-only`` (True) or ``--no-requester-only`` (False); None:
            the site's default.
        site_default: ``[redaction] requester_only_for_subject_requests``.
        mask_everyone: the run masks every face on purpose (the site's default then does not
            apply: there is no requester to keep).
    """
    if choice is not None:
        return choice
    return site_default and not mask_everyone and RequestKind(request.kind) is RequestKind.SUBJECT


def check_requester_only(request: Request, *, unredacted: bool, mask_everyone: bool) -> None:
    """Refuse a requester-only release that cannot be one.

    Raises:
        UsageError: not a subject request, an unredacted copy, or every face masked on purpose.
    """
    if RequestKind(request.kind) is not RequestKind.SUBJECT:
        raise UsageError(
            "--requester-only keeps the requester alone in view: it is for subject access requests "
            f"(13.1.1), and {request.id} is of type {request.kind}"
        )
    if unredacted or mask_everyone:
        flag = "--unredacted" if unredacted else "--mask-everyone"
        raise UsageError(f"--requester-only keeps the requester in view: it cannot go with {flag}")


def clip_region(
    keep: Sequence[int], keep_face: Path | None, drawn: Mapping[int, Any] | None = None
) -> RequesterRegion:
    """One clip's requester-only region: followed from its kept tracks (or the reference face's),
    with the review page's drawn boxes over it; a clip in which nobody is kept is masked whole
    (the requester is not in it)."""
    if keep or keep_face is not None:
        return RequesterRegion(drawn=drawn or None)
    from cctvkit.redact.requester_region import RegionFrames

    return RequesterRegion(drawn=drawn or None, resolved=RegionFrames({}, {}).with_drawn(drawn))


def remaining_hint(request: Request, requester_only: bool) -> str:
    """What the exit-9 message of ``request process`` offers beside withholding and accepting."""
    if requester_only:
        return (
            "; in a requester-only release a face seen outside the requester's region is a defect "
            "of the mask: report it, do not accept it"
        )
    if RequestKind(request.kind) is not RequestKind.SUBJECT:
        return ""
    return (
        ", or release the requester alone in view (--requester-only: their face and body kept, "
        "everything else masked so that nobody else is identifiable)"
    )


def disclosure_note(redactions: Sequence[Mapping[str, Any]]) -> str:
    """The disclosure log line's note on requester-only clips ('' when there are none)."""
    count = sum(1 for r in redactions if r.get("mode") == MODE)
    if not count:
        return ""
    return f"; requester-only in {count} clip(s) (the requester alone in view, all else masked)"


def acceptable(redaction: Mapping[str, Any], reason: str | None) -> str | None:
    """The ``--accept-faces`` reason a clip's remaining findings may be accepted with: none when
    a requester-only clip has any outside the requester's region (everything there is masked, so
    a face seen there is a defect of the mask, never a judgement call)."""
    region = redaction.get("requester_only")
    if reason and isinstance(region, Mapping) and region.get("remaining_outside_region"):
        return None
    return reason
