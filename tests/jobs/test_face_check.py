"""What main's redaction adds reaches chunk jobs: a reviewer's manual masks in the chunks' own frame
numbers across a seam, and the release audit: each chunk audits its own frames and re-masks what
it finds with its context; the joined clip's ``audit`` covers every frame in the clip's frame
numbers, and a chunked request with faces remaining publishes nothing (exit 9), as a one-pass one does.

The first pass is made blind (threshold 0.99: it masks no face), so every face is the face check's
(or the manual mask's).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.config import JobsSection, SiteConfig
from cctvkit.jobs import ChunkRunner, LocalBackend
from cctvkit.redact import RedactOptions
from cctvkit.redact.evaluation import detail_correlation
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, write_clip
from cctvkit.video import VideoReader
from tests.redaction import chunked_with

BLIND = RedactOptions(threshold=0.99, min_score=0.25)
SETTINGS = JobsSection(chunk_s=2.0, overlap_s=0.5)
TRACKS = (
    FaceTrack("walker", "collins", (Keyframe(0.0, 0.15, 0.5, 0.28), Keyframe(4.0, 0.85, 0.5, 0.28))),
    FaceTrack("still", "collins-dark", (Keyframe(0.0, 0.30, 0.45, 0.24),)),
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """4 s at 10 fps, 480x270, two faces in every frame: two chunks of 2 s."""
    path = tmp_path_factory.mktemp("audit-chunks") / "walk.mp4"
    return path, write_clip(path, seconds=4, fps=10, size_wh=(480, 270), seed=5, faces=TRACKS)


def _visible(source: Path, output: Path, truth: GroundTruth, face_id: str | None = None) -> list[int]:
    """Frames in which a face's (or ``face_id``'s) detail survives in the output pixels."""
    frames = []
    with VideoReader(source) as a, VideoReader(output) as b:
        for index, (fa, fb) in enumerate(zip(a.frames(), b.frames(), strict=True)):
            for box in truth.frames[index]:
                if face_id is not None and box.face_id != face_id:
                    continue
                x1, y1, x2, y2 = box.xyxy
                if detail_correlation(fa.image[y1:y2, x1:x2], fb.image[y1:y2, x1:x2]) > 0.5:
                    frames.append(index)
    return frames


def _redact(source: Path, out: Path, audit: FaceCheckOptions, **kwargs: object) -> dict:
    runner = ChunkRunner(SETTINGS, LocalBackend(1), out.parent / "jobs", "test/clip-01")
    run = chunked_with(source, out, runner, options=BLIND, face_check=audit, **kwargs)
    assert [c.frames for c in run.chunks] == [20, 20]
    written = json.loads(out.with_name(out.stem + ".redaction.json").read_text())
    assert written["face_check"] == run.report.face_check_json
    return run.report.face_check_json  # type: ignore[return-value]


def test_manual_masks_reach_the_chunks_across_a_seam(clip: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    source, truth = clip
    # A reviewer's box over "still" on clip frames 15-24 (the seam is at 20); nothing else masks it.
    span = range(15, 25)
    masks = {i: np.array([b.xyxy for b in truth.frames[i] if b.face_id == "still"], np.float32) for i in span}
    audit = _redact(source, tmp_path / "out.mp4", FaceCheckOptions(enabled=False), manual_masks=masks)
    assert audit["enabled"] is False
    visible = set(_visible(source, tmp_path / "out.mp4", truth, "still"))
    assert not visible & set(span)  # masked on both sides of the seam
    assert set(range(30, 40)) <= visible and {10, 12} <= visible  # and only there


def test_each_chunk_audits_and_re_masks_its_frames(clip: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    source, truth = clip
    audit = _redact(source, tmp_path / "out.mp4", FaceCheckOptions(every=2))
    # Both chunks checked their own frames (every 2nd and their last) and found the faces.
    assert [c["first_frame"] for c in audit["chunks"]] == [0, 20]
    assert all(c["findings"] >= 10 for c in audit["chunks"])
    first_checks = sum(len(set(range(0, 20, 2)) | {19}) for _ in range(2))
    assert audit["frames_checked"] >= first_checks
    assert audit["findings"] == sum(c["findings"] for c in audit["chunks"])
    assert audit["remaining"] == 0 and audit["remaining_findings"] == []
    # Nothing of either face is left in the pixels, on either side of the seam.
    assert _visible(source, tmp_path / "out.mp4", truth) == []


def test_remaining_findings_are_in_joined_frame_numbers(
    clip: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    source, truth = clip
    audit = _redact(source, tmp_path / "out.mp4", FaceCheckOptions(every=2, rounds=0))
    frames = sorted({f["frame"] for f in audit["remaining_findings"]})
    # Only blocking findings count (issue 25: a stray box whose original shows no face does not).
    assert audit["remaining"] == sum(f.get("blocking", True) for f in audit["remaining_findings"]) >= 20
    # Checked frames of both chunks, numbered in the joined clip: 0, 2, ... 18, 19, 20, 22, ... 39.
    assert set(frames) <= set(range(0, 40, 2)) | {19, 39}
    assert min(frames) < 20 <= max(frames) and 39 in frames
    visible = set(_visible(source, tmp_path / "out.mp4", truth))
    assert set(frames) <= visible  # each is a frame where a face really shows


def test_chunked_request_with_faces_remaining_exits_9_and_publishes_nothing(site: Path) -> None:
    """``request process`` in chunks: faces remain (blind first pass, no re-mask rounds), exit 9,
    no package; accepted with a reason, the release records the joined audit."""
    root = site.parent / "archive"
    gate = root / "gate" / "gate_20261001_100000.mp4"
    write_clip(gate, seconds=3, fps=10, size_wh=(480, 270), faces=TRACKS)
    site.write_text(site.read_text() + "\n[jobs]\nchunk_s = 1.0\noverlap_s = 0.5\n")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
        return result.exit_code, result.stdout, result.stderr

    assert run("index", "scan")[0] == 0
    code, out, err = run(
        "request", "new", "--type", "subject", "--requester", "Alex Doe",
        "--window", "gate@2026-10-01T10:00:00/10:00:02",
        "--identity-method", "in person, passport checked", "--identity-verified", "now",
        "--contact", "alex@example.org", "--json",
    )  # fmt: skip
    assert code == 0, err
    rid = json.loads(out)["id"]
    blind = ("--threshold", "0.99", "--face-check-rounds", "0", "--mask-everyone")
    code, out, err = run("request", "process", rid, *blind, "--json")
    assert code == 9, err
    assert "clip 1:" in err and "Nothing was published" in err
    release_dir = SiteConfig.from_toml(site).release_dir
    assert not release_dir.exists() or not [p for p in release_dir.iterdir() if not p.name.startswith(".")]
    # What the review page reads (issue 25): the clip's report, each blocking finding's evidence
    # beside it, the second chunk's too (each chunk wrote its own beside its own report).
    work = Path(SiteConfig.from_toml(site).data_dir) / "work" / rid
    (report,) = work.glob("release-*-clip-01.redaction.json")
    findings = json.loads(report.read_text())["face_check"]["remaining_findings"]
    blocking = [f for f in findings if f.get("blocking")]
    assert max(f["frame"] for f in blocking) >= 10  # chunk 1 starts at frame 10 (1 s)
    assert all((report.parent / f["evidence"]).is_file() for f in blocking), blocking

    code, out, err = run("request", "process", rid, *blind, "--accept-faces", "1=reviewed: test", "--json")
    assert code == 0, err
    (released,) = json.loads(out)["manifest"]["clips"]
    audit = released["redaction"]["face_check"]
    assert len(released["redaction"]["jobs"]["chunks"]) == len(audit["chunks"]) == 2
    assert audit["remaining"] >= 2 and audit["accepted"]["reason"] == "reviewed: test"
    assert max(f["frame"] for f in audit["remaining_findings"]) >= audit["chunks"][1]["first_frame"]
