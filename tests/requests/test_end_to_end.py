"""A subject access request end to end on the sample footage, through the CLI only.

The window (09:00:04-09:00:08 at the gate) spans two 6 s segments. The test checks the clip's
duration to the frame, that third parties' faces lost their detail while the subject's kept it
(ground truth boxes, measured against the original frames), that the package verifies and is
logged as a disclosure, and that one flipped byte makes `release verify` fail.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.video import VideoReader
from tests.conftest import SAMPLE_DIR

runner = CliRunner()
WINDOW = "gate@2026-10-01T09:00:04/09:00:08"
SEGMENTS = ("archive/gate/gate_20261001_090000.mp4", "archive/gate/gate_20261001_090006.mp4")
SPANS = ((4.0, 6.0), (0.0, 2.0))
"""The parts of the two segments the window covers, seconds from each segment's start."""


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    if not (SAMPLE_DIR / "ground_truth.json").is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    shutil.copytree(SAMPLE_DIR / "archive", tmp_path / "archive")
    shutil.copy(SAMPLE_DIR / "cctvkit.toml", tmp_path / "cctvkit.toml")
    return tmp_path / "cctvkit.toml"


def _truth() -> list[list[dict]]:
    """Ground-truth face boxes of each frame of the requested window, in clip order."""
    files = {f["path"]: f for f in json.loads((SAMPLE_DIR / "ground_truth.json").read_text())["files"]}
    out = []
    for path, (start, end) in zip(SEGMENTS, SPANS, strict=True):
        faces = files[path]["faces"]
        out += [faces[str(i)] for i in range(round(start * 10), round(end * 10))]
    return out


def _original_frames(site_dir: Path) -> list[np.ndarray]:
    frames = []
    for path, (start, end) in zip(SEGMENTS, SPANS, strict=True):
        with VideoReader(site_dir / path) as reader:
            frames += [f.image for f in reader.frames(start or None, end)]
    return frames


def _iou(a: list[float], b: list[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _detail_kept(original: np.ndarray, released: np.ndarray, xyxy: list[float]) -> float:
    """Edge energy of the released face region relative to the original (1: intact, ~0.1: masked)."""
    x1, y1, x2, y2 = (round(v) for v in xyxy)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(original.shape[1], x2), min(original.shape[0], y2)

    def energy(img: np.ndarray) -> float:
        gray = cv2.cvtColor(img[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY).astype(np.float64)
        return float(np.abs(cv2.Laplacian(gray, cv2.CV_64F)).mean())

    return energy(released) / max(energy(original), 1e-6)


def test_subject_access_request_end_to_end(sample_site: Path) -> None:
    site = sample_site
    assert run(site, "index", "scan")[0] == 0
    new = ["request", "new", "--type", "subject", "--requester", "Alex Doe", "--window", WINDOW]
    identified = ["--identity-method", "in person, passport checked", "--identity-verified", "now"]
    code, out, err = run(site, *new, *identified, "--contact", "alex@example.org", "--json")
    assert code == 0, err
    rid = json.loads(out)["id"]

    # Review: contact sheet and track ids of the clip; pick the subject's by its ground-truth box.
    code, out, err = run(site, "request", "review", rid, "--json")
    assert code == 0, err
    (sheet,) = json.loads(out)
    assert Path(sheet["sheet"]).is_file()
    truth = _truth()

    def subject_overlap(track: dict) -> float:
        boxes = [b["xyxy"] for b in truth[track["best_frame"]] if b["face_id"] == "subject"]
        return max((_iou(track["best_xyxy"], b) for b in boxes), default=0.0)

    subject = max(sheet["tracks"], key=subject_overlap)
    assert subject_overlap(subject) > 0.3

    code, out, err = run(
        site, "request", "process", rid, "--keep-track", f"1:{subject['track_id']}", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    package = Path(result["path"])
    (clip,) = result["manifest"]["clips"]
    assert [s["file"] for s in clip["sources"]] == [Path(s).name for s in SEGMENTS]
    assert clip["redaction"]["kept_track_ids"] == [subject["track_id"]]
    assert clip["redaction"]["faces_masked"] >= 2 and clip["audio"] is False

    # Exactly the requested 4 s, give or take one frame.
    with VideoReader(package / clip["file"]) as reader:
        released = [f.image for f in reader.frames()]
        fps = float(reader.fps)
    assert abs(len(released) - 40) <= 1 and abs(len(released) / fps - 4.0) <= 1 / fps
    assert clip["start_local"] == "2026-10-01T09:00:04+01:00" and clip["duration_s"] == pytest.approx(4.0)

    # Third parties' faces lose their detail in every frame; the subject's keeps it.
    originals = _original_frames(site.parent)
    subject_kept = []
    for index, boxes in enumerate(truth):
        for box in boxes:
            width = box["xyxy"][2] - box["xyxy"][0]
            if box["visible_fraction"] < 0.5 or width < 16:
                continue
            kept = _detail_kept(originals[index], released[index], box["xyxy"])
            if box["face_id"] == "subject":
                subject_kept.append(kept)
            else:
                assert kept < 0.5, f"frame {index}: {box['face_id']}'s face is not masked ({kept:.2f})"
    assert len(subject_kept) >= 30 and float(np.median(subject_kept)) > 0.8
    assert sum(k > 0.6 for k in subject_kept) >= 0.9 * len(subject_kept)

    code, out, _ = run(site, "release", "verify", str(package))
    assert code == 0 and "OK" in out
    code, out, _ = run(site, "disclosures", "--json")
    (entry,) = json.loads(out)
    assert entry["request_id"] == rid and entry["recipient"] == "Alex Doe"
    assert entry["legal_basis"].startswith("GDPR Art. 15")

    clip_path = package / clip["file"]
    data = bytearray(clip_path.read_bytes())
    data[len(data) // 3] ^= 0x01
    clip_path.write_bytes(bytes(data))
    code, _out, err = run(site, "release", "verify", str(package))
    assert code == 10 and "sha256 does not match" in err
