"""The face check's remaining findings on the review page: each face with its evidence, masked or
accepted in one click (issue 25).

A release run (the page's approve button, or ``request process``) checks each rendered clip with
the face check and writes its report, with an evidence PNG per blocking finding (original beside
output), into the request's working directory; when faces remain, nothing is published. The page
reads the latest such report of each clip (:func:`latest_attempt`) and groups its blocking
findings by face (:func:`group_faces`: the same face on consecutive checked frames), so an
operator decides once per face, not once per checked frame:

* **mask it**: its findings' boxes, interpolated between checked frames and held over the frames
  the face check would re-mask around them, stored as a manual mask (:func:`mask_face`), so the
  mask moves with the face; the next release masks it like any manual mask;
* **accept it** with a reason (:func:`accept_face`): stored and audited; the next release accepts
  the clip's findings when every blocking one is such an accepted face (:func:`page_acceptance`),
  recorded as ``--accept-faces`` records it (manifest ``face_check.accepted``, the release's
  ``faces_accepted``).

Findings that do not block (a masked blob, a face under the recognisable size, the back of a
head) are listed apart, with their verdicts, and call for no decision. Those the face check left
unmasked for the operator (a large "not a face": see
:func:`~cctvkit.redact.finding_verdict.left_to_operator`) are grouped by face with their evidence
too (:attr:`CheckAttempt.listed`): they do not block, but one click masks one that is a face.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.audit import write_audit
from cctvkit.catalog import finding_decisions as fdq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.finding_decisions import AcceptedFace
from cctvkit.catalog.review_decisions import ManualMask
from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.redact.face_check import Finding, face_check_entry
from cctvkit.redact.finding_verdict import left_to_operator
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests import decisions
from cctvkit.requests.decisions import ClipRef, DrawnMask

__all__ = [
    "CheckAttempt",
    "SeenFace",
    "accept_face",
    "attempt_view",
    "check_attempt",
    "covering_mask",
    "group_faces",
    "is_accepted",
    "latest_attempt",
    "mask_boxes",
    "mask_face",
    "page_acceptance",
    "release_report_path",
    "withdraw_acceptance",
]

Box = tuple[float, float, float, float]

SAME_FACE_IOU = 0.2
"""Overlap of two findings on nearby checked frames at which they are one face (a walking face
moves a fraction of its width between checked frames)."""

MATCH_IOU = 0.3
"""Overlap with an accepted face's box (interpolated to the frame) at which a finding of a later
run is that face again, or with a manual mask's box at which the mask covers it."""

SAME_FACE_GAP_S = 0.5
"""Longest gap, seconds, between two findings of one face (it may be missed on a checked frame)."""


def release_report_path(work: Path, release_id: str, number: int) -> Path:
    """Where a release run writes clip ``number``'s redaction report (the page reads it back)."""
    return work / f"release-{release_id}-clip-{number:02d}.redaction.json"


@dataclass(frozen=True, slots=True)
class SeenFace:
    """One face the face check still saw: its blocking findings on nearby checked frames.

    Attributes:
        number: its number in the attempt (1-based, in order of first frame).
        findings: ``(number in the report, finding)`` pairs, by frame.
    """

    number: int
    findings: tuple[tuple[int, Finding], ...]

    @property
    def first_frame(self) -> int:
        return self.findings[0][1].frame

    @property
    def last_frame(self) -> int:
        return self.findings[-1][1].frame

    @property
    def best(self) -> tuple[int, Finding]:
        """The clearest sighting (widest box; the earliest of equals): the one shown."""
        return max(self.findings, key=lambda pair: (_width(pair[1].xyxy), -pair[1].frame))

    def boxes(self) -> dict[int, Box]:
        """Per frame, the face check's box (the widest where one frame has two)."""
        out: dict[int, Box] = {}
        for _, finding in self.findings:
            if finding.frame not in out or _width(finding.xyxy) > _width(out[finding.frame]):
                out[finding.frame] = finding.xyxy
        return out


