"""How a release redacts: the detector, reference face and face check models loaded once, clips
rendered through chunk jobs (issue 16), stills in one piece, and the face check's verdict on each item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cctvkit.config import CameraConfig, JobsSection
from cctvkit.jobs import Backend, ChunkedRun, ChunkRunner, one_pass_record, redact_chunked
from cctvkit.redact.detectors import FaceDetector
from cctvkit.redact.face_check import REPORT_KEY
from cctvkit.redact.identity.match import IdentityMatch
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import remaining_text
from cctvkit.redact.spec import BoxesByFrame, Engines, MaskSpec, Outputs, RequesterRegion
from cctvkit.redact.still import StillReport, redact_still
from cctvkit.redact.zones import Polygon
from cctvkit.requests.camera_text import for_camera
from cctvkit.requests.clips import PlannedStill
from cctvkit.requests.cut import CutClip
from cctvkit.requests.manifest import redaction_summary, unredacted_summary
from cctvkit.requests.plain_copy import copy_unredacted

__all__ = ["ClipOutcome", "Redactor", "build_redactor", "judge_face_check", "render_unredacted"]


@dataclass(frozen=True, slots=True)
class ClipOutcome:
    """What rendering one clip of a release produced.

    Attributes:
        frames: frames written.
        faces_masked: face tracks masked.
        tracks_kept: face tracks left visible.
        elapsed_s: seconds the render took.
        redaction: the manifest's ``redaction`` entry for the clip.
        identity: the ``keep_face`` decisions, if a photo was given.
        unknown_kept_tracks: requested kept ids no track of the clip had.
    """

    frames: int
    faces_masked: int
    tracks_kept: int
    elapsed_s: float
    redaction: dict[str, object]
    identity: IdentityMatch | None = None
    unknown_kept_tracks: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Redactor:
    """The redacting renderer for a release: the release-wide part of the spec (options, face
    check, identity threshold), the engines loaded once (detector, reference face, face check
    models), and the ``[jobs]`` backend the clips' chunks run on (issue 16).

    A clip with a reference face runs in one pass here (the photo is matched against one
    analysis' tracks); others as chunk jobs.
    """

    spec: MaskSpec
    engines: Engines
    jobs: JobsSection
    backend: Backend

    def clip_spec(
        self,
        zones: Sequence[Polygon],
        keep: Sequence[int] = (),
        manual_masks: BoxesByFrame | None = None,
        requester_only: RequesterRegion | None = None,
        camera: CameraConfig | None = None,
        keep_text: BoxesByFrame | None = None,
    ) -> MaskSpec:
        """The release's spec for one item: its camera's zones and text masking, its kept tracks,
        manual masks and lines of text kept readable, and in a requester-only release its region
        (issue 26)."""
        options = for_camera(self.spec.options, camera)
        item = MaskSpec.of(
            options, self.spec.face_check, zones=zones, keep_tracks=keep, manual_masks=manual_masks
        )
        return replace(
            item,
            max_face_distance=self.spec.max_face_distance,
            requester_only=requester_only,
            keep_text=keep_text or None,
        )

    def runner(self, directory: Path, owner: str, label: str) -> ChunkRunner:
        """The chunk jobs of one clip (job names start with ``owner``)."""
        return ChunkRunner(self.jobs, self.backend, directory, owner, label=label)

    def render(self, cut: CutClip, spec: MaskSpec, outputs: Outputs, runner: ChunkRunner) -> ClipOutcome:
        """Redact one cut clip: with the reference face, requester-only or kept lines of text in
        one pass here (the whole clip's tracks decide; kept text is not carried by chunk jobs
        yet), else as ``runner``'s chunk jobs."""
        if self.engines.reference is not None or spec.requester_only is not None or spec.keep_text:
            why = (
                "--keep-face"
                if self.engines.reference is not None
                else "--requester-only"
                if spec.requester_only is not None
                else "text kept on the review page"
            )
            report = redact_clip(Path(cut.path), spec, self.engines, outputs)
            run = ChunkedRun(report, (one_pass_record(report),), f"this process ({why})")
        else:
            run = redact_chunked(Path(cut.path), spec, self.engines, outputs, runner)
            report = run.report
        summary = redaction_summary(report)
        summary[REPORT_KEY] = report.face_check_json
        # Which worker redacted which frames: the release names the hosts that saw them.
        summary["jobs"] = {"backend": run.backend, "chunks": [c.to_dict() for c in run.chunks]}
        if report.identity is not None:
            summary["identity"] = report.identity.to_dict()
        if report.requester_only is not None:
            summary["mode"] = "requester-only"
            summary["requester_only"] = dict(report.requester_only)
        return ClipOutcome(
            report.frame_count,
            int(summary["faces_masked"]),  # type: ignore[call-overload]  # the manifest entry holds JSON values (object)
            len(report.kept_tracks),
            report.elapsed_s,
            summary,
            report.identity,
            report.unknown_kept_tracks,
        )

    def render_still(self, still: PlannedStill, spec: MaskSpec, outputs: Outputs) -> StillReport:
        """Redact one still with the release's detector, reference face and face check."""
        return redact_still(Path(still.recording.path), spec, self.engines, outputs)


def build_redactor(
    spec: MaskSpec, keep_face: Path | None, detector: FaceDetector | None, jobs: JobsSection, backend: Backend
) -> Redactor:
    """Load what every item of a release is redacted with: the detector (unless given), the
    requester's reference face for ``--keep-face`` and the face check's two models."""
    engines = Engines.load(spec, keep_face=keep_face, detector=detector)
    return Redactor(spec, engines, jobs, backend)


def judge_face_check(
    summary: dict[str, object], label: str, reason: str | None, actor: str, refused: list[str]
) -> tuple[int | None, str | None]:
    """Record an acceptance in a clip's or still's ``face_check`` entry, or note a refusal when faces remain.

    Args:
        summary: the item's ``redaction`` entry.
        label: how messages name it (``clip 2``, ``still-1``).
        reason: the staff's ``--accept-faces`` reason for it, if any.
        actor: who accepts.
        refused: collects the items refused.

    Returns:
        (faces remaining, or None when not checked; the acceptance reason, if one applies).
    """
    check = summary.get(REPORT_KEY)
    if not isinstance(check, dict) or not check.get("enabled"):
        return None, None
    remaining = int(check["remaining"])
    if remaining and reason:
        check["accepted"] = {"by": actor, "reason": reason}
    elif remaining:
        where = remaining_text(check) if label.startswith("clip") else _boxes_text(check)
        refused.append(f"{label}: {remaining} face(s) at {where}")
    return remaining, reason if remaining else None


def _boxes_text(check: Mapping[str, Any]) -> str:
    """A still's remaining findings as boxes (it has one frame)."""
    items = list(check.get("remaining_findings") or [])
    return ", ".join(str([round(v) for v in f["xyxy"]]) for f in items[:8])


def render_unredacted(cut: CutClip, output: Path, zones: Sequence[Polygon]) -> ClipOutcome:
    """The approved police copy: only the privacy zones masked."""
    frames, seconds = copy_unredacted(Path(cut.path), output, privacy_zones=zones)
    summary = unredacted_summary(zones=len(zones), frames=frames, seconds=seconds)
    return ClipOutcome(frames, 0, 0, seconds, summary)
