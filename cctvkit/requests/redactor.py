"""How a release redacts: the detector, reference face and audit models loaded once, clips
rendered through chunk jobs (issue 16), stills in one piece, and the audit's verdict on each item."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cctvkit.config import JobsSection
from cctvkit.jobs import Backend, ChunkedRun, one_pass_record, redact_chunked
from cctvkit.redact import FaceDetector, RedactOptions, build_detector
from cctvkit.redact.audit_faces import load_audit_detectors
from cctvkit.redact.identity import (
    FaceEmbedder,
    IdentityMatch,
    ReferenceFace,
    load_reference,
    redact_keeping_reference,
)
from cctvkit.redact.options import AuditOptions
from cctvkit.redact.render import FrameBoxes
from cctvkit.redact.report import remaining_text
from cctvkit.redact.still import StillReport, redact_still
from cctvkit.redact.zones import Polygon
from cctvkit.requests.clips import PlannedStill
from cctvkit.requests.cut import CutClip
from cctvkit.requests.manifest import redaction_summary, unredacted_summary
from cctvkit.requests.plain_copy import copy_unredacted

if TYPE_CHECKING:
    from cctvkit.requests.process import ProcessOptions

__all__ = ["ClipOutcome", "Redactor", "build_redactor", "judge_audit", "render_unredacted"]


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
    """The redacting renderer for a release: detector (and face reference) loaded once, chunks
    run on the ``[jobs]`` backend (issue 16)."""

    options: RedactOptions
    detector: FaceDetector
    reference: ReferenceFace | None
    embedder: FaceEmbedder | None
    max_distance: float
    audit: AuditOptions
    auditors: tuple[FaceDetector, FaceDetector] | None
    jobs: JobsSection
    backend: Backend

    def render(
        self,
        cut: CutClip,
        output: Path,
        *,
        zones: Sequence[Polygon],
        keep: Sequence[int],
        report_path: Path,
        metadata: dict[str, str],
        progress: Callable[[int, int], None] | None,
        jobs_dir: Path,
        job_owner: str,
        label: str,
        extra_masks: FrameBoxes | None = None,
    ) -> ClipOutcome:
        identity = None
        if self.reference is not None and self.embedder is not None:
            report, identity = redact_keeping_reference(
                Path(cut.path),
                output,
                self.reference,
                embedder=self.embedder,
                options=self.options,
                privacy_zones=zones,
                keep_tracks=keep,
                max_distance=self.max_distance,
                detector=self.detector,
                progress=progress,
                report_path=report_path,
                metadata=metadata,
                extra_masks=extra_masks,
                audit=self.audit,
                audit_detectors=self.auditors,
            )
            # One pass (the photo is matched against one analysis' tracks): one chunk, here.
            run = ChunkedRun(report, (one_pass_record(report),), "this process (--keep-face)")
        else:
            run = redact_chunked(
                Path(cut.path),
                output,
                options=self.options,
                settings=self.jobs,
                backend=self.backend,
                directory=jobs_dir,
                owner=job_owner,
                audit=self.audit,
                audit_detectors=self.auditors,
                privacy_zones=zones,
                keep_tracks=keep,
                detector=self.detector,
                progress=progress,
                report_path=report_path,
                metadata=metadata,
                extra_masks=extra_masks,
                label=label,
            )
            report = run.report
        summary = redaction_summary(report)
        summary["audit"] = dict(report.audit) if report.audit else None
        # Which worker redacted which frames: the release names the hosts that saw them.
        summary["jobs"] = {"backend": run.backend, "chunks": [c.to_dict() for c in run.chunks]}
        if identity is not None:
            summary["identity"] = identity.to_dict()
        return ClipOutcome(
            report.frame_count,
            int(summary["faces_masked"]),  # type: ignore[call-overload]
            len(report.kept_tracks),
            report.elapsed_s,
            summary,
            identity,
            report.unknown_kept_tracks,
        )

    def render_still(
        self, still: PlannedStill, output: Path, *, zones: Sequence[Polygon], report_path: Path
    ) -> StillReport:
        """Redact one still with the release's detector, reference face and audit."""
        return redact_still(
            Path(still.recording.path),
            output,
            options=self.options,
            audit=self.audit,
            audit_detectors=self.auditors,
            privacy_zones=zones,
            detector=self.detector,
            reference=self.reference,
            embedder=self.embedder,
            max_distance=self.max_distance,
            report_path=report_path,
        )


def build_redactor(
    options: ProcessOptions, detector: FaceDetector | None, jobs: JobsSection, backend: Backend
) -> Redactor:
    """Load what every item of a release is redacted with: the detector (unless given), the
    requester's reference face for ``--keep-face`` and the audit's two models."""
    detector = detector or build_detector(options.redact)
    embedder = reference = None
    if options.keep_face is not None:
        embedder = FaceEmbedder()
        reference = load_reference(
            options.keep_face, detector=detector, embedder=embedder, threshold=options.redact.threshold
        )
    auditors = None
    if options.audit.enabled:
        auditors = load_audit_detectors(provider=options.redact.provider, threads=options.redact.threads)
    return Redactor(
        options.redact,
        detector,
        reference,
        embedder,
        options.max_face_distance,
        options.audit,
        auditors,
        jobs,
        backend,
    )


def judge_audit(
    summary: dict[str, object], label: str, reason: str | None, actor: str, refused: list[str]
) -> tuple[int | None, str | None]:
    """Record an acceptance in a clip's or still's ``audit`` entry, or note a refusal when faces remain.

    Args:
        summary: the item's ``redaction`` entry.
        label: how messages name it (``clip 2``, ``still-1``).
        reason: the staff's ``--accept-faces`` reason for it, if any.
        actor: who accepts.
        refused: collects the items refused.

    Returns:
        (faces remaining, or None when not audited; the acceptance reason, if one applies).
    """
    audit = summary.get("audit")
    if not isinstance(audit, dict) or not audit.get("enabled"):
        return None, None
    remaining = int(audit["remaining"])
    if remaining and reason:
        audit["accepted"] = {"by": actor, "reason": reason}
    elif remaining:
        where = remaining_text(audit) if label.startswith("clip") else _boxes_text(audit)
        refused.append(f"{label}: {remaining} face(s) at {where}")
    return remaining, reason if remaining else None


def _boxes_text(audit: dict[str, object]) -> str:
    """A still's remaining findings as boxes (it has one frame)."""
    items = list(audit.get("remaining_findings") or [])  # type: ignore[call-overload]
    return ", ".join(str([round(v) for v in f["xyxy"]]) for f in items[:8])


def render_unredacted(cut: CutClip, output: Path, zones: Sequence[Polygon]) -> ClipOutcome:
    """The approved police copy: only the privacy zones masked."""
    frames, seconds = copy_unredacted(Path(cut.path), output, privacy_zones=zones)
    summary = unredacted_summary(zones=len(zones), frames=frames, seconds=seconds)
    return ClipOutcome(frames, 0, 0, seconds, summary)
