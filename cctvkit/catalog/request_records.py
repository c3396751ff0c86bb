"""Records of access requests, their releases and the disclosure log, as the catalog returns them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cctvkit.states import RequestStatus

__all__ = [
    "Approval",
    "Disclosure",
    "Extension",
    "Release",
    "ReleaseClip",
    "Request",
    "RequestWindow",
    "ReviewRecord",
]


@dataclass(frozen=True, slots=True)
class RequestWindow:
    """One place and time range of a request.

    Attributes:
        seq: 1-based number within the request.
        place: as the operator named it (a camera id or an area).
        camera_ids: the cameras the place resolved to when the request was opened.
        start_utc: window start (inclusive).
        end_utc: window end (exclusive).
    """

    seq: int
    place: str
    camera_ids: tuple[str, ...]
    start_utc: datetime
    end_utc: datetime

    @property
    def duration_s(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds()


@dataclass(frozen=True, slots=True)
class Extension:
    """One extension of the reply deadline (13.6)."""

    months: int
    reason: str
    due_before: date
    due_after: date
    extended_by: str
    extended_at: datetime


@dataclass(frozen=True, slots=True)
class Approval:
    """A second person's approval (e.g. of an unredacted police copy).

    ``statement`` and ``signature`` are what the approver's key signed (issue 19; None for an
    approval recorded unsigned); ``used_by`` is the release that used it up.
    """

    scope: str
    approved_by: str
    recorded_by: str
    approved_at: datetime
    note: str | None
    statement: str | None = None
    signature: str | None = None
    key_fingerprint: str | None = None
    used_by: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """An access request (13.1.1) or a third party's request for footage (12.7)."""

    id: str
    kind: str
    status: str
    outcome: str | None
    requester: str
    contact: str | None
    recipient: str
    identity_method: str | None
    identity_verified_at: datetime | None
    identity_verified_by: str | None
    police_reference: str | None
    legal_basis: str
    purpose: str | None
    received_on: date
    due_on: date
    created_by: str
    created_at: datetime
    refusal_reason: str | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    windows: tuple[RequestWindow, ...] = ()
    extensions: tuple[Extension, ...] = ()
    approvals: tuple[Approval, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    @property
    def extended_months(self) -> int:
        return sum(e.months for e in self.extensions)


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """What one ``request review`` saw of one clip (issue #13).

    Attributes:
        request_id: the request.
        clip_number: the clip's number in that review (``--keep-track NUMBER:ID``).
        camera_id: the clip's camera.
        clip_key: digest of the clip's sources (recording ids and hashes) and spans.
        start_utc: the clip's first instant.
        end_utc: its end.
        settings_sha256: digest of ``settings``.
        settings: the redaction settings that decide track ids, as JSON text.
        track_ids: the tracks the contact sheet showed.
        reviewed_by: who ran the review.
        reviewed_at: when.
    """

    request_id: str
    clip_number: int
    camera_id: str
    clip_key: str
    start_utc: datetime
    end_utc: datetime
    settings_sha256: str
    settings: str
    track_ids: tuple[int, ...]
    reviewed_by: str
    reviewed_at: datetime


@dataclass(frozen=True, slots=True)
class ReleaseClip:
    """One clip of a release package.

    ``faces_remaining`` is the number of faces the face check still saw in it (None: not
    checked, e.g. an unredacted police copy or a release made before the face check existed);
    ``faces_accepted`` the reason staff accepted them, when they did. ``kind`` is ``clip`` or
    ``still`` (a snapshot: one picture, ``start_utc == end_utc``, ``frame_count`` 1).
    ``mode`` is ``faces`` (faces and zones masked) or ``requester-only`` (the requester alone in
    view, issue 26; ``region_frames``: frames with the requester's region).
    """

    name: str
    camera_id: str
    window_seq: int
    start_utc: datetime
    end_utc: datetime
    frame_count: int
    sha256: str
    faces_masked: int
    tracks_kept: int
    processing_s: float
    faces_remaining: int | None = None
    faces_accepted: str | None = None
    kind: str = "clip"
    mode: str = "faces"
    region_frames: int | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """A release package handed (or to be handed) to a recipient."""

    id: str
    request_id: str
    outcome: str
    redacted: bool
    path: str
    archive_path: str | None
    manifest_sha256: str
    recipient: str
    recipient_category: str
    legal_basis: str
    withheld: str  # JSON list
    created_by: str
    created_at: datetime
    clips: tuple[ReleaseClip, ...] = ()
    inputs_sha256: str | None = None  # what decided it (issue 30); None: made before that
    repeat_reason: str | None = None  # why it was made although an earlier one had the same inputs


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One entry of the disclosure log: who received what, when, why and on which basis."""

    id: int
    release_id: str
    request_id: str
    recipient: str
    recipient_category: str
    legal_basis: str
    purpose: str
    summary: str
    disclosed_by: str
    disclosed_at: datetime