@dataclass(frozen=True, slots=True)
class CheckAttempt:
    """The face check's verdict on one clip in the latest release run.

    Attributes:
        run: the release id the run had or would have had (a run that published nothing leaves
            the id to the next run, which writes its report over this one).
        attempt: names this report (the run and when it was written): the page's decisions name
            it, so one made on findings the page showed before a newer run is refused.
        report_path: the run's report.
        frame_count: the clip's frames.
        fps: its frame rate.
        every: one frame in this many was checked.
        faces: the blocking findings, by face (numbered from 1).
        listed: the findings left unmasked for the operator, with evidence, by face (numbered
            after ``faces``): they do not block; the operator may mask them.
        other: the other findings that do not block, ``(number in the report, finding)``.
    """

    run: str
    attempt: str
    report_path: Path
    frame_count: int
    fps: float
    every: int
    faces: tuple[SeenFace, ...]
    listed: tuple[SeenFace, ...]
    other: tuple[tuple[int, Finding], ...]

    def face(self, number: int) -> SeenFace:
        """Face ``number``, blocking or listed (a mask may go over either).

        Raises:
            NotFoundError: no such face in this attempt.
        """
        seen = (*self.faces, *self.listed)
        if not 1 <= number <= len(seen):
            raise NotFoundError(
                f"the face check's run {self.run} has no face {number} on this clip "
                f"({len(self.faces)} still seen, {len(self.listed)} listed)"
            )
        return seen[number - 1]

    def blocking_face(self, number: int) -> SeenFace:
        """Face ``number`` if it blocks the release (only those are accepted).

        Raises:
            NotFoundError: no such face in this attempt.
            UsageError: the face is listed, not blocking: there is nothing to accept.
        """
        face = self.face(number)
        if number > len(self.faces):
            raise UsageError(
                f"face {number} does not block the release (two models saw no face there): "
                "mask it if it is one, or leave it"
            )
        return face

    def evidence(self, finding_number: int) -> Path:
        """The evidence PNG of finding ``finding_number`` (in the report's numbering).

        Raises:
            NotFoundError: no such finding, or it has no evidence (findings neither blocking nor listed).
        """
        for face in (*self.faces, *self.listed):
            for number, finding in face.findings:
                if number == finding_number and finding.evidence:
                    name = Path(finding.evidence).name  # a bare name beside the report, nothing else
                    path = self.report_path.with_name(name)
                    if path.is_file():
                        return path
        raise NotFoundError(f"the face check's run {self.run} has no evidence for finding {finding_number}")


def latest_attempt(work: Path, number: int, frame_count: int) -> CheckAttempt | None:
    """The face check's verdict on clip ``number`` in the newest release run's report in
    ``work``, or None (no run yet, the face check was off, or the report is of other frames)."""
    reports = list(work.glob(f"release-*-clip-{number:02d}.redaction.json"))
    if not reports:
        return None
    newest = max(reports, key=lambda p: p.stat().st_mtime_ns)
    attempt = _read_attempt(str(newest), newest.stat().st_mtime_ns, number)
    if attempt is None or attempt.frame_count != frame_count:
        return None
    return attempt


@functools.lru_cache(maxsize=32)
def _read_attempt(path_text: str, mtime_ns: int, number: int) -> CheckAttempt | None:
    """One report read (cached while the file is unchanged: the page asks on every refresh)."""
    path = Path(path_text)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    check = face_check_entry(report)
    if not isinstance(check, Mapping) or not check.get("enabled"):
        return None
    fps = float(Fraction(str(report["fps"])))
    every = max(1, int(check.get("every_frames") or 1))
    numbered = [(n, Finding.from_dict(f)) for n, f in enumerate(check.get("remaining_findings") or [], 1)]
    run = path.name.removeprefix("release-").removesuffix(f"-clip-{number:02d}.redaction.json")
    faces = group_faces([p for p in numbered if p[1].blocking], every=every, fps=fps)
    listed = group_faces([p for p in numbered if _listed(p[1])], every=every, fps=fps, start=len(faces) + 1)
    return CheckAttempt(
        run,
        f"{run}@{mtime_ns}",
        path,
        int(report["frame_count"]),
        fps,
        every,
        faces,
        listed,
        tuple(p for p in numbered if not p[1].blocking and not _listed(p[1])),
    )


def _listed(finding: Finding) -> bool:
    """Whether a finding was left unmasked for the operator (not blocking, with evidence)."""
    return not finding.blocking and left_to_operator(finding.verdict, _width(finding.xyxy))


def group_faces(
    findings: Sequence[tuple[int, Finding]], *, every: int, fps: float, start: int = 1
) -> tuple[SeenFace, ...]:
    """Findings grouped by face, numbered from ``start``: a finding joins the face whose latest
    finding is on an earlier frame at most :data:`SAME_FACE_GAP_S` (and two checked frames)
    before it and overlaps it best (IoU >= :data:`SAME_FACE_IOU`); else it starts a face."""
    gap = max(2 * every, round(SAME_FACE_GAP_S * fps))
    groups: list[list[tuple[int, Finding]]] = []
    for pair in sorted(findings, key=lambda p: (p[1].frame, p[0])):
        finding = pair[1]
        best, best_iou = None, SAME_FACE_IOU
        for group in groups:
            last = group[-1][1]
            if 0 < finding.frame - last.frame <= gap:
                overlap = _iou(last.xyxy, finding.xyxy)
                if overlap >= best_iou:
                    best, best_iou = group, overlap
        if best is None:
            groups.append([pair])
        else:
            best.append(pair)
    groups.sort(key=lambda g: (g[0][1].frame, g[0][0]))
    return tuple(SeenFace(i, tuple(g)) for i, g in enumerate(groups, start))


