"""The optional YOLO backend: device choice, a clean absence without ultralytics, and (with the [yolo] extra,
always under CI) a model built from its YAML run end to end through `cctvkit redact`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.errors import ModelError, UsageError
from cctvkit.files import sha256_file
from cctvkit.redact import DETECTORS, RedactOptions, build_detector
from cctvkit.redact.detectors.yolo import (
    YoloFaceDetector,
    build_from_yaml,
    choose_device,
    ultralytics_available,
)
from cctvkit.samplegen import GroundTruth
from cctvkit.video import VideoReader


@pytest.mark.parametrize(
    ("requested", "cuda_devices", "mps", "expected"),
    [
        (None, 0, False, "cpu"),
        ("auto", 1, False, "cuda:0"),
        (None, 2, True, "cuda:0"),
        (None, 0, True, "mps"),
        ("cpu", 1, False, "cpu"),
        ("cuda", 1, False, "cuda:0"),
        ("cuda:1", 2, False, "cuda:1"),
        ("CUDAExecutionProvider", 1, False, "cuda:0"),
        ("CPUExecutionProvider", 1, False, "cpu"),
    ],
)
def test_choose_device(requested: str | None, cuda_devices: int, mps: bool, expected: str) -> None:
    assert choose_device(requested, cuda_devices=cuda_devices, mps=mps) == expected


@pytest.mark.parametrize(("requested", "cuda_devices"), [("cuda", 0), ("cuda:1", 1), ("mps", 0), ("tpu", 0)])
def test_unavailable_device_is_refused(requested: str, cuda_devices: int) -> None:
    with pytest.raises(UsageError):
        choose_device(requested, cuda_devices=cuda_devices)


def test_registry_lists_yolo_only_when_ultralytics_is_installed() -> None:
    assert ("yolo" in DETECTORS) is ultralytics_available()
    assert "centerface" in DETECTORS


@pytest.mark.skipif(ultralytics_available(), reason="ultralytics is installed here")
def test_yolo_without_ultralytics_says_how_to_install() -> None:
    with pytest.raises(UsageError, match=r"unknown face detector 'yolo'"):
        build_detector(RedactOptions(model="yolo", weights="face.pt"))
    with pytest.raises(UsageError, match=r"\[yolo\] extra"):
        YoloFaceDetector(weights_path="face.pt")


@pytest.mark.skipif(not ultralytics_available(), reason="needs the [yolo] extra")
def test_yolo_needs_weights(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="weights"):
        YoloFaceDetector(weights_path=None)
    with pytest.raises(ModelError, match="no such"):
        YoloFaceDetector(weights_path=tmp_path / "missing.pt")


@pytest.fixture(scope="module")
def yolo_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """YOLO26n built from the YAML ultralytics ships (seeded random weights; nothing downloaded)."""
    return build_from_yaml(tmp_path_factory.mktemp("yolo") / "yolo26n-face.pt", seed=0)


needs_yolo = pytest.mark.skipif(
    not ultralytics_available() and not os.environ.get("CI"), reason="needs the [yolo] extra"
)  # under CI the extra is installed (Makefile), so a missing one fails instead of skipping


@needs_yolo
def test_yolo_boxes_are_in_frame_coordinates(yolo_weights: Path) -> None:
    detector = YoloFaceDetector(weights_path=yolo_weights, score_threshold=1e-4, input_long_side=320)
    assert detector.info.name == "yolo" and detector.info.sha256 == sha256_file(yolo_weights)
    frame = np.random.default_rng(1).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    found = detector.detect(frame)
    assert len(found) > 0 and found.xyxy.dtype == np.float32 and found.xyxy.shape == (len(found), 4)
    x1, y1, x2, y2 = found.xyxy.T
    assert (x1 >= 0).all() and (y1 >= 0).all() and (x2 <= 640).all() and (y2 <= 360).all()
    assert (x2 > x1).all() and (y2 > y1).all()
    # Inference ran at 320 px across: boxes past that reach the frame's right half, so they were mapped
    # back from the letterboxed input to the 640x360 frame.
    assert x2.max() > 400 and y2.max() > 200
    assert (np.diff(found.confidence) <= 0).all()  # best first


@needs_yolo
def test_redact_with_yolo_masks_the_output_pixels(
    yolo_weights: Path, scene_clip: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    src = scene_clip[0]
    # The backend alone: no release audit (it would mask the faces the random weights miss).
    base = ["redact", str(src), "--model", "yolo", "--weights", str(yolo_weights), "--detect-size", "320"]
    base.append("--no-face-check")
    out, plain = tmp_path / "yolo.mp4", tmp_path / "none.mp4"
    result = CliRunner().invoke(app, [*base, "-o", str(out), "--threshold", "0.0001", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["detector"]["name"] == "yolo" and report["detector"]["sha256"] == sha256_file(yolo_weights)
    assert report["frame_count"] == 30 and report["tracks"]
    # The same run where the model is never confident enough: nothing masked, only re-encoded.
    result = CliRunner().invoke(app, [*base, "-o", str(plain), "--threshold", "0.99", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tracks"] == []
    with VideoReader(src) as a, VideoReader(out) as b, VideoReader(plain) as c:
        frames = list(zip(a.frames(), b.frames(), c.frames(), strict=True))
    for track in report["tracks"][:5]:
        x1, y1, x2, y2 = (round(v) for v in track["best_xyxy"])
        assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 360  # frame pixels
        k = (track["first_frame"] + track["last_frame"]) // 2
        src_px, yolo_px, plain_px = (f.image[y1:y2, x1:x2].astype(float) for f in frames[k])
        # Inside a masked box the output lost the input's detail; the unmasked run kept it.
        assert np.abs(yolo_px - src_px).mean() > 3 * np.abs(plain_px - src_px).mean()
