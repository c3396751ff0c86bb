"""The release manifest: what a package holds, where each clip came from, and how it was redacted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "SUMS_NAME",
    "ManifestClip",
    "ManifestSource",
    "ReleaseManifest",
    "WithheldPart",
]

MANIFEST_FORMAT = "cctvkit-release/1"
MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"


def _times(start: datetime, end: datetime, tz: ZoneInfo) -> dict[str, str]:
    """UTC and site-local ISO times of a range (local is what people read; UTC is unambiguous)."""
    return {
        "start_utc": start.isoformat(),
        "end_utc": end.isoformat(),
        "start_local": start.astimezone(tz).isoformat(),
        "end_local": end.astimezone(tz).isoformat(),
    }


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
            "window": {
                "seq": self.window_seq,
                "place": self.window_place,
                **_times(self.window_start_utc, self.window_end_utc, tz),
            },
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
class WithheldPart:
    """Footage of a window that the package does not contain, and why (13.9, 13.2.2).

    Attributes:
        window_seq: the request window.
        camera_id: the camera.
        start_utc: start of the part.
        end_utc: its end.
        reason: ``restricted``, ``withheld``, ``still``, ``no footage``, ``purged``, ``missing``...
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
    """Everything a recipient or an auditor needs to check a package against its sources.

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
            "withheld": [w.to_dict(tz) for w in self.withheld],
        }
