"""The redaction records and the face check summary: what chunk jobs hash, reports as written before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cctvkit.config import JobsSection
from cctvkit.errors import UsageError
from cctvkit.jobs import ChunkRunner, LocalBackend, plan_jobs
from cctvkit.redact import face_checker
from cctvkit.redact.face_check import FaceCheckSummary, Finding
from cctvkit.redact.face_checker import build_face_checker, face_check_identity
from cctvkit.redact.finding_verdict import Reason, Verdict
from cctvkit.redact.options import FaceCheckOptions, RedactOptions
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.spec import MaskSpec, RequesterRegion

GATE = Path(__file__).parents[2] / "sample_footage/archive/gate/gate_20261001_090000.mp4"

# Job names the chunk planner gave before the spec record existed (issue 24): the same settings
# must name the same jobs, so finished chunks stay valid and JOB_FORMAT need not change. Checked
# jobs hash which models check and how findings are masked too (issue 25: the zoomed check was
# CenterFace, now RetinaFace; findings followed, not fixed boxes; every 8th frame; changes near
# people's bodies not zoomed, ``explained_face_px``; busy frames zoomed whole every 8th check), so
# theirs changed then ("921728682e610d4b", then "a71f19c0ddfc38b1", ... before); unchecked jobs' did not.
BEFORE = {
    "plain": ["d6a6125cd3153614", "7d8a414eb8af61c6", "70c0780ded7781bc"],
    "masks": ["c81b0efdc68477a0", "7d8a414eb8af61c6", "4c6fab81a4641141"],
    "checked": ["24ab01cd8d7a5e8a", "11e222d349bc0503", "315e9bb871d07e1e"],
}


@pytest.mark.parametrize("case", sorted(BEFORE))
def test_chunk_job_names_are_those_made_before_the_spec(case: str, tmp_path: Path) -> None:
    masks = {5: np.array([[1.234, 2.5, 30, 40]]), 40: np.array([[10, 20, 30.333, 40], [0, 0, 5, 5]])}
    spec = MaskSpec.of(
        # the settings of then (issue 25's zoomed sweep and small faces confirmed by their weak
        # sightings: new pixels, new names)
        RedactOptions(zoom_sweep=0, confirm_small=0),
        FaceCheckOptions(enabled=case == "checked"),
        manual_masks=masks if case == "masks" else None,
    )
    runner = ChunkRunner(JobsSection(chunk_s=2.0), LocalBackend(1), tmp_path, "R/c", chunk_s=2.0)
    jobs, _, _ = plan_jobs(GATE, spec, runner)
    assert [j.name.rsplit("/", 1)[1] for j in jobs] == BEFORE[case]
    assert [MaskSpec.from_settings(j.spec().settings()).settings() for j in jobs] == [
        j.spec().settings() for j in jobs
    ]


def test_checked_chunk_names_follow_the_models_that_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The identity hashed is that of the weights the check loads, and another model means other jobs.
    checker = build_face_checker((64, 48))
    assert {m.sha256 for m in checker.models} == {
        ident.split(":")[1] for role, ident in face_check_identity().items() if role != "remask"
    }
    spec = MaskSpec.of(RedactOptions(zoom_sweep=0), FaceCheckOptions())
    runner = ChunkRunner(JobsSection(chunk_s=2.0), LocalBackend(1), tmp_path, "R/c", chunk_s=2.0)
    monkeypatch.setattr(
        face_checker, "_CHECK_MODELS", {"native": "retinaface-mnet025", "zoomed": "centerface"}
    )
    older, _, _ = plan_jobs(GATE, spec, runner)  # the check as it was before issue 25
    assert not {j.name.rsplit("/", 1)[1] for j in older} & set(BEFORE["checked"])


def test_a_requester_only_release_never_runs_as_chunk_jobs(tmp_path: Path) -> None:
    # Its region is followed over the whole clip (issue 26): redact() keeps it in one pass.
    spec = MaskSpec(keep_tracks=(1,), requester_only=RequesterRegion())
    runner = ChunkRunner(JobsSection(), LocalBackend(1), tmp_path, "R/c")
    with pytest.raises(UsageError, match="chunk jobs"):
        plan_jobs(GATE, spec, runner)


# A chunk's "audit" object as releases wrote it before the summary was typed.
OLD_AUDIT = {
    "enabled": True,
    "models": [{"name": "retinaface", "weights_sha256": "a" * 64, "licence": "MIT", "provider": "cpu"}],
    "every_frames": 2,
    "zoom": 2.0,
    "thresholds": {"retinaface": 0.5, "zoomed": 0.3},
    "frames_checked": 11,
    "findings": 3,
    "re_masked": 2,
    "rounds": 1,
    "max_rounds": 2,
    "kept_skipped": 0,
    "remaining": 1,
    "remaining_findings": [
        {"frame": 4, "xyxy": [1.0, 2.0, 30.5, 40.0], "score": 0.61, "model": "retinaface"}
    ],
    "elapsed_s": 0.5,
    "re_render_s": 0.25,
}


def test_old_audit_objects_read_back_unchanged() -> None:
    summary = FaceCheckSummary.from_dict(OLD_AUDIT)
    assert summary.to_dict() == OLD_AUDIT
    assert summary.remaining == 1 and summary.remaining_findings[0] == Finding(
        4, (1.0, 2.0, 30.5, 40.0), 0.61, "retinaface"
    )
    still = {
        k: v for k, v in OLD_AUDIT.items() if k != "re_render_s"
    }  # a still's, before the loop was shared
    assert FaceCheckSummary.from_dict(still).to_dict() == still


def test_merge_sums_chunks_and_renumbers_their_findings() -> None:
    one = FaceCheckSummary.from_dict(OLD_AUDIT)
    two = FaceCheckSummary.from_dict({**OLD_AUDIT, "rounds": 2, "elapsed_s": 0.25})
    joined = FaceCheckSummary.merge([one, two], [0, 20])
    assert (joined.frames_checked, joined.findings, joined.re_masked, joined.remaining) == (22, 6, 4, 2)
    assert joined.rounds == 2 and joined.elapsed_s == 0.75 and joined.re_render_s == 0.5
    assert [f.frame for f in joined.remaining_findings] == [4, 24]
    assert [c["first_frame"] for c in joined.to_dict()["chunks"]] == [0, 20]
    assert one.to_dict() == OLD_AUDIT  # the parts are left as they were


def test_findings_are_counted_by_verdict_and_chunks_add_up() -> None:
    verdicts = {"below the recognisable size": 2, "visible face": 1}
    one = FaceCheckSummary.from_dict({**OLD_AUDIT, "findings_by_verdict": verdicts})
    assert one.to_dict()["findings_by_verdict"] == verdicts
    two = FaceCheckSummary.from_dict({**OLD_AUDIT, "findings_by_verdict": {"not judged": 3}})
    joined = FaceCheckSummary.merge([one, two, FaceCheckSummary.from_dict(OLD_AUDIT)], [0, 20, 40])
    assert joined.to_dict()["findings_by_verdict"] == {**verdicts, "not judged": 3}


def test_a_report_hands_out_copies_of_its_summary() -> None:
    report = RedactionReport.from_dict(
        {
            "input_path": "in.mp4",
            "output_path": "out.mp4",
            "span_s": None,
            "width": 2,
            "height": 2,
            "fps": "25/1",
            "frame_count": 0,
            "audio": False,
            "parameters": {},
            "detector": {
                "name": "centerface",
                "weights_path": "centerface.onnx",
                "sha256": "b" * 64,
                "licence": "MIT",
                "provider": "cpu",
                "input_long_side": None,
            },
            "tracks": [],
            "kept_tracks": [],
            "unknown_kept_tracks": [],
            "untracked_boxes": 0,
            "masked_fraction_mean": 0.0,
            "frames": [],
            "elapsed_s": 1.0,
            "audit": OLD_AUDIT,
            "frames_per_second": 0.0,
        }
    )
    assert report.faces_remaining == 1
    report.face_check_json["remaining"] = 0  # type: ignore[index]  # a caller's copy: the report is unchanged
    # An older report's "audit" object is read, and written back under the current key only.
    written = report.to_dict()
    assert report.faces_remaining == 1 and written["face_check"] == OLD_AUDIT and "audit" not in written


@pytest.mark.parametrize(("found_per_round", "rounds", "written"), [([2, 1, 1], 2, 1), ([0], 0, 0)])
def test_the_output_is_written_again_once_after_the_last_round(
    found_per_round: list[int], rounds: int, written: int
) -> None:
    # The clip's loop: each round's re-masked frames are judged as made (the arcade's second
    # round used to re-render the whole clip once more); ``finish`` writes the output once.
    checker = build_face_checker((64, 48))
    results = iter(found_per_round)
    events: list[str] = []

    def check(only: object) -> tuple[list[Finding], int]:
        events.append("check")
        return [Finding(0, (1.0, 1.0, 9.0, 9.0), 0.9, "retinaface")] * next(results), 1

    def remask(findings: list[Finding]) -> list[int]:
        events.append("remask")
        return [0]

    def finish() -> None:
        events.append("finish")

    summary = face_checker.check_and_remask(
        checker, FaceCheckOptions(rounds=2), check, remask, "out.mp4", 0.0, finish
    )
    assert summary.rounds == rounds and events.count("finish") == written
    assert events[-1] == ("finish" if written else "check")  # after the last round's check
    assert summary.remaining == found_per_round[-1]


def test_a_large_not_a_face_is_listed_for_the_operator_not_re_masked() -> None:
    # Issue 25: two families saw no face in a 115 px hand (the bottle clip); masking it and its
    # surroundings for a second masked 2.8 % of a face-free clip. A small one is still re-masked.
    checker = build_face_checker((64, 48))
    hand = Finding(0, (10.0, 10.0, 125.0, 97.0), 0.84, "retinaface", verdict=str(Reason.NOT_A_FACE))
    head = Finding(8, (10.0, 10.0, 38.0, 40.0), 0.7, "retinaface", verdict=str(Reason.NOT_A_FACE))
    masked: list[Finding] = []

    def remask(findings: list[Finding]) -> list[int]:
        masked.extend(findings)
        return [8]

    found = iter([[hand, head], []])
    summary = face_checker.check_and_remask(
        checker, FaceCheckOptions(), lambda only: (next(found), 1), remask, "out.mp4", 0.0
    )
    assert masked == [head]
    assert summary.remaining_findings == (hand,) and summary.remaining == 0  # listed, not blocking
    assert summary.findings == 2 and summary.re_masked == 1
    assert Verdict(Reason.NOT_A_FACE, 115.0).shown and not Verdict(Reason.NOT_A_FACE, 28.0).shown
