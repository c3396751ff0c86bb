"""The release manifest: what a package holds, where each clip and still came from, how it was redacted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cctvkit.redact.face_check import REPORT_KEY
from cctvkit.requests.coverage import WITHHELD_REASONS
from cctvkit.requests.kinds import recipient_category
from cctvkit.states import RequestOutcome

if TYPE_CHECKING:  # the video stack stays out of `release verify`
    from cctvkit.catalog.request_records import Request
    from cctvkit.redact.report import RedactionReport
    from cctvkit.redact.still import StillReport
    from cctvkit.requests.clips import PlannedClip, PlannedStill
    from cctvkit.requests.coverage import CameraCoverage
    from cctvkit.requests.cut import CutClip

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "SIGNATURE_NAME",
    "SUMS_NAME",
    "ManifestBuilder",
    "ManifestClip",
    "ManifestSource",
    "ManifestStill",
    "ReleaseManifest",
    "WithheldPart",
    "container_tags",
    "redaction_summary",
    "still_redaction_summary",
    "unredacted_summary",
]

MANIFEST_FORMAT = "cctvkit-release/1"
MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"
SIGNATURE_NAME = "SHA256SUMS.sig"
"""The site's Ed25519 signature of ``SHA256SUMS`` (which hashes every file, the manifest included)."""
SIGNATURE_FORMAT = "cctvkit-package-signature/1"


def _times(start: datetime, end: datetime, tz: ZoneInfo) -> dict[str, str]:
    """UTC and site-local ISO times of a range (local is what people read; UTC is unambiguous)."""
    return {
        "start_utc": start.isoformat(),
        "end_utc": end.isoformat(),
        "start_local": start.astimezone(tz).isoformat(),
        "end_local": end.astimezone(tz).isoformat(),
    }


