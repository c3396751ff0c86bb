"""Face-check findings that mean something (issue 25): a masked blob, the back of a head and a
speck do not block a release; a visible face does. Real RetinaFace, real masks, generated faces."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest

from cctvkit.redact import Masker, RedactOptions
from cctvkit.redact.detectors.retinaface import RetinaFaceDetector
from cctvkit.redact.face_check import FaceCheckSummary, Finding
from cctvkit.redact.face_checker import FaceChecker, RenderedBoxes, load_face_check_detectors
from cctvkit.redact.finding_verdict import Reason, evidence_crop, judge
from cctvkit.samplegen import FaceTrack, Keyframe, Scene


@pytest.fixture(scope="module")
def probe() -> RetinaFaceDetector:
    return RetinaFaceDetector(score_threshold=0.3)


@pytest.fixture(scope="module")
def frame() -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """640x360: a 36 px face on the left, a 12 px one on the right (as a crowd's far faces)."""
    tracks = (
        FaceTrack("near", "collins", (Keyframe(0.0, 0.3, 0.45, 0.1),)),
        FaceTrack("far", "collins-dark", (Keyframe(0.0, 0.75, 0.3, 0.034),)),
    )
    scene = Scene(size_wh=(640, 360), fps=Fraction(25), tracks=tracks, background="yard", seed=2)
    image, boxes = scene.render(0)
    return image, {b.face_id: b.xyxy for b in boxes}


def _back_of_head(image: np.ndarray, xyxy: tuple[int, int, int, int]) -> np.ndarray:
    """The face's ellipse painted over with the hair above it: the head seen from behind."""
    x1, y1, x2, y2 = xyxy
    h = y2 - y1
    hair = cv2.resize(image[y1 - h // 3 : y1, x1:x2], (x2 - x1, y2 - y1), interpolation=cv2.INTER_LINEAR)
    out = image.copy()
    inside = np.zeros(image.shape[:2], np.uint8)
    cv2.ellipse(inside, ((x1 + x2) // 2, (y1 + y2) // 2), ((x2 - x1) // 2 + 1, h // 2 + 1), 0, 0, 360, 1, -1)
    patch = out[y1:y2, x1:x2]
    patch[inside[y1:y2, x1:x2] > 0] = hair[inside[y1:y2, x1:x2] > 0]
    return out


def _masked(image: np.ndarray, xyxy: tuple[int, int, int, int]) -> np.ndarray:
    """The frame with the product's default mask over the face."""
    out = image.copy()
    Masker(RedactOptions().style, (640, 360)).apply(out, np.array([xyxy], np.float32))
    return out


def test_a_visible_face_blocks(frame, probe) -> None:
    image, boxes = frame
    shown = cv2.GaussianBlur(image, (0, 0), 0.4)  # re-encoded, not masked
    verdict = judge(image, shown, boxes["near"], probe)
    assert verdict.reason is Reason.VISIBLE and verdict.blocking and verdict.remask
    assert verdict.face_score is not None and verdict.face_score >= 0.5


def test_an_already_masked_face_does_not_block(frame, probe) -> None:
    image, boxes = frame
    masked = _masked(image, boxes["near"])
    assert not np.array_equal(masked, image)
    verdict = judge(image, masked, boxes["near"], probe)
    assert verdict.reason is Reason.MASKED and not verdict.blocking and not verdict.remask


def test_the_back_of_a_head_does_not_block(frame, probe) -> None:
    image, boxes = frame
    behind = _back_of_head(image, boxes["near"])
    verdict = judge(behind, behind, boxes["near"], probe)
    assert verdict.reason is Reason.NOT_A_FACE and not verdict.blocking
    assert verdict.remask  # masked all the same: harmless, and safe if the verdict is wrong


def test_a_speck_below_the_floor_is_reported_not_blocking(frame, probe) -> None:
    image, boxes = frame
    x1, _, x2, _ = boxes["far"]
    assert x2 - x1 < 16
    verdict = judge(image, image.copy(), boxes["far"], probe)
    assert verdict.reason is Reason.SMALL and not verdict.blocking and verdict.remask


def test_evidence_is_original_beside_output(frame) -> None:
    image, boxes = frame
    masked = _masked(image, boxes["near"])
    pair = evidence_crop(image, masked, boxes["near"], side=96)
    assert pair.shape == (96, 196, 3)
    assert not np.array_equal(pair[:, :96], pair[:, 100:])


@pytest.fixture(scope="module")
def checker_models():
    return load_face_check_detectors()


def _checker(checker_models) -> FaceChecker:
    return FaceChecker(*checker_models, (640, 360))


def test_the_face_check_blocks_on_a_visible_face_with_evidence(frame, checker_models) -> None:
    image, boxes = frame
    checker = _checker(checker_models)
    found = checker.check(0, image.copy(), RenderedBoxes(), image)
    blocking = [f for f in found if f.blocking]
    assert len(blocking) == 1 and blocking[0].verdict == "visible face"
    x1, y1, x2, y2 = boxes["near"]
    fx1, fy1, fx2, fy2 = blocking[0].xyxy
    assert fx1 <= (x1 + x2) / 2 <= fx2 and fy1 <= (y1 + y2) / 2 <= fy2
    assert checker.evidence[(0, blocking[0].xyxy)].shape == (128, 260, 3)


def test_the_face_check_does_not_block_on_a_masked_face_or_the_back_of_a_head(frame, checker_models) -> None:
    image, boxes = frame
    # A face masked where the checker was not told (the re-masked findings), and the
    # back of a head, each checked against its original (the far face masked in both).
    behind = _back_of_head(image, boxes["near"])
    masked_face = _masked(_masked(image, boxes["near"]), boxes["far"])
    for original, output in ((image, masked_face), (behind, _masked(behind, boxes["far"]))):
        found = _checker(checker_models).check(0, output, RenderedBoxes(), original)
        assert not [f for f in found if f.blocking], found


def test_only_blocking_findings_count_as_remaining() -> None:
    small = Finding(3, (10.0, 10.0, 20.0, 22.0), 0.7, "retinaface-zoom2x", "below the recognisable size")
    face = Finding(5, (100.0, 10.0, 140.0, 60.0), 0.9, "retinaface", "visible face")
    old = Finding(6, (200.0, 10.0, 240.0, 60.0), 0.9, "retinaface")  # an older report's: unjudged
    summary = FaceCheckSummary(enabled=True, remaining_findings=(small, face, old))
    assert summary.remaining == 2
    data = summary.to_dict()
    assert data["remaining"] == 2 and data["remaining_findings"][0]["blocking"] is False
    assert "verdict" not in data["remaining_findings"][2]
    assert FaceCheckSummary.from_dict(data).remaining_findings == (small, face, old)
