"""Issue 25's review-page findings without video: a release run's report read back, its blocking
findings grouped by face, the mask that moves with one, the release's matching of accepted faces,
and a chunked run's evidence gathered beside the clip's report. Issue 29: a chunked review's text
lines keep distinct ids."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest

from cctvkit.catalog.finding_decisions import AcceptedFace
from cctvkit.errors import NotFoundError, UsageError
from cctvkit.jobs.merge import gathered_evidence, joined_analysis
from cctvkit.jobs.plan import TRACK_ID_BLOCK, Chunk
from cctvkit.redact import RedactOptions
from cctvkit.redact.analysis import AnalysisSummary, ClipInfo, FramePlan, StoredAnalysis
from cctvkit.redact.detectors import DetectorInfo
from cctvkit.redact.face_check import FaceCheckSummary, Finding
from cctvkit.redact.text_stage import text_line_ids
from cctvkit.requests.face_findings import (
    attempt_view,
    group_faces,
    latest_attempt,
    mask_boxes,
    page_acceptance,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _walker(frames: range, x0: float = 100.0, step: float = 3.0, **extra) -> list[Finding]:
    """A face 26 px wide walking right ``step`` px a frame, found on ``frames``."""
    return [
        Finding(
            f, (x0 + step * f, 50.0, x0 + step * f + 26, 84.0), 0.99, "retinaface", "visible face", **extra
        )
        for f in frames
    ]


def _accepted(findings: list[Finding], reason: str = "a poster") -> AcceptedFace:
    boxes = {f.frame: f.xyxy for f in findings}
    return AcceptedFace(1, "R-1", 1, "gate", NOW, min(boxes), max(boxes), boxes, reason, "j.smith", NOW)


def test_findings_are_grouped_by_face_and_a_face_gets_a_mask_that_moves_with_it() -> None:
    walking = _walker(range(0, 21, 2))
    other = [
        Finding(f, (400.0, 60.0, 430.0, 96.0), 0.9, "retinaface", "visible face") for f in range(0, 11, 2)
    ]
    later = _walker(range(30, 35, 2), x0=100.0, step=0.0)  # the same place, 1 s later: another sighting
    numbered = list(enumerate([*walking, *other, *later], 1))
    faces = group_faces(numbered, every=2, fps=10.0)
    assert [(f.first_frame, f.last_frame, len(f.findings)) for f in faces] == [
        (0, 20, 11),
        (0, 10, 6),
        (30, 34, 3),
    ]

    boxes = mask_boxes(faces[0], frame_count=25, pad=4)
    assert sorted(boxes) == list(range(0, 25))  # 4 frames after the last finding, within the clip
    assert boxes[3][0] == pytest.approx(100 + 3 * 3)  # between checked frames: where the face is
    assert boxes[24] == boxes[20]  # held after the last sighting


def test_the_release_accepts_only_when_every_blocking_finding_is_an_accepted_face() -> None:
    seen = _walker(range(0, 21, 2))
    accepted = [_accepted(seen)]
    again = _walker(range(1, 22, 2))  # a later run: the same face, on neighbouring frames
    masked_blob = Finding(5, (500.0, 50.0, 530.0, 90.0), 0.6, "retinaface", "masked in the output")
    check = {"every_frames": 2, "remaining_findings": [f.to_dict() for f in [*again, masked_blob]]}
    reason = page_acceptance(check, accepted)
    assert reason is not None and "frames 0-20: a poster (accepted by j.smith" in reason
    stranger = Finding(8, (300.0, 50.0, 326.0, 84.0), 0.99, "retinaface", "visible face")
    check["remaining_findings"].append(stranger.to_dict())
    assert page_acceptance(check, accepted) is None  # a face nobody accepted still blocks
    assert page_acceptance({"every_frames": 2, "remaining_findings": []}, accepted) is None


def _report(path: Path, findings: list[Finding], mtime: int) -> None:
    check = FaceCheckSummary(enabled=True, every_frames=2, remaining_findings=tuple(findings)).to_dict()
    path.write_text(json.dumps({"fps": "10", "frame_count": 40, "face_check": check}))
    os.utime(path, ns=(mtime, mtime))


def test_the_page_reads_the_newest_run_and_lists_findings_that_do_not_block_apart(tmp_path: Path) -> None:
    older = _walker(range(0, 5, 2))
    newer = [
        *_walker(range(0, 7, 2), evidence="release-R-1-r2-clip-01.redaction.finding-1.png"),
        Finding(9, (10.0, 10.0, 20.0, 20.0), 0.7, "retinaface-zoom2x", "below the recognisable size"),
        Finding(
            11,
            (200.0, 10.0, 240.0, 50.0),
            0.6,
            "retinaface",
            "not a face in the original (back or top of a head)",
        ),
        Finding(3, (100.0, 50.0, 126.0, 84.0), 0.9, "retinaface", "visible face", "../../../etc/passwd"),
    ]
    _report(tmp_path / "release-R-1-r1-clip-01.redaction.json", older, 1_000_000_000)
    _report(tmp_path / "release-R-1-r2-clip-01.redaction.json", newer, 2_000_000_000)
    (tmp_path / "release-R-1-r2-clip-01.redaction.finding-1.png").write_bytes(b"\x89PNG")
    attempt = latest_attempt(tmp_path, 1, 40)
    assert attempt is not None and attempt.run == "R-1-r2"
    assert latest_attempt(tmp_path, 1, 41) is None  # a report of other frames: not this clip's
    assert latest_attempt(tmp_path, 2, 40) is None
    view = attempt_view(attempt, [], [])
    assert view is not None
    (face,) = view["faces"]
    assert (face["first_frame"], face["last_frame"], face["findings"]) == (0, 6, 5)
    assert [o["verdict"] for o in view["other"]] == [
        "below the recognisable size",
        "not a face in the original (back or top of a head)",
    ]
    assert attempt.evidence(1).read_bytes() == b"\x89PNG"
    with pytest.raises(NotFoundError):
        attempt.evidence(5)  # its evidence names a path outside the work directory


def test_a_chunked_run_gathers_its_evidence_and_keeps_text_line_ids_apart(tmp_path: Path) -> None:
    parts, dirs = [], []
    for index in range(2):
        directory = tmp_path / f"chunk-{index}"
        directory.mkdir()
        (directory / "chunk.redaction.finding-1.png").write_bytes(f"chunk {index}".encode())
        finding = _walker(range(1), evidence="chunk.redaction.finding-1.png")
        parts.append(FaceCheckSummary(enabled=True, remaining_findings=tuple(finding)))
        dirs.append(directory)
    joined = FaceCheckSummary.merge(parts, [0, 20])
    report = tmp_path / "release-R-1-r1-clip-01.redaction.json"
    gathered = gathered_evidence(parts, dirs, joined, report)
    assert [f.evidence for f in gathered.remaining_findings] == [
        "release-R-1-r1-clip-01.redaction.finding-1.png",
        "release-R-1-r1-clip-01.redaction.finding-2.png",
    ]
    assert (tmp_path / "release-R-1-r1-clip-01.redaction.finding-2.png").read_bytes() == b"chunk 1"

    # Each chunk numbers its text lines from 0: joined, line 0 of chunk 1 is not chunk 0's line 0.
    chunks = [Chunk(0, 0, 1, 0, 1), Chunk(1, 1, 2, 1, 2)]
    joined_plans = joined_analysis(
        [_line_zero(), _line_zero()], chunks, SimpleNamespace(tracks=(), untracked_boxes=0)
    )
    assert [int(text_line_ids(p.tracker_id)[0]) for p in joined_plans.frames] == [0, TRACK_ID_BLOCK]


def _line_zero() -> StoredAnalysis:
    """A one-frame chunk analysis whose frame holds its text line 0."""
    clip = ClipInfo(Path("clip.mp4"), None, 64, 48, Fraction(10), Fraction(1, 10), False, 1)
    detector = DetectorInfo("centerface", "w.onnx", "0" * 64, "MIT", "CPUExecutionProvider", None, "fp32")
    summary = AnalysisSummary(clip, RedactOptions(), 1, (), 0, detector, {})
    plan = FramePlan(0, 0.0, 0, ((0.0, 0.0, 50.0, 10.0),), (-2,), (0.9,), ("text",), (False,))
    return StoredAnalysis(summary, (plan,))


def test_findings_left_to_the_operator_are_listed_by_face_with_evidence_and_accept_nothing(
    tmp_path: Path,
) -> None:
    not_a_face = "not a face in the original (back or top of a head)"
    evidence = "release-R-1-r1-clip-01.redaction.finding-{}.png"
    blocking = _walker(range(0, 5, 2), evidence=evidence.format(1))
    listed = [  # a 60 px "not a face" on three checked frames: left unmasked, shown to the operator
        Finding(f, (300.0 + f, 40.0, 360.0 + f, 110.0), 0.8, "retinaface", not_a_face, evidence.format(4 + i))
        for i, f in enumerate(range(10, 15, 2))
    ]
    small_back = Finding(20, (500.0, 40.0, 530.0, 75.0), 0.6, "retinaface", not_a_face)  # under 48 px
    _report(tmp_path / "release-R-1-r1-clip-01.redaction.json", [*blocking, *listed, small_back], 1_000)
    for n in (1, 4, 5, 6):
        (tmp_path / evidence.format(n)).write_bytes(b"\x89PNG")
    attempt = latest_attempt(tmp_path, 1, 40)
    assert attempt is not None
    assert [f.number for f in attempt.faces] == [1] and [f.number for f in attempt.listed] == [2]
    assert attempt.face(2) is attempt.listed[0] and len(attempt.face(2).findings) == 3
    assert attempt.evidence(5).read_bytes() == b"\x89PNG"  # a listed finding's evidence is served
    with pytest.raises(UsageError, match="does not block"):
        attempt.blocking_face(2)  # nothing to accept: it does not stop the release
    assert attempt.blocking_face(1) is attempt.faces[0]
    view = attempt_view(attempt, [], [])
    assert view is not None
    (shown,) = view["listed"]
    assert (shown["number"], shown["first_frame"], shown["last_frame"], shown["verdict"]) == (
        2,
        10,
        14,
        not_a_face,
    )
    assert shown["evidence"] == 4 and shown["width_px"] == 60  # the widest sighting, the earliest of equals
    assert [o["frame"] for o in view["other"]] == [20]  # the small one: listed apart, no evidence
