"""The release audit: a second model family checks the rendered output, findings are re-masked.

The first pass here is the real CenterFace behind a wrapper that drops every face on the left half
of the frame (a blind spot) on ``clip_two_faces`` (two ~47 px faces, one there); the face check's models
are the real, unwrapped ones, so only they can find the face there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from cctvkit.errors import UsageError
from cctvkit.redact import FaceDetector
from cctvkit.redact.detectors.base import DetectorInfo
from cctvkit.redact.detectors.retinaface import RetinaFaceDetector
from cctvkit.redact.evaluation import detail_correlation
from cctvkit.redact.face_checker import FaceChecker, RenderedBoxes, load_face_check_detectors
from cctvkit.redact.masking import Masker, MaskStyle
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.samplegen import GroundTruth
from cctvkit.video import VideoReader
from tests.redaction import redact_with


class LeftBlind:
    """The real detector, minus every face whose centre lies in the left half of the frame."""

    def __init__(self, inner: FaceDetector) -> None:
        self.inner = inner

    @property
    def info(self) -> DetectorInfo:
        return self.inner.info

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        found = self.inner.detect(frame_rgb)
        centre_x = (found.xyxy[:, 0] + found.xyxy[:, 2]) / 2
        return found[centre_x >= frame_rgb.shape[1] / 2]


@pytest.fixture(scope="module")
def audit_detectors() -> tuple[FaceDetector, FaceDetector]:
    return load_face_check_detectors()


def _visible_frames(source: Path, output: Path, truth: GroundTruth, face_id: str) -> int:
    """Frames in which ``face_id``'s detail survives in the output pixels."""
    visible = 0
    with VideoReader(source) as a, VideoReader(output) as b:
        for index, (fa, fb) in enumerate(zip(a.frames(), b.frames(), strict=True)):
            for box in truth.frames[index]:
                if box.face_id == face_id:
                    x1, y1, x2, y2 = box.xyxy
                    visible += detail_correlation(fa.image[y1:y2, x1:x2], fb.image[y1:y2, x1:x2]) > 0.5
    return visible


def test_retinaface_finds_generated_faces(clip_two_faces: tuple[Path, GroundTruth]) -> None:
    source, truth = clip_two_faces
    with VideoReader(source) as reader:
        image = next(iter(reader.frames())).image
    found = RetinaFaceDetector(score_threshold=0.6).detect(image)
    assert len(found) == 2
    for box in truth.frames[0]:
        centre = np.array([(box.xyxy[0] + box.xyxy[2]) / 2, (box.xyxy[1] + box.xyxy[3]) / 2])
        assert any((b[:2] <= centre).all() and (centre <= b[2:]).all() for b in found.xyxy)


def test_audit_finds_what_the_first_pass_missed_and_masks_it(
    clip_two_faces: tuple[Path, GroundTruth], detector: FaceDetector, audit_detectors, tmp_path: Path
) -> None:
    # Every 2nd frame checked (the counts below; the default is 4th, see test_finding_tracks).
    source, truth = clip_two_faces
    blind = LeftBlind(detector)
    unaudited = tmp_path / "unaudited.mp4"
    report = redact_with(
        source,
        unaudited,
        detector=blind,
        face_check=FaceCheckOptions(enabled=False),
        face_checkers=audit_detectors,
    )
    assert _visible_frames(source, unaudited, truth, "left") >= 10  # the blind spot leaks without it
    assert report.face_check_json is not None and report.face_check_json["enabled"] is False

    output = tmp_path / "audited.mp4"
    report = redact_with(
        source, output, detector=blind, face_check=FaceCheckOptions(every=2), face_checkers=audit_detectors
    )
    audit = report.face_check_json
    assert audit is not None
    assert audit["findings"] >= 6 and audit["re_masked"] >= 6
    assert audit["remaining"] == 0 and audit["remaining_findings"] == []
    assert {m["name"] for m in audit["models"]} == {"retinaface"}  # not the first pass's family
    assert all(len(m["weights_sha256"]) == 64 for m in audit["models"])
    assert _visible_frames(source, output, truth, "left") == 0
    assert _visible_frames(source, output, truth, "right") == 0
    written = json.loads(output.with_name("audited.redaction.json").read_text())
    assert written["face_check"]["remaining"] == 0 and written["face_check"]["frames_checked"] >= 6


def test_no_rounds_leaves_findings_remaining(
    clip_two_faces: tuple[Path, GroundTruth], detector: FaceDetector, audit_detectors, tmp_path: Path
) -> None:
    source, truth = clip_two_faces
    output = tmp_path / "out.mp4"
    report = redact_with(
        source,
        output,
        detector=LeftBlind(detector),
        face_check=FaceCheckOptions(every=2, rounds=0),
        face_checkers=audit_detectors,
    )
    assert report.faces_remaining >= 6 and report.face_check_json["re_masked"] == 0
    frames = {f["frame"] for f in report.face_check_json["remaining_findings"]}
    assert frames <= set(range(0, 12, 2)) | {11}
    left_x = [(f["xyxy"][0] + f["xyxy"][2]) / 2 for f in report.face_check_json["remaining_findings"]]
    assert max(left_x) < 320  # the missed face, not the masked one
    assert _visible_frames(source, output, truth, "left") >= 10