def mask_boxes(face: SeenFace, *, frame_count: int, pad: int) -> dict[int, Box]:
    """A mask that moves with the face: its boxes interpolated between the checked frames it was
    seen on, held ``pad`` frames before the first and after the last (the frames between checks
    and the face check's own re-mask reach), within the clip."""
    seen = face.boxes()
    frames = sorted(seen)
    boxes = np.asarray([seen[f] for f in frames], np.float64)
    first, last = max(0, frames[0] - pad), min(frame_count - 1, frames[-1] + pad)
    out: dict[int, Box] = {}
    for frame in range(first, last + 1):
        row = [float(np.interp(frame, frames, boxes[:, k])) for k in range(4)]
        out[frame] = (row[0], row[1], row[2], row[3])
    return out


def _pad(attempt: CheckAttempt) -> int:
    """Frames a face's mask is held beyond its first and last finding: the unchecked frames
    around them and the face check's re-mask reach."""
    return attempt.every - 1 + round(FaceCheckOptions().reach_s * attempt.fps)


def mask_face(
    catalog: Catalog,
    request_id: str,
    clip: ClipRef,
    attempt: CheckAttempt,
    face: SeenFace,
    *,
    actor: str,
    now: datetime | None = None,
) -> ManualMask:
    """Store a manual mask over a face the face check still saw or listed, moving with it
    (:func:`mask_boxes`); audited as a manual mask (``review.mask.add``) that names the findings
    it came from."""
    _, best = face.best
    boxes = mask_boxes(face, frame_count=attempt.frame_count, pad=_pad(attempt))
    seen = "still saw" if face.number <= len(attempt.faces) else "listed (not a face to two models)"
    return decisions.add_mask(
        catalog,
        request_id,
        clip,
        DrawnMask.followed(best.frame, {**boxes, best.frame: best.xyxy}),
        reason=f"a face the face check {seen} (frames {face.first_frame}-{face.last_frame})",
        actor=actor,
        now=now,
        source={"face_check": attempt.run, "face": face.number, "findings": len(face.findings)},
    )


