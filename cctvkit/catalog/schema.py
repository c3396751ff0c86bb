"""Catalog tables (SQLAlchemy Core). Declarations only: no I/O here."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from cctvkit.catalog.types import UTCDateTime
from cctvkit.states import RECORDING_STATES

__all__ = [
    "RECORDING_STATES",
    "audit",
    "cameras",
    "disclosures",
    "hold_cameras",
    "holds",
    "leases",
    "metadata",
    "purge_journal",
    "recordings",
    "release_clips",
    "releases",
    "request_approval_signatures",
    "request_approvals",
    "request_extensions",
    "request_reviews",
    "request_window_cameras",
    "request_windows",
    "requests",
    "restrictions",
    "review_findings",
    "review_masks",
    "review_text_lines",
    "review_tracks",
    "schema_version",
]

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

# Issue 30: where each archive root (by position in the config's `archive_roots`) was last seen,
# so a catalog opened without the config (a library caller) resolves relative recording paths too.
archive_roots = Table(
    "archive_roots",
    metadata,
    Column("position", Integer, primary_key=True),
    Column("path", Text, nullable=False),
)

cameras = Table(
    "cameras",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("site", Text, nullable=False),
    Column("area", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("retention_justification", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

recordings = Table(
    "recordings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False, unique=True),
    Column("camera_id", String(64), ForeignKey("cameras.id"), nullable=True),
    Column("site", Text, nullable=True),
    Column("area", Text, nullable=True),
    Column("kind", String(16), nullable=False),  # video | still | unknown
    Column("start_utc", UTCDateTime, nullable=True),
    Column("end_utc", UTCDateTime, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("codec", String(32), nullable=True),
    Column("width", Integer, nullable=True),
    Column("height", Integer, nullable=True),
    Column("fps", Float, nullable=True),
    Column("frame_count", Integer, nullable=True),
    Column("has_audio", Boolean, nullable=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("state", String(16), nullable=False),  # a RecordingState (cctvkit.states)
    Column("state_reason", Text, nullable=True),
    Column("indexed_at", UTCDateTime, nullable=False),
    Column("state_changed_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=True),  # name vs container disagreements (issue 14)
)
Index("ix_recordings_camera_start", recordings.c.camera_id, recordings.c.start_utc)
# Purge planning asks "present recordings of camera X starting before its cutoff": one range scan.
Index("ix_recordings_camera_state_start", recordings.c.camera_id, recordings.c.state, recordings.c.start_utc)
Index("ix_recordings_state_start", recordings.c.state, recordings.c.start_utc)
Index("ix_recordings_place_start", recordings.c.site, recordings.c.area, recordings.c.start_utc)

audit = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts_utc", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_kind", String(32), nullable=False),
    Column("object_id", Text, nullable=True),
    Column("camera_id", String(64), nullable=True),
    Column("details", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_action_ts", audit.c.action, audit.c.ts_utc)
Index("ix_audit_camera_ts", audit.c.camera_id, audit.c.ts_utc)

holds = Table(
    "holds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reason", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("placed_by", Text, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("place", Text, nullable=True),  # as the operator named it, for display
    Column("from_utc", UTCDateTime, nullable=False),  # footage time range covered
    Column("to_utc", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=True),  # the hold lapses by itself at this time
    Column("request_id", String(64), nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    Column("released_by", Text, nullable=True),
    Column("release_reason", Text, nullable=True),
)

hold_cameras = Table(
    "hold_cameras",
    metadata,
    Column("hold_id", Integer, ForeignKey("holds.id"), primary_key=True),
    Column("camera_id", String(64), ForeignKey("cameras.id"), primary_key=True),
)
Index("ix_hold_cameras_camera", hold_cameras.c.camera_id)

restrictions = Table(
    "restrictions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", Integer, ForeignKey("recordings.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("placed_by", Text, nullable=False),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("lifted_by", Text, nullable=True),
    Column("lift_reason", Text, nullable=True),
)
Index("ix_restrictions_recording", restrictions.c.recording_id)

purge_journal = Table(
    "purge_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False),
    Column("recording_id", Integer, ForeignKey("recordings.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=True),
    Column("state", String(16), nullable=False),  # a JournalState (cctvkit.states)
    Column("reason", Text, nullable=False),
    Column("error", Text, nullable=True),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_purge_journal_state", purge_journal.c.state)
Index("ix_purge_journal_recording", purge_journal.c.recording_id)

leases = Table(
    "leases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recording_id", Integer, ForeignKey("recordings.id"), nullable=False),
    Column("holder", Text, nullable=False),  # e.g. "request R-2026-0001 pid 1234"
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_leases_recording", leases.c.recording_id)


# --- Access requests and releases (issue #5, migration 2) ---

requests = Table(
    "requests",
    metadata,
    Column("id", String(32), primary_key=True),  # R-2026-0001
    Column("kind", String(16), nullable=False),  # subject | police | insurer | partner | other
    Column("status", String(16), nullable=False),  # a RequestStatus (cctvkit.states)
    Column("outcome", String(16), nullable=True),  # a RequestOutcome (cctvkit.states)
    Column("requester", Text, nullable=False),
    Column("contact", Text, nullable=True),
    Column("recipient", Text, nullable=False),  # who receives a release (the requester by default)
    Column("identity_method", Text, nullable=True),  # 13.4-13.5: how the requester was identified
    Column("identity_verified_at", UTCDateTime, nullable=True),
    Column("identity_verified_by", Text, nullable=True),
    Column("police_reference", Text, nullable=True),  # 12.7.1: the reasoned request's reference
    Column("legal_basis", Text, nullable=False),
    Column("purpose", Text, nullable=True),
    Column("received_on", Date, nullable=False),  # calendar date in the site's timezone
    Column("due_on", Date, nullable=False),  # 13.6: received + 1 month (+ extensions)
    Column("created_by", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("refusal_reason", Text, nullable=True),
    Column("closed_by", Text, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("close_reason", Text, nullable=True),
)
Index("ix_requests_status_due", requests.c.status, requests.c.due_on)

request_windows = Table(
    "request_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("seq", Integer, nullable=False),  # 1-based within the request
    Column("place", Text, nullable=False),  # as the operator named it (camera id or area)
    Column("start_utc", UTCDateTime, nullable=False),
    Column("end_utc", UTCDateTime, nullable=False),
)
Index("ix_request_windows_request", request_windows.c.request_id, request_windows.c.seq, unique=True)

request_window_cameras = Table(
    "request_window_cameras",
    metadata,
    Column("window_id", Integer, ForeignKey("request_windows.id"), primary_key=True),
    Column("camera_id", String(64), primary_key=True),
)

request_extensions = Table(
    "request_extensions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("months", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("due_before", Date, nullable=False),
    Column("due_after", Date, nullable=False),
    Column("extended_by", Text, nullable=False),
    Column("extended_at", UTCDateTime, nullable=False),
)
Index("ix_request_extensions_request", request_extensions.c.request_id)

request_approvals = Table(
    "request_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("scope", String(32), nullable=False),  # unredacted
    Column("approved_by", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("approved_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=True),
)
Index("ix_request_approvals_request", request_approvals.c.request_id)

# Issue 19 (migration 5): the signature of an approval, beside the row it signs. An approval
# without one (typed with --by before signed approvals) can no longer unlock anything.
request_approval_signatures = Table(
    "request_approval_signatures",
    metadata,
    Column("approval_id", Integer, ForeignKey("request_approvals.id"), primary_key=True),
    Column("statement", Text, nullable=False),  # the exact canonical JSON that was signed
    Column("signature", String(100), nullable=False, unique=True),  # base64 Ed25519
    Column("key_fingerprint", String(64), nullable=False),
    Column("release_id", String(40), nullable=True),  # the release that used it (once)
)
request_reviews = Table(
    # What a `request review` saw of each clip, so `--keep-track` ids are checked against the
    # same footage and the same redaction settings (issue #13).
    "request_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("clip_number", Integer, nullable=False),
    Column("camera_id", String(64), nullable=False),
    Column("clip_key", String(64), nullable=False),  # digest of the clip's sources and spans
    Column("start_utc", UTCDateTime, nullable=False),
    Column("end_utc", UTCDateTime, nullable=False),
    Column("settings_sha256", String(64), nullable=False),
    Column("settings", Text, nullable=False),  # JSON: the redaction settings that decide track ids
    Column("track_ids", Text, nullable=False),  # JSON list
    Column("reviewed_by", Text, nullable=False),
    Column("reviewed_at", UTCDateTime, nullable=False),
)
Index("ix_request_reviews_request", request_reviews.c.request_id)

releases = Table(
    "releases",
    metadata,
    Column("id", String(40), primary_key=True),  # R-2026-0001-r1
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("outcome", String(16), nullable=False),  # one of RELEASE_OUTCOMES (cctvkit.states)
    Column("redacted", Boolean, nullable=False),
    Column("path", Text, nullable=False),
    Column("archive_path", Text, nullable=True),  # the encrypted archive, if one was made
    Column("manifest_sha256", String(64), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("recipient_category", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("withheld", Text, nullable=False),  # JSON list: what was withheld and why (13.9)
    Column("created_by", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Issue 30: a digest of what decided the package (footage, review decisions, options), so a
    # second `request process` with the same inputs makes no second release; and why one was
    # made anyway (`--new-release REASON`). NULL on releases made before.
    Column("inputs_sha256", String(64), nullable=True),
    Column("repeat_reason", Text, nullable=True),
)
Index("ix_releases_request", releases.c.request_id)

release_clips = Table(
    "release_clips",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release_id", String(40), ForeignKey("releases.id"), nullable=False),
    Column("name", Text, nullable=False),  # path inside the package
    Column("camera_id", String(64), nullable=False),
    Column("window_seq", Integer, nullable=False),
    Column("start_utc", UTCDateTime, nullable=False),
    Column("end_utc", UTCDateTime, nullable=False),
    Column("frame_count", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("faces_masked", Integer, nullable=False),
    Column("tracks_kept", Integer, nullable=False),
    Column("processing_s", Float, nullable=False),  # redaction wall time: the measured speed
    # The face check (issue 17): faces still seen after re-masking (NULL: not checked), and the
    # reason staff accepted them. The columns keep the names they were born with ("audit_*",
    # before the face check was renamed); the code reads them by their key.
    Column("audit_remaining", Integer, nullable=True, key="faces_remaining"),
    Column("audit_accepted", Text, nullable=True, key="faces_accepted"),
    # Issue 18: 'still' for a released snapshot (one picture); NULL or 'clip' for a video clip.
    Column("kind", String(8), nullable=True),
    # Issue 26: 'requester-only' (the requester alone in view, all else masked); NULL: faces masked.
    Column("mode", String(16), nullable=True),
    # Issue 26: frames with the requester's region (NULL: not requester-only).
    Column("region_frames", Integer, nullable=True),
)
Index("ix_release_clips_release", release_clips.c.release_id)

disclosures = Table(
    "disclosures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("release_id", String(40), ForeignKey("releases.id"), nullable=False),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("recipient_category", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("purpose", Text, nullable=False),  # why
    Column("summary", Text, nullable=False),  # what: clips, cameras, time ranges
    Column("disclosed_by", Text, nullable=False),
    Column("disclosed_at", UTCDateTime, nullable=False),
)
Index("ix_disclosures_time", disclosures.c.disclosed_at)


# --- Review decisions on a request's clips (issue #15, migration 7) ---

review_tracks = Table(
    "review_tracks",
    metadata,
    Column("request_id", String(32), ForeignKey("requests.id"), primary_key=True),
    Column("clip_number", Integer, primary_key=True),
    Column("track_id", Integer, primary_key=True),
    Column("camera_id", String(64), nullable=False),  # with clip_start_utc: which clip plan it was made on
    Column("clip_start_utc", UTCDateTime, nullable=False),
    Column("keep", Boolean, nullable=False),  # left visible (the requester, a false positive)
    Column("reason", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
)

review_masks = Table(
    "review_masks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("clip_number", Integer, nullable=False),
    Column("camera_id", String(64), nullable=False),
    Column("clip_start_utc", UTCDateTime, nullable=False),
    Column("anchor_frame", Integer, nullable=False),  # where the operator drew the box
    Column("anchor_xyxy", Text, nullable=False),  # JSON [x1, y1, x2, y2], pixels
    Column("first_frame", Integer, nullable=False),  # the span masked (inclusive)
    Column("last_frame", Integer, nullable=False),
    Column("boxes", Text, nullable=False),  # JSON {frame: [x1, y1, x2, y2]} as tracked, whole clip
    Column("reason", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("deleted_at", UTCDateTime, nullable=True),  # kept for the record, no longer applied
    # Issue 26: 'region' for a box of the requester's region (requester-only); NULL: a mask.
    Column("kind", String(8), nullable=True),
)
Index("ix_review_masks_request", review_masks.c.request_id, review_masks.c.clip_number)

# Issue 25: a face the face check still saw, accepted on the review page with a reason (its
# findings' boxes, so the next release run recognises the same face). Issue 29: a line of text
# (a shop sign) left visible or masked. Migration 15.
review_findings = Table(
    "review_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(32), ForeignKey("requests.id"), nullable=False),
    Column("clip_number", Integer, nullable=False),
    Column("camera_id", String(64), nullable=False),
    Column("clip_start_utc", UTCDateTime, nullable=False),
    Column("first_frame", Integer, nullable=False),
    Column("last_frame", Integer, nullable=False),
    Column("boxes", Text, nullable=False),  # JSON {frame: [x1, y1, x2, y2]}: the findings accepted
    Column("reason", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("withdrawn_by", Text, nullable=True),
    Column("withdrawn_at", UTCDateTime, nullable=True),  # kept for the record, no longer applied
)
Index("ix_review_findings_request", review_findings.c.request_id, review_findings.c.clip_number)

review_text_lines = Table(
    "review_text_lines",
    metadata,
    Column("request_id", String(32), ForeignKey("requests.id"), primary_key=True),
    Column("clip_number", Integer, primary_key=True),
    Column("line_id", Integer, primary_key=True),  # the text tracker's id (not a face track's)
    Column("camera_id", String(64), nullable=False),
    Column("clip_start_utc", UTCDateTime, nullable=False),
    Column("keep", Boolean, nullable=False),  # left readable (a shop sign)
    Column("reason", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
)