def test_the_first_look_checks_the_stride_and_the_last_frame_judged_against_the_input(
    clip_two_faces: tuple[Path, GroundTruth], detector: FaceDetector, audit_detectors, tmp_path: Path
) -> None:
    # The first round looks at the frames as the render makes them (LiveCheck): every 4th of the
    # 12 and the last, off the stride; each finding judged against the input copied before masking.
    source, _ = clip_two_faces
    report = redact_with(
        source,
        tmp_path / "out.mp4",
        detector=LeftBlind(detector),
        face_check=FaceCheckOptions(every=4, rounds=0),
        face_checkers=audit_detectors,
    )
    audit = report.face_check_json
    assert audit["frames_checked"] == 4
    remaining = audit["remaining_findings"]
    assert {f["frame"] for f in remaining} == {0, 4, 8, 11}
    assert {f["verdict"] for f in remaining} == {"visible face"}
    assert audit["findings_by_verdict"] == {"visible face": audit["findings"]}


def test_kept_tracks_are_never_re_masked(
    clip_two_faces: tuple[Path, GroundTruth], detector: FaceDetector, audit_detectors, tmp_path: Path
) -> None:
    source, truth = clip_two_faces
    review = redact_with(
        source,
        tmp_path / "review.mp4",
        detector=detector,
        face_check=FaceCheckOptions(every=2),
        face_checkers=audit_detectors,
    )
    assert review.faces_remaining == 0
    right = [t.track_id for t in review.tracks if t.best_xyxy[0] > 320]
    assert right
    output = tmp_path / "kept.mp4"
    report = redact_with(
        source,
        output,
        detector=detector,
        keep_tracks=right,
        face_check=FaceCheckOptions(every=2),
        face_checkers=audit_detectors,
    )
    assert report.face_check_json["kept_skipped"] >= 5
    assert report.face_check_json["remaining"] == 0
    assert _visible_frames(source, output, truth, "right") >= 9  # the subject stays visible
    assert _visible_frames(source, output, truth, "left") == 0


def test_audit_options_are_checked() -> None:
    with pytest.raises(UsageError, match="rounds"):
        FaceCheckOptions(rounds=9)
    with pytest.raises(UsageError, match="every"):
        FaceCheckOptions(every=0)


def test_between_whole_frames_the_audit_looks_where_the_output_changed(
    clip_two_faces: tuple[Path, GroundTruth], audit_detectors
) -> None:
    # The clip pasted into the bottom right of a still 1080p frame. Frames 0 and 1 are masked;
    # on frame 2 the masks end. Frame 0 is checked whole; frame 2 only where it changed and
    # where masks were, and that is where both faces are found again.
    source, truth = clip_two_faces
    with VideoReader(source) as reader:
        images = [frame.image for _, frame in zip(range(3), reader.frames(), strict=False)]
    boxes = np.array([b.xyxy for b in truth.frames[0]], np.float32)
    masker = Masker(MaskStyle(), (640, 360))
    offset = np.array([1280, 720, 1280, 720], np.float32)

    def pasted(image: np.ndarray) -> np.ndarray:
        canvas = np.full((1080, 1920, 3), 110, np.uint8)
        canvas[720:, 1280:] = image
        return canvas

    checker = FaceChecker(*audit_detectors, (1920, 1080), options=FaceCheckOptions(native_full_every=250))
    for index in (0, 1):
        masked = images[index].copy()
        masker.apply(masked, boxes)  # in place
        assert checker.check(index, pasted(masked), RenderedBoxes(masked=boxes + offset)) == []
    found = checker.check(2, pasted(images[2]), RenderedBoxes())
    natives = [f for f in found if f.model.startswith("retinaface")]  # natively or zoomed, one family
    for box in truth.frames[2]:
        centre = (np.array(box.xyxy[:2]) + np.array(box.xyxy[2:])) / 2 + offset[:2]
        x, y = centre
        assert any(f.xyxy[0] <= x <= f.xyxy[2] and f.xyxy[1] <= y <= f.xyxy[3] for f in natives)
    assert checker.native_px < 1.5 * 1920 * 1080  # frame 0 whole, frames 1 and 2 a small part


def test_where_a_mask_just_ended_the_audit_also_looks_zoomed(audit_detectors) -> None:
    # A small face whose mask ends changes little of a cell's mean (no motion), and RetinaFace
    # does not see faces under ~20 px natively: the zoomed check must look there too.
    still = np.full((1080, 1920, 3), 110, np.uint8)
    head = np.array([[1500, 900, 1530, 940]], np.float32)
    zoomed = []
    for masks in (head, np.empty((0, 4), np.float32)):
        checker = FaceChecker(*audit_detectors, (1920, 1080), options=FaceCheckOptions(native_full_every=250))
        checker.check(0, still, RenderedBoxes())
        checker.check(1, still, RenderedBoxes(masked=masks))
        before = checker.zoomed_px
        checker.check(2, still, RenderedBoxes())
        zoomed.append(checker.zoomed_px - before)
    assert zoomed[0] > zoomed[1]


def test_a_re_check_looks_only_where_the_re_mask_changed(
    clip_two_faces: tuple[Path, GroundTruth], audit_detectors
) -> None:
    # After a re-mask only the frames' changed areas are checked again: the rest was checked whole.
    source, truth = clip_two_faces
    with VideoReader(source) as reader:
        image = next(iter(reader.frames())).image
    left = next(b for b in truth.frames[0] if b.face_id == "left")
    checker = FaceChecker(*audit_detectors, (640, 360))
    found = checker.check(0, image, RenderedBoxes(), only=np.array([left.xyxy], np.float32))
    assert [f.xyxy[0] < 320 for f in found] == [True]  # the face there, not the other one
    assert checker.native_px < 0.25 * 640 * 360 and checker.zoomed_px < 640 * 360