def accept_face(
    catalog: Catalog,
    request_id: str,
    clip: ClipRef,
    attempt: CheckAttempt,
    face: SeenFace,
    *,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> AcceptedFace:
    """Record that a face the face check still saw may stay, with the reason; audited
    (``review.finding.accept``).

    Raises:
        UsageError: no reason, or one over 500 characters.
    """
    now = now or datetime.now(UTC)
    reason = decisions.check_reason(reason)
    boxes = face.boxes()
    with catalog.write() as conn:
        accepted_id = fdq.insert_accepted(
            conn,
            request_id=request_id,
            clip_number=clip.number,
            camera_id=clip.camera_id,
            clip_start_utc=clip.start_utc,
            boxes=boxes,
            reason=reason,
            by=actor,
            now=now,
        )
        write_audit(
            conn,
            actor=actor,
            action="review.finding.accept",
            object_kind="request",
            object_id=request_id,
            camera_id=clip.camera_id,
            details={
                "clip": clip.number,
                "accepted": accepted_id,
                "face_check": attempt.run,
                "face": face.number,
                "frames": [face.first_frame, face.last_frame],
                "findings": len(face.findings),
                "xyxy": [round(float(v), 1) for v in face.best[1].xyxy],
                "reason": reason,
            },
            now=now,
        )
        accepted = fdq.get_accepted(conn, request_id, accepted_id)
    assert accepted is not None
    return accepted


def withdraw_acceptance(
    catalog: Catalog, request_id: str, accepted_id: int, *, actor: str, now: datetime | None = None
) -> AcceptedFace:
    """Stop accepting a face (the row and its history stay); audited (``review.finding.withdraw``).

    Raises:
        NotFoundError: no such live acceptance on this request.
    """
    now = now or datetime.now(UTC)
    with catalog.write() as conn:
        accepted = fdq.get_accepted(conn, request_id, accepted_id)
        if accepted is None:
            raise NotFoundError(f"request {request_id} has no accepted face {accepted_id}")
        fdq.withdraw_accepted(conn, accepted_id, by=actor, now=now)
        write_audit(
            conn,
            actor=actor,
            action="review.finding.withdraw",
            object_kind="request",
            object_id=request_id,
            camera_id=accepted.camera_id,
            details={"clip": accepted.clip_number, "accepted": accepted_id},
            now=now,
        )
    return accepted


def _accepted_match(finding: Finding, accepted: Sequence[AcceptedFace], every: int) -> AcceptedFace | None:
    for face in accepted:
        if not face.first_frame - every <= finding.frame <= face.last_frame + every:
            continue
        if _iou(finding.xyxy, _box_at(face.boxes, finding.frame)) >= MATCH_IOU:
            return face
    return None


def is_accepted(face: SeenFace, accepted: Sequence[AcceptedFace], every: int) -> AcceptedFace | None:
    """The acceptance every finding of ``face`` matches, if one does."""
    matches = [_accepted_match(f, accepted, every) for _, f in face.findings]
    if matches and all(m is not None for m in matches):
        return matches[0]
    return None


def covering_mask(face: SeenFace, masks: Sequence[ManualMask]) -> ManualMask | None:
    """The live manual mask whose box covers the face's clearest sighting, if one does."""
    _, best = face.best
    for mask in masks:
        box = mask.boxes_in_span().get(best.frame) if mask.kind == "mask" else None
        if box is not None and _iou(best.xyxy, box) >= MATCH_IOU:
            return mask
    return None


def page_acceptance(check: object, accepted: Sequence[AcceptedFace]) -> str | None:
    """The acceptance reason of a clip's face check when every blocking remaining finding is a
    face accepted on the review page (one reason per face), else None (the release refuses)."""
    if not isinstance(check, Mapping) or not accepted:
        return None
    every = max(1, int(check.get("every_frames") or 1))
    used: dict[int, AcceptedFace] = {}
    for data in check.get("remaining_findings") or []:
        finding = Finding.from_dict(data)
        if not finding.blocking:
            continue
        face = _accepted_match(finding, accepted, every)
        if face is None:
            return None
        used[face.id] = face
    if not used:
        return None
    return "; ".join(
        f"frames {a.first_frame}-{a.last_frame}: {a.reason} (accepted by {a.decided_by} on the review page)"
        for a in used.values()
    )


def _box_at(boxes: Mapping[int, Box], frame: int) -> Box:
    """The box at ``frame``, interpolated between the nearest frames (held beyond the ends)."""
    frames = sorted(boxes)
    values = np.asarray([boxes[f] for f in frames], np.float64)
    row = [float(np.interp(frame, frames, values[:, k])) for k in range(4)]
    return (row[0], row[1], row[2], row[3])


def _width(xyxy: Sequence[float]) -> float:
    return float(xyxy[2]) - float(xyxy[0])


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def check_attempt(attempt: CheckAttempt | None, name: str) -> CheckAttempt:
    """The attempt the page's decision names, if it is still the latest.

    Raises:
        NotFoundError: no face check ran on the clip yet.
        ConflictError: a newer run replaced the findings the page showed.
    """
    if attempt is None:
        raise NotFoundError("no release run has checked this clip yet: approve first")
    if name != attempt.attempt:
        raise ConflictError(
            f"the face check ran again since the page showed its findings ({attempt.run}): reload the page"
        )
    return attempt


def attempt_view(
    attempt: CheckAttempt | None, masks: Sequence[ManualMask], accepted: Sequence[AcceptedFace]
) -> dict[str, object] | None:
    """What the review page shows of a clip's latest face check, as JSON-able values: each face
    still seen with its clearest finding, evidence and decision; the faces listed for the
    operator (not blocking) likewise; the other findings that do not block."""
    if attempt is None:
        return None
    return {
        "attempt": attempt.attempt,
        "run": attempt.run,
        "every": attempt.every,
        "faces": [
            {
                **_face_view(attempt, face, masks),
                "accepted": _accepted_view(is_accepted(face, accepted, attempt.every)),
            }
            for face in attempt.faces
        ],
        "listed": [_face_view(attempt, face, masks) for face in attempt.listed],
        "other": [
            {
                "frame": f.frame,
                "time_s": round(f.frame / attempt.fps, 3),
                "width_px": round(_width(f.xyxy), 1),
                "score": round(f.score, 3),
                "verdict": f.verdict,
            }
            for _, f in attempt.other
        ],
        "accepted": [
            {"id": a.id, "frames": [a.first_frame, a.last_frame], "reason": a.reason, "by": a.decided_by}
            for a in accepted
        ],
    }


def _face_view(attempt: CheckAttempt, face: SeenFace, masks: Sequence[ManualMask]) -> dict[str, object]:
    number, best = face.best
    mask = covering_mask(face, masks)
    return {
        "number": face.number,
        "first_frame": face.first_frame,
        "last_frame": face.last_frame,
        "findings": len(face.findings),
        "frame": best.frame,
        "time_s": round(best.frame / attempt.fps, 3),
        "xyxy": [round(v, 1) for v in best.xyxy],
        "width_px": round(_width(best.xyxy), 1),
        "score": round(best.score, 3),
        "verdict": best.verdict or "not judged (blocks)",
        "evidence": number if best.evidence else None,
        "mask": mask.id if mask is not None else None,
    }


def _accepted_view(taken: AcceptedFace | None) -> dict[str, object] | None:
    return None if taken is None else {"id": taken.id, "reason": taken.reason, "by": taken.decided_by}
