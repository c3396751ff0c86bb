"""CenterFace's int8 copy: made once from the shipped weights, cached by digest, as accurate."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from cctvkit.errors import ModelError, UsageError
from cctvkit.redact import RedactOptions
from cctvkit.redact.detectors._int8 import RECIPE, int8_available

centerface = pytest.importorskip("cctvkit.redact.detectors.centerface")

FACE_XYXY = np.array([175, 55, 275, 185])  # astronaut(), as in test_detectors


def test_unknown_precision_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="precision"):
        RedactOptions(precision="fp16")
    with pytest.raises(UsageError, match="precision"):
        centerface.CenterFaceDetector(precision="fp16")


def test_fp32_runs_the_shipped_weights(tmp_path: Path) -> None:
    detector = centerface.CenterFaceDetector(precision="fp32", model_cache=tmp_path)
    assert detector.info.precision == "fp32"
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not int8_available(), reason="needs the onnx package")
def test_int8_copy_is_cached_by_digest_and_finds_the_face(tmp_path: Path) -> None:
    made = centerface.CenterFaceDetector(precision="int8", model_cache=tmp_path)
    cached = list(tmp_path.iterdir())
    assert made.info.precision == "int8"
    assert [p.name for p in cached] == [f"{made.info.sha256[:32]}-{RECIPE}.onnx"]
    stamp = cached[0].stat().st_mtime_ns
    reused = centerface.CenterFaceDetector(precision="auto", model_cache=tmp_path)
    assert reused.info.precision == "int8" and cached[0].stat().st_mtime_ns == stamp

    image = cv2.resize(data.astronaut(), (1280, 720))
    scale = np.array([1280 / 512, 720 / 512] * 2)
    fp32 = centerface.CenterFaceDetector(precision="fp32").detect(image)
    int8 = reused.detect(image)
    assert len(int8[int8.confidence > 0.5]) == len(fp32[fp32.confidence > 0.5]) == 1
    box, reference = int8.xyxy[0], fp32.xyxy[0]
    assert np.all(np.abs(box - reference) < 0.1 * (reference[2] - reference[0]))
    centre = (box[:2] + box[2:]) / 2
    assert np.all((centre >= FACE_XYXY[:2] * scale[:2]) & (centre <= FACE_XYXY[2:] * scale[2:]))


@pytest.mark.skipif(not int8_available(), reason="needs the onnx package")
def test_a_cache_file_others_could_write_is_not_used(tmp_path: Path) -> None:
    made = centerface.CenterFaceDetector(precision="int8", model_cache=tmp_path)
    (cached,) = tmp_path.iterdir()
    assert cached.stat().st_mode & 0o077 == 0 and tmp_path.stat().st_mode & 0o022 == 0
    cached.chmod(0o666)  # anyone could have swapped in a detector that misses faces
    with pytest.raises(ModelError, match="not private to this user"):
        centerface.CenterFaceDetector(precision="int8", model_cache=tmp_path)
    fallback = centerface.CenterFaceDetector(precision="auto", model_cache=tmp_path)
    assert fallback.info.precision == "fp32" and made.info.precision == "int8"


@pytest.mark.skipif(not int8_available(), reason="needs the onnx package")
def test_first_redact_says_it_is_preparing_the_int8_detector(tmp_path: Path) -> None:
    """The first run's 15-40 s of quantisation is announced on stderr, not spent silently (issue 27)."""
    from cctvkit.cli.main import app
    from tests.conftest import write_tiny_video
    from tests.reliability.conftest import runner

    source = write_tiny_video(tmp_path / "cam.mp4", seconds=0.5)
    env = {"CCTVKIT_MODEL_CACHE": str(tmp_path / "models")}
    args = ["redact", str(source), "--no-face-check", "--precision", "int8", "-o"]
    first = runner.invoke(app, [*args, str(tmp_path / "a.mp4")], env=env)
    assert first.exit_code == 0, first.stderr
    assert "cctvkit: preparing the int8 face detector (first run only" in first.stderr
    assert "cctvkit: int8 face detector ready" in first.stderr
    again = runner.invoke(app, [*args, str(tmp_path / "b.mp4")], env=env)
    assert again.exit_code == 0 and "int8" not in again.stderr