def _window(seq: int, place: str, start: datetime, end: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The request window an item answers, as the manifest names it."""
    return {"seq": seq, "place": place, **_times(start, end, tz)}


@dataclass(frozen=True, slots=True)
class ManifestSource:
    """One source recording of a clip and the part of it used.

    Attributes:
        recording_id: catalog id.
        file: the source file's name (its archive path stays internal).
        sha256: the source's content hash, verified when the clip was cut.
        span_s: requested (start, end) seconds within the source.
        first_frame_s: time of the first frame used, seconds in the source.
        last_frame_s: time of the last frame used.
        frames: frames used.
        start_utc: wall-clock time of the first frame used.
        end_utc: wall-clock end of the last frame used.
    """

    recording_id: int
    file: str
    sha256: str
    span_s: tuple[float, float]
    first_frame_s: float
    last_frame_s: float
    frames: int
    start_utc: datetime
    end_utc: datetime

    def to_dict(self, tz: ZoneInfo) -> dict[str, Any]:
        return {
            "recording_id": self.recording_id,
            "file": self.file,
            "sha256": self.sha256,
            "span_s": list(self.span_s),
            "first_frame_s": self.first_frame_s,
            "last_frame_s": self.last_frame_s,
            "frames": self.frames,
            **_times(self.start_utc, self.end_utc, tz),
        }


@dataclass(frozen=True, slots=True)
class ManifestClip:
    """One clip of the package.

    Attributes:
        file: path inside the package (``clips/...``).
        sha256: the clip's hash.
        size_bytes: its size.
        camera_id: the camera.
        window_seq: the request window it answers.
        window_place: the window's place as entered.
        window_start_utc: the window as requested.
        window_end_utc: the window as requested.
        start_utc: wall-clock time of the clip's first frame.
        end_utc: wall-clock end of its last frame.
        frame_count: frames in the clip.
        fps: frame rate (fraction string).
        width: frame width.
        height: frame height.
        sources: the recordings it was cut from, in order.
        redaction: model, parameters and counts (faces masked, tracks kept); for an unredacted
            police copy, what was (not) masked and the approval.
    """

    file: str
    sha256: str
    size_bytes: int
    camera_id: str
    window_seq: int
    window_place: str
    window_start_utc: datetime
    window_end_utc: datetime
    start_utc: datetime
    end_utc: datetime
    frame_count: int
    fps: str
    width: int
    height: int
    sources: tuple[ManifestSource, ...]
    redaction: dict[str, Any]

    def to_dict(self, tz: ZoneInfo) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "camera_id": self.camera_id,
            "window": _window(
                self.window_seq, self.window_place, self.window_start_utc, self.window_end_utc, tz
            ),
            **_times(self.start_utc, self.end_utc, tz),
            "duration_s": round((self.end_utc - self.start_utc).total_seconds(), 6),
            "frame_count": self.frame_count,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "audio": False,  # 12.3: released clips carry no audio
            "sources": [s.to_dict(tz) for s in self.sources],
            "redaction": self.redaction,
        }


@dataclass(frozen=True, slots=True)
class ManifestStill:
    """One still (snapshot) of the package: one picture, re-encoded from its masked pixels.

    Attributes:
        file: path inside the package (``stills/...``).
        label: how options name it (``still-1``).
        sha256: the released file's hash.
        size_bytes: its size.
        camera_id: the camera.
        window_seq: the request window it answers.
        window_place: the window's place as entered.
        window_start_utc: the window as requested.
        window_end_utc: the window as requested.
        taken_utc: the instant the camera took it (the catalog's time for the recording).
        width: picture width.
        height: picture height.
        source_recording_id: the catalog id of the original.
        source_file: the original's file name (its archive path stays internal).
        source_sha256: the original's content hash, verified before redacting.
        redaction: model, parameters, faces masked and kept, the face check (see
            :func:`still_redaction_summary`); for an unredacted police copy, what was not masked.
    """

    file: str
    label: str
    sha256: str
    size_bytes: int
    camera_id: str
    window_seq: int
    window_place: str
    window_start_utc: datetime
    window_end_utc: datetime
    taken_utc: datetime
    width: int
    height: int
    source_recording_id: int
    source_file: str
    source_sha256: str
    redaction: dict[str, Any]

    def to_dict(self, tz: ZoneInfo) -> dict[str, Any]:
        return {
            "file": self.file,
            "still": self.label,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "camera_id": self.camera_id,
            "window": _window(
                self.window_seq, self.window_place, self.window_start_utc, self.window_end_utc, tz
            ),
            "taken_utc": self.taken_utc.isoformat(),
            "taken_local": self.taken_utc.astimezone(tz).isoformat(),
            "width": self.width,
            "height": self.height,
            "format": "jpeg",
            "metadata": False,  # re-encoded from pixels: no EXIF, GPS or thumbnail
            "source": {
                "recording_id": self.source_recording_id,
                "file": self.source_file,
                "sha256": self.source_sha256,
            },
            "redaction": self.redaction,
        }


@dataclass(frozen=True, slots=True)
class WithheldPart:
    """Footage of a window that the package does not contain, and why (13.9, 13.2.2).

    Attributes:
        window_seq: the request window.
        camera_id: the camera.
        start_utc: start of the part.
        end_utc: its end.
        reason: ``restricted``, ``withheld``, ``no footage``, ``purged``, ``missing``... (releases
            made before stills were released name ``still``).
        detail: a sentence for the recipient and the file.
        withheld: True if footage exists but is not released; False if none is available.
    """

    window_seq: int
    camera_id: str
    start_utc: datetime
    end_utc: datetime
    reason: str
    detail: str
    withheld: bool

    def to_dict(self, tz: ZoneInfo) -> dict[str, Any]:
        return {
            "window_seq": self.window_seq,
            "camera_id": self.camera_id,
            **_times(self.start_utc, self.end_utc, tz),
            "reason": self.reason,
            "detail": self.detail,
            "withheld": self.withheld,
        }


@dataclass(frozen=True, slots=True)
class ReleaseManifest:
    """Everything a recipient or an checker needs to check a package against its sources.

    Attributes:
        release_id: the package's id (and directory name).
        created_at: when it was made.
        operator: who made it.
        site_name: the site.
        timezone: the site's IANA zone (local times are given in it).
        request: id, type, dates, references of the request it answers.
        recipient: name and category (12.7).
        legal_basis: the basis of the disclosure.
        outcome: ``released`` or ``partial``.
        redacted: False only for an approved unredacted police copy.
        approval: the second person's approval of an unredacted copy, if any, with the statement
            their key signed and the signature (issue 19), so a recipient can check it.
        clips: the clips.
        withheld: what is not in the package, and why.
        stills: the stills (snapshots), each one redacted picture.
        signing: the site key that signs the package (public key, fingerprint, signature file);
            a verifier refuses the package if the signature it announces is missing.
    """

    release_id: str
    created_at: datetime
    operator: str
    site_name: str
    timezone: str
    request: dict[str, Any]
    recipient: dict[str, str]
    legal_basis: str
    outcome: str
    redacted: bool
    approval: dict[str, Any] | None
    clips: tuple[ManifestClip, ...]
    withheld: tuple[WithheldPart, ...]
    stills: tuple[ManifestStill, ...] = ()
    signing: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        tz = ZoneInfo(self.timezone)
        return {
            "format": MANIFEST_FORMAT,
            "release_id": self.release_id,
            "created_at": self.created_at.isoformat(),
            "operator": self.operator,
            "site": {"name": self.site_name, "timezone": self.timezone},
            "request": self.request,
            "recipient": self.recipient,
            "legal_basis": self.legal_basis,
            "outcome": self.outcome,
            "redacted": self.redacted,
            "approval": self.approval,
            "clips": [c.to_dict(tz) for c in self.clips],
            "stills": [s.to_dict(tz) for s in self.stills],
            "withheld": [w.to_dict(tz) for w in self.withheld],
            **({"signing": self.signing} if self.signing else {}),
        }


def redaction_summary(report: RedactionReport) -> dict[str, object]:
    """A clip's ``redaction`` entry from the engine's report: model, parameters, what was masked."""
    masked_tracks = [t.track_id for t in report.tracks if not t.kept]
    text = report.parameters.get("text") or {}  # issue 29: present when the run masked text
    return {
        "engine": "cctvkit.redact",
        "model": report.detector.name,
        "weights_sha256": report.detector.sha256,
        "weights_licence": report.detector.licence,
        "provider": report.detector.provider,
        "parameters": report.parameters,
        "faces_masked": len(masked_tracks),
        "face_boxes_masked": sum(f.masked_faces for f in report.frames) - text.get("boxes_masked", 0),
        **(
            {"text_masked": {k: text[k] for k in ("lines_masked", "frames_masked", "boxes_masked")}}
            if text
            else {}
        ),
        "unconfirmed_sightings_masked": report.untracked_boxes,
        "tracks_kept": len(report.kept_tracks),
        "kept_track_ids": list(report.kept_tracks),
        "masked_track_ids": masked_tracks,
        "privacy_zones": len(report.parameters.get("privacy_zones") or []),
        "masked_fraction_mean": report.masked_fraction_mean,
        "audio": report.audio,
        "frames": report.frame_count,
        "processing_s": report.elapsed_s,
    }


def still_redaction_summary(report: StillReport) -> dict[str, object]:
    """A still's ``redaction`` entry: model, parameters, faces masked and kept, the face check, identity.

    No track applies to a still: its faces are numbered left to right (``kept_face_indices``).
    """
    return {
        "engine": "cctvkit.redact (still)",
        "model": report.detector.name,
        "weights_sha256": report.detector.sha256,
        "weights_licence": report.detector.licence,
        "provider": report.detector.provider,
        "parameters": report.parameters,
        "faces_detected": len(report.faces),
        "faces_masked": report.faces_masked,
        "faces_kept": len(report.kept_faces),
        "kept_face_indices": list(report.kept_faces),
        "boxes_masked": report.masked_boxes,
        "privacy_zones": len(report.parameters.get("privacy_zones") or []),
        "masked_fraction": report.masked_fraction,
        "processing_s": report.elapsed_s,
        REPORT_KEY: report.face_check_json,
        **({"identity": report.identity.to_dict()} if report.identity is not None else {}),
    }


def unredacted_summary(*, zones: int, frames: int, seconds: float) -> dict[str, object]:
    """A clip's ``redaction`` entry for an approved unredacted police copy (zones masked only)."""
    return {
        "engine": "none: unredacted police copy",
        "faces_masked": 0,
        "tracks_kept": 0,
        "privacy_zones": zones,
        "audio": False,
        "frames": frames,
        "processing_s": round(seconds, 3),
    }


def container_tags(cut: CutClip, release_id: str) -> dict[str, str]:
    """Tags for a released clip's container: its real start (UTC) and its sources (issue #5)."""
    sources = ", ".join(f"{Path(part.path).name} (id {part.recording_id})" for part in cut.parts)
    return {
        "creation_time": cut.start_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "comment": f"cctvkit release {release_id}, faces and privacy zones masked; sources: {sources}",
    }


def _source_entries(cut: CutClip) -> tuple[ManifestSource, ...]:
    out = []
    frame_s = 1 / float(Fraction(cut.fps))
    for part in cut.parts:
        # Wall-clock times of the frames used: the recording's start plus the frames' own times.
        start = datetime.fromisoformat(part.first_frame_utc)
        end = start + timedelta(seconds=part.frames * frame_s)
        out.append(
            ManifestSource(
                part.recording_id,
                Path(part.path).name,
                part.sha256,
                (part.span_start_s, part.span_end_s),
                part.first_frame_s,
                part.last_frame_s,
                part.frames,
                start,
                end,
            )
        )
    return tuple(out)


class ManifestBuilder:
    """Collect a release's clips and the parts it leaves out, then build its :class:`ReleaseManifest`.

    Args:
        release_id: the package's id.
        created_at: when it is made.
        operator: who makes it.
        site_name: the site.
        timezone: the site's IANA zone.
        request: the request it answers.
        redacted: False only for an approved unredacted police copy.
        approval: that copy's signed approval, as the manifest carries it
            (``SignedApproval.manifest_entry``).
    """

    def __init__(
        self,
        *,
        release_id: str,
        created_at: datetime,
        operator: str,
        site_name: str,
        timezone: str,
        request: Request,
        redacted: bool,
        approval: dict[str, Any] | None = None,
    ) -> None:
        self.release_id = release_id
        self.created_at = created_at
        self.operator = operator
        self.site_name = site_name
        self.timezone = timezone
        self.request = request
        self.redacted = redacted
        self.approval = approval
        self.clips: list[ManifestClip] = []
        self.stills: list[ManifestStill] = []
        self.withheld: list[WithheldPart] = []

    def add_clip(
        self,
        clip: PlannedClip,
        cut: CutClip,
        *,
        file: str,
        sha256: str,
        size_bytes: int,
        redaction: dict[str, Any],
    ) -> ManifestClip:
        """Add a released clip: where it came from (``cut``'s parts) and how it was redacted."""
        entry = ManifestClip(
            file=file,
            sha256=sha256,
            size_bytes=size_bytes,
            camera_id=clip.camera_id,
            window_seq=clip.window.seq,
            window_place=clip.window.place,
            window_start_utc=clip.window.start_utc,
            window_end_utc=clip.window.end_utc,
            start_utc=cut.start_utc,
            end_utc=cut.end_utc,
            frame_count=cut.frame_count,
            fps=cut.fps,
            width=cut.width,
            height=cut.height,
            sources=_source_entries(cut),
            redaction=redaction,
        )
        self.clips.append(entry)
        return entry

    def add_still(
        self,
        still: PlannedStill,
        *,
        file: str,
        sha256: str,
        size_bytes: int,
        width: int,
        height: int,
        source_sha256: str,
        redaction: dict[str, Any],
    ) -> ManifestStill:
        """Add a released still: its original (verified hash) and how it was redacted."""
        rec = still.recording
        entry = ManifestStill(
            file=file,
            label=still.label,
            sha256=sha256,
            size_bytes=size_bytes,
            camera_id=still.camera_id,
            window_seq=still.window.seq,
            window_place=still.window.place,
            window_start_utc=still.window.start_utc,
            window_end_utc=still.window.end_utc,
            taken_utc=still.taken_utc,
            width=width,
            height=height,
            source_recording_id=rec.id,
            source_file=Path(rec.path).name,
            source_sha256=source_sha256,
            redaction=redaction,
        )
        self.stills.append(entry)
        return entry

    def add_withheld_still(self, still: PlannedStill, reason: str) -> None:
        """Add a still staff withheld, with their reason (13.9.1)."""
        self.withheld.append(
            WithheldPart(
                still.window.seq,
                still.camera_id,
                still.taken_utc,
                still.taken_utc,
                "withheld",
                f"{still.label} (#{still.recording.id}) withheld by {self.operator}: {reason} (13.9)",
                True,
            )
        )

    def add_unavailable(self, coverage: Sequence[CameraCoverage]) -> None:
        """Add the coverage's gaps: no footage, purged, missing, restricted (13.9)."""
        self.withheld.extend(
            WithheldPart(
                c.window.seq,
                c.camera_id,
                g.start_utc,
                g.end_utc,
                g.reason,
                g.detail,
                withheld=g.reason in WITHHELD_REASONS,
            )
            for c in coverage
            for g in c.gaps
        )

    def add_withheld(self, clip: PlannedClip, reason: str) -> None:
        """Add a clip staff withheld, with their reason (13.9.1)."""
        self.withheld.append(
            WithheldPart(
                clip.window.seq,
                clip.camera_id,
                clip.spans[0].start_utc,
                clip.spans[-1].end_utc,
                "withheld",
                f"clip {clip.number} withheld by {self.operator}: {reason} (13.9)",
                True,
            )
        )

    def build(self) -> ReleaseManifest:
        """The manifest; ``partial`` when anything was withheld."""
        request = self.request
        return ReleaseManifest(
            release_id=self.release_id,
            created_at=self.created_at,
            operator=self.operator,
            site_name=self.site_name,
            timezone=self.timezone,
            request={
                "id": request.id,
                "type": request.kind,
                "received_on": request.received_on.isoformat(),
                "due_on": request.due_on.isoformat(),
                "requester": request.requester,
                "police_reference": request.police_reference,
                "identity_method": request.identity_method,
                "purpose": request.purpose,
            },
            recipient={"name": request.recipient, "category": recipient_category(request.kind)},
            legal_basis=request.legal_basis,
            outcome=(
                RequestOutcome.PARTIAL if any(w.withheld for w in self.withheld) else RequestOutcome.RELEASED
            ),
            redacted=self.redacted,
            approval=self.approval,
            clips=tuple(self.clips),
            withheld=tuple(self.withheld),
            stills=tuple(self.stills),
        )
