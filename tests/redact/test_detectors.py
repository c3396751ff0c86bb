"""Contract of every installed face detector, and CenterFace at sizes its file does not declare."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv
from skimage import data

from cctvkit.errors import UsageError
from cctvkit.redact import DETECTORS, FaceDetector, create_detector
from cctvkit.redact.detectors import TiledDetector

# astronaut(): the face spans roughly x 175-275, y 55-185 in the 512x512 photo.
FACE_XYXY = np.array([175, 55, 275, 185])


@pytest.fixture(scope="module")
def yolo_from_yaml(tmp_path_factory: pytest.TempPathFactory) -> FaceDetector:
    """No face weights ship for yolo: YOLO26n built from its YAML (random weights, nothing downloaded)."""
    from cctvkit.redact.detectors.yolo import build_from_yaml

    return create_detector("yolo", weights_path=build_from_yaml(tmp_path_factory.mktemp("yolo") / "y.pt"))


@pytest.fixture(params=sorted(DETECTORS))
def any_detector(request: pytest.FixtureRequest, detector: FaceDetector) -> FaceDetector:
    if request.param == "centerface":
        return detector
    if request.param == "yolo":
        return request.getfixturevalue("yolo_from_yaml")
    return create_detector(request.param)


def _centre_inside(boxes: np.ndarray, box: np.ndarray) -> bool:
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    return bool(np.any(np.all((centres >= box[:2]) & (centres <= box[2:]), axis=1)))


def test_detector_is_protocol(any_detector: FaceDetector) -> None:
    assert isinstance(any_detector, FaceDetector)
    assert any_detector.info.sha256


@pytest.mark.parametrize("size_wh", [(512, 512), (333, 217), (1280, 720)])
def test_finds_the_face_at_any_size(any_detector: FaceDetector, size_wh: tuple[int, int]) -> None:
    import cv2

    if any_detector.info.name == "yolo":
        pytest.skip("no trained yolo face weights ship with cctvkit (the YAML-built model: test_yolo.py)")
    image = cv2.resize(data.astronaut(), size_wh)
    found = any_detector.detect(image)
    assert isinstance(found, sv.Detections)
    assert found.confidence is not None and len(found) >= 1
    scale = np.array([size_wh[0] / 512, size_wh[1] / 512] * 2)
    assert _centre_inside(found.xyxy[found.confidence > 0.5], FACE_XYXY * scale)
    assert np.all(found.xyxy[:, [0, 2]] >= 0) and np.all(found.xyxy[:, [0, 2]] <= size_wh[0])
    assert np.all(found.xyxy[:, [1, 3]] >= 0) and np.all(found.xyxy[:, [1, 3]] <= size_wh[1])


def test_blank_frame_has_no_face(any_detector: FaceDetector) -> None:
    found = any_detector.detect(np.full((180, 320, 3), 127, np.uint8))
    assert len(found) == 0


def test_tiled_detector_merges_passes(detector: FaceDetector) -> None:
    tiled = TiledDetector(detector, grid=2, zoom=1.5)
    found = tiled.detect(data.astronaut())
    assert _centre_inside(found.xyxy, FACE_XYXY)
    assert np.sum(found.confidence > 0.5) == 1  # the same face from every pass, merged


def test_unknown_detector() -> None:
    with pytest.raises(UsageError, match="unknown face detector"):
        create_detector("nope")
