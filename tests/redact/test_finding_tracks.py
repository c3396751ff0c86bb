"""The face check's findings are followed over the frames around them: the mask moves with the face.

The first pass is the real CenterFace behind a wrapper that sees nothing, so every mask in the
output comes from the face check (the real RetinaFace), which looks at one frame in eight only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from cctvkit.redact import FaceDetector
from cctvkit.redact.detectors.base import DetectorInfo
from cctvkit.redact.evaluation import detail_correlation
from cctvkit.redact.face_check import Finding
from cctvkit.redact.face_checker import load_face_check_detectors
from cctvkit.redact.finding_tracks import follow_findings
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, write_clip
from cctvkit.video import VideoReader
from tests.redaction import redact_with


class Blind:
    """The real detector's info, and no faces (the first pass misses everything)."""

    def __init__(self, inner: FaceDetector) -> None:
        self.inner = inner

    @property
    def info(self) -> DetectorInfo:
        return self.inner.info

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        return self.inner.detect(frame_rgb)[:0]


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """1.6 s, 10 fps, 640x360: one face about 47 px wide crossing 260 px (about a third of its
    width a frame), so a box held where it was found is left behind within two frames."""
    path = tmp_path_factory.mktemp("walker") / "walker.mp4"
    track = FaceTrack("walker", "collins", (Keyframe(0.0, 0.2, 0.5, 0.13), Keyframe(1.6, 0.63, 0.5, 0.13)))
    return path, write_clip(path, seconds=1.6, fps=10, size_wh=(640, 360), seed=5, faces=(track,))


def _visible(source: Path, output: Path, truth: GroundTruth) -> list[int]:
    """Frames on which the face's detail survives in the output pixels."""
    shown = []
    with VideoReader(source) as a, VideoReader(output) as b:
        for index, (fa, fb) in enumerate(zip(a.frames(), b.frames(), strict=True)):
            for box in truth.frames[index]:
                x1, y1, x2, y2 = box.xyxy
                if detail_correlation(fa.image[y1:y2, x1:x2], fb.image[y1:y2, x1:x2]) > 0.5:
                    shown.append(index)
    return shown


def test_a_finding_becomes_a_mask_that_moves_with_the_face(
    walker: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    source, truth = walker
    output = tmp_path / "out.mp4"
    report = redact_with(
        source,
        output,
        detector=Blind(detector),
        face_check=FaceCheckOptions(every=8),  # frames 0, 8 and 15 are checked
        face_checkers=load_face_check_detectors(),
    )
    check = report.face_check_json
    assert check is not None and check["findings"] >= 2 and check["remaining"] == 0
    assert not report.tracks  # nothing from the first pass
    assert _visible(source, output, truth) == []  # followed onto every frame, where the face was


def test_a_followed_box_stays_on_the_face(walker: tuple[Path, GroundTruth]) -> None:
    source, truth = walker
    with VideoReader(source) as reader:
        images = [frame.image for frame in reader.frames()]
    (found,) = truth.frames[8]
    boxes, followed = follow_findings(
        [Finding(8, tuple(float(v) for v in found.xyxy), 0.9, "retinaface")], images, 8, (640, 360)
    )
    assert followed == 15 and sorted(boxes) == list(range(16))  # back to 0, on to 15
    for index, rows in boxes.items():
        (box,) = rows
        centre = (box[:2] + box[2:]) / 2
        (true,) = truth.frames[index]
        true_centre = (np.array(true.xyxy[:2]) + np.array(true.xyxy[2:])) / 2
        assert np.hypot(*(centre - true_centre)) < 6, index  # within an eighth of the face


def test_a_face_the_match_loses_stays_masked_for_the_reach() -> None:
    """Where following fails (here the face is gone from frame 6 on, the scene's texture changed),
    the mask holds at the last place matched for the rest of the reach: never less than the fixed
    box it replaced (issue 25)."""
    rng = np.random.default_rng(3)
    face = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
    images = []
    for index in range(12):
        frame = np.full((120, 160, 3), 90, np.uint8)
        if index < 6:
            frame[40:64, 60 + index : 84 + index] = face  # walks right 1 px a frame
        else:
            frame[:] = rng.integers(0, 255, frame.shape, dtype=np.uint8)  # nothing matches
        images.append(frame)
    finding = Finding(4, (64.0, 40.0, 88.0, 64.0), 0.9, "retinaface")
    boxes, followed = follow_findings([finding], images, 4, (160, 120))
    assert sorted(boxes) == list(range(0, 9))  # 4 back, 4 on: the reach both ways
    assert followed == 5  # matched back to 0 and on to 5; 6-8 held
    for index in (6, 7, 8):
        (held,) = boxes[index]
        assert np.allclose(held, (65, 40, 89, 64))  # where frame 5 matched
