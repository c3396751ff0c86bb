"""The PP-OCRv6 text detector: weights verified by the manifest, plates and badges found, blank ones not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cctvkit.errors import ModelError
from cctvkit.redact.detectors.text import TEXT_MODEL, TextDetector
from cctvkit.redact.weights import resolve_weights
from cctvkit.samplegen.plates import TextBox, gate_text_scene

PPOCRV6_DET_SHA256 = "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f"


@pytest.fixture(scope="module")
def text_detector() -> TextDetector:
    return TextDetector()


def _covered(box: TextBox, found: np.ndarray, share: float = 0.9) -> bool:
    """At least ``share`` of the letters' box lies inside the found boxes."""
    x1, y1, x2, y2 = box.letters_xyxy
    inside = np.zeros((y2 - y1, x2 - x1), bool)
    for fx1, fy1, fx2, fy2 in np.round(found).astype(int):
        inside[max(0, fy1 - y1) : max(0, fy2 - y1), max(0, fx1 - x1) : max(0, fx2 - x1)] = True
    return bool(inside.mean() >= share)


def test_weights_are_the_pinned_apache_file() -> None:
    weights = resolve_weights(TEXT_MODEL)
    assert weights.sha256 == PPOCRV6_DET_SHA256
    assert weights.licence == "Apache-2.0"
    assert weights.path.name == "ppocrv6_det.onnx"


def test_other_bytes_are_refused(tmp_path: Path) -> None:
    impostor = tmp_path / "ppocrv6_det.onnx"
    impostor.write_bytes(resolve_weights(TEXT_MODEL).path.read_bytes()[:-1] + b"\0")
    with pytest.raises(ModelError, match="sha256"):
        resolve_weights(TEXT_MODEL, weights_path=impostor)


def test_finds_plates_of_8_to_40_px_and_the_badge(text_detector: TextDetector) -> None:
    scene = gate_text_scene(size_wh=(1920, 1080), fps=10, seconds=6)
    missed, seen = [], 0
    for index in (0, 12, 30, 45, 51):
        image, truth, _faces = scene.render(index)
        found = text_detector.detect(image)
        assert found.confidence is not None and np.all(np.diff(found.confidence) <= 0)
        for box in truth:
            if box.visible_fraction == 1.0:
                seen += 1
                if not _covered(box, found.xyxy):
                    missed.append((index, box.text_id, round(box.text_px)))
    assert seen >= 12
    assert not missed


def test_blank_plates_and_badge_are_not_text(text_detector: TextDetector) -> None:
    scene = gate_text_scene(size_wh=(1920, 1080), fps=10, seconds=6, text=False)
    for index in (0, 30, 51):
        image, _truth, _faces = scene.render(index)
        assert len(text_detector.detect(image)) == 0


def test_info_names_the_model(text_detector: TextDetector) -> None:
    info = text_detector.info
    assert (info.name, info.sha256, info.licence) == (TEXT_MODEL, PPOCRV6_DET_SHA256, "Apache-2.0")
    assert info.input_long_side == 960
