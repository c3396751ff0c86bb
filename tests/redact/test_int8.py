"""CenterFace's int8 copy: made once from the shipped weights, cached by digest, as accurate.

Quantising takes 10-40 s, so one cold first run (a module fixture) serves every test here."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data
from typer.testing import Result

from cctvkit.cli.main import app
from cctvkit.errors import ModelError, UsageError
from cctvkit.redact import RedactOptions
from cctvkit.redact.detectors._int8 import RECIPE, int8_available
from tests.conftest import write_tiny_video
from tests.reliability.conftest import runner

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


@dataclass(frozen=True)
class FirstRun:
    """``cctvkit redact --precision int8`` run once into a cold model cache."""

    source: Path
    cache: Path
    env: dict[str, str]
    result: Result


ARGS = ["--no-face-check", "--precision", "int8", "-o"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """The first int8 run on a machine, which quantises CenterFace (10-40 s): made once for this
    module; the tests that change the cache work on a copy of it."""
    if not int8_available():
        pytest.skip("needs the onnx package")
    root = tmp_path_factory.mktemp("int8")
    source = write_tiny_video(root / "cam.mp4", seconds=0.5)
    env = {"CCTVKIT_MODEL_CACHE": str(root / "models")}
    result = runner.invoke(app, ["redact", str(source), *ARGS, str(root / "a.mp4")], env=env)
    return FirstRun(source, root / "models", env, result)


def test_first_redact_says_it_is_preparing_the_int8_detector(first_run: FirstRun, tmp_path: Path) -> None:
    """The first run's 15-40 s of quantisation is announced on stderr, not spent silently (issue 27)."""
    first = first_run.result
    assert first.exit_code == 0, first.stderr
    assert "cctvkit: preparing the int8 face detector (first run only" in first.stderr
    assert "cctvkit: int8 face detector ready" in first.stderr
    again = runner.invoke(
        app, ["redact", str(first_run.source), *ARGS, str(tmp_path / "b.mp4")], env=first_run.env
    )
    assert again.exit_code == 0 and "int8" not in again.stderr


def test_int8_copy_is_cached_by_digest_and_finds_the_face(first_run: FirstRun) -> None:
    assert first_run.result.exit_code == 0, first_run.result.stderr
    made = centerface.CenterFaceDetector(precision="int8", model_cache=first_run.cache)
    cached = list(first_run.cache.iterdir())
    assert made.info.precision == "int8"
    assert [p.name for p in cached] == [f"{made.info.sha256[:32]}-{RECIPE}.onnx"]
    stamp = cached[0].stat().st_mtime_ns
    reused = centerface.CenterFaceDetector(precision="auto", model_cache=first_run.cache)
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


def test_a_cache_file_others_could_write_is_not_used(first_run: FirstRun, tmp_path: Path) -> None:
    assert first_run.result.exit_code == 0, first_run.result.stderr
    (made_file,) = first_run.cache.iterdir()
    assert made_file.stat().st_mode & 0o077 == 0 and first_run.cache.stat().st_mode & 0o022 == 0
    shutil.copy2(made_file, tmp_path / made_file.name)  # mode kept; the shared cache stays as made
    made = centerface.CenterFaceDetector(precision="int8", model_cache=tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.chmod(0o666)  # anyone could have swapped in a detector that misses faces
    with pytest.raises(ModelError, match="not private to this user"):
        centerface.CenterFaceDetector(precision="int8", model_cache=tmp_path)
    fallback = centerface.CenterFaceDetector(precision="auto", model_cache=tmp_path)
    assert fallback.info.precision == "fp32" and made.info.precision == "int8"
