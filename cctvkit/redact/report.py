"""What a redaction run did: parameters, model, tracks and per-frame counts, as JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cctvkit.files import atomic_path
from cctvkit.redact.detectors.base import DetectorInfo
from cctvkit.redact.face_check import LEGACY_KEY, REPORT_KEY, FaceCheckSummary, face_check_entry

if TYPE_CHECKING:
    from cctvkit.redact.identity.match import IdentityMatch

__all__ = ["FrameStat", "RedactionReport", "TrackSummary", "face_check_line", "remaining_text", "write_json"]


@dataclass(frozen=True, slots=True)
class FrameStat:
    """One output frame.

    Attributes:
        index: 0-based index in the output.
        time_s: presentation time in the output, seconds.
        detections: faces the detector found at or above the threshold.
        masked_faces: face boxes masked (detected, interpolated or carried).
        kept_faces: boxes of kept tracks left visible.
        masked_fraction: share of the frame's pixels masked (faces and zones).
    """

    index: int
    time_s: float
    detections: int
    masked_faces: int
    kept_faces: int
    masked_fraction: float


@dataclass(frozen=True, slots=True)
class TrackSummary:
    """One face track.

    Attributes:
        track_id: ByteTrack's id, stable for the same input and options.
        first_frame: first output frame in which the track's face is masked or kept.
        last_frame: last such frame.
        detected_frames: frames in which the detector saw it.
        covered_frames: frames with a box for it (detected, interpolated or carried).
        kept: left unmasked on request.
        best_frame: frame of the clearest sighting (shown in the review sheet).
        best_xyxy: its face box, pixels.
    """

    track_id: int
    first_frame: int
    last_frame: int
    detected_frames: int
    covered_frames: int
    kept: bool
    best_frame: int
    best_xyxy: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class RedactionReport:
    """Everything needed to check one redacted output.

    Attributes:
        input_path: the source file.
        output_path: the redacted file.
        span_s: the (start, end) seconds of the input that were redacted; None for all.
        width: output width (even).
        height: output height (even).
        fps: the input's average frame rate, as a fraction string ("25/1").
        frame_count: frames written (equal to frames decoded).
        audio: whether audio was copied.
        parameters: the :class:`RedactOptions` used, plus zones and requested kept tracks.
        detector: model, weights digest and execution provider.
        tracks: every confirmed face track.
        kept_tracks: track ids left visible.
        unknown_kept_tracks: requested kept ids no track had (nothing was left visible for them).
        untracked_boxes: unconfirmed single sightings, masked with their carry.
        masked_fraction_mean: mean share of pixels masked per frame.
        frames: per-frame counts.
        elapsed_s: wall-clock seconds of the run.
        face_check: what the face check did (models, frames checked, findings, re-masked,
            remaining with frames and boxes; written as ``face_check``), or ``None`` when the run did
            not get that far (a chunk's report is always checked or marked off).
        timing: how frame times were obtained when the input had none: a raw elementary stream
            remuxed at a stated rate (``{"assumed_fps": "25", "how": ...}``); ``None`` when the
            input's own timestamps were used.
        identity: a reference face's decisions (``--keep-face``), or ``None``; written to JSON
            only when present.
        requester_only: a requester-only release's region and the face check's findings
            outside it (:func:`~cctvkit.redact.requester_only.region_summary`, issue 26), or
            ``None``; written to JSON only when present.
    """

    input_path: str
    output_path: str
    span_s: tuple[float, float] | None
    width: int
    height: int
    fps: str
    frame_count: int
    audio: bool
    parameters: dict[str, Any]
    detector: DetectorInfo
    tracks: tuple[TrackSummary, ...]
    kept_tracks: tuple[int, ...]
    unknown_kept_tracks: tuple[int, ...]
    untracked_boxes: int
    masked_fraction_mean: float
    frames: tuple[FrameStat, ...]
    elapsed_s: float
    face_check: FaceCheckSummary | None = None
    timing: dict[str, str] | None = None
    identity: IdentityMatch | None = None
    requester_only: dict[str, Any] | None = None

    @property
    def face_check_json(self) -> dict[str, Any] | None:
        """The face check's summary as the ``face_check`` object of reports and manifests (a copy)."""
        return self.face_check.to_dict() if self.face_check is not None else None

    @property
    def faces_remaining(self) -> int:
        """Faces the face check still saw after its last round (0 when not checked)."""
        return self.face_check.remaining if self.face_check is not None else 0

    @property
    def frames_per_second(self) -> float:
        """Processing speed of the run."""
        return self.frame_count / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        data = asdict(replace(self, identity=None, face_check=None))
        del data["identity"], data["face_check"]
        if self.requester_only is None:
            del data["requester_only"]
        data[REPORT_KEY] = self.face_check_json
        data["frames_per_second"] = round(self.frames_per_second, 3)
        if self.identity is not None:
            data["identity"] = self.identity.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactionReport:
        """The report :meth:`to_dict` wrote (a chunk's, read back by the join)."""
        # identity: a one-pass run's decisions, never a chunk's (nothing joins them)
        skip = ("frames_per_second", "identity", REPORT_KEY, LEGACY_KEY)
        fields = {k: v for k, v in data.items() if k not in skip}
        check = face_check_entry(data)
        return cls(
            **{
                **fields,
                "span_s": tuple(data["span_s"]) if data["span_s"] is not None else None,
                "detector": DetectorInfo(**data["detector"]),
                "tracks": tuple(
                    TrackSummary(**{**t, "best_xyxy": tuple(t["best_xyxy"])}) for t in data["tracks"]
                ),
                "kept_tracks": tuple(data["kept_tracks"]),
                "unknown_kept_tracks": tuple(data["unknown_kept_tracks"]),
                "frames": tuple(FrameStat(**f) for f in data["frames"]),
                "face_check": FaceCheckSummary.from_dict(check) if check else None,
            }
        )


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write ``data`` as indented JSON, atomically and readable by the owner only.

    Args:
        data: JSON-able values.
        path: the file to write.

    Returns:
        ``path``.
    """
    path = Path(path)
    with atomic_path(path) as partial:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            # A name that is not UTF-8 holds lone surrogates: keep them as JSON \udcXX escapes.
            text = json.dumps(data, indent=1, ensure_ascii=False)
            handle.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
    return path


def face_check_line(check: Mapping[str, Any]) -> str:
    """One line of the face check's figures."""
    if not check.get("enabled"):
        return "face check: off (--no-face-check): the output was not checked for visible faces"
    models = "+".join(
        str(m["name"]) + ("" if m.get("precision", "fp32") == "fp32" else f" {m['precision']}")
        for m in check["models"]
    )
    listed = len(check.get("remaining_findings") or []) - int(check["remaining"])
    return (
        f"face check ({models}): {check['frames_checked']} frames checked, {check['findings']} findings, "
        f"{check['re_masked']} re-masked in {check['rounds']} round(s), {check['remaining']} remaining"
        + (f" ({listed} more listed in the report, not blocking)" if listed else "")
    )


def remaining_text(check: Mapping[str, Any], limit: int = 8) -> str:
    """``frame N [x1,y1,x2,y2]`` for the first ``limit`` remaining findings."""
    items = list(check.get("remaining_findings") or [])
    text = ", ".join(f"frame {f['frame']} {[round(v) for v in f['xyxy']]}" for f in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")
