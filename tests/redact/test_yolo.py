"""The optional YOLO backend: device choice (pure, no GPU needed) and a clean absence without ultralytics."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.errors import ModelError, UsageError
from cctvkit.redact import DETECTORS, RedactOptions, build_detector
from cctvkit.redact.detectors.yolo import YoloFaceDetector, choose_device, ultralytics_available


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
