"""Region detection: tiles, crop merging, motion boxes, and no more leaks than detecting every frame."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from cctvkit.redact import FaceDetector, RedactOptions
from cctvkit.redact.boxes import merge_boxes, tile_grid
from cctvkit.redact.evaluation import RedactionScore, ScoreKeeper
from cctvkit.redact.motion import MotionRegions
from cctvkit.redact.regions import RegionDetector, RegionRules
from cctvkit.redact.report import RedactionReport
from cctvkit.samplegen import GroundTruth
from cctvkit.video import VideoReader, VideoWriter
from tests.redaction import redact_with


@pytest.mark.parametrize(
    ("resolution_wh", "tile_wh", "overlap"),
    [((1920, 1080), (640, 384), 128), ((1920, 1080), (1024, 608), 128), ((500, 300), (640, 384), 64)],
)
def test_tile_grid_covers_the_frame_with_overlap(
    resolution_wh: tuple[int, int], tile_wh: tuple[int, int], overlap: int
) -> None:
    tiles = tile_grid(resolution_wh, tile_wh, overlap)
    covered = np.zeros(resolution_wh[::-1], bool)
    for x1, y1, x2, y2 in tiles:
        covered[y1:y2, x1:x2] = True
    assert covered.all()
    assert np.all(tiles[:, 2:] - tiles[:, :2] <= tile_wh)
    for axis in (0, 1):
        starts = sorted(set(tiles[:, axis]))
        length = int(tiles[0, axis + 2] - tiles[0, axis])
        assert all(b - a <= length - overlap for a, b in pairwise(starts))
    area = np.prod(tiles[:, 2:] - tiles[:, :2], axis=1).sum()
    assert area <= 2 * resolution_wh[0] * resolution_wh[1]


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([[0, 0, 100, 100], [50, 0, 150, 100]], [[0, 0, 150, 100]]),  # overlap: union costs less
        ([[0, 0, 100, 100], [300, 300, 400, 400]], [[0, 0, 100, 100], [300, 300, 400, 400]]),
        ([[0, 0, 100, 100], [95, 95, 400, 400]], [[0, 0, 100, 100], [95, 95, 400, 400]]),  # union too big
        ([[0, 0, 100, 100], [10, 10, 20, 20]], [[0, 0, 100, 100]]),  # contained
    ],
)
def test_merge_boxes(boxes: list[list[int]], expected: list[list[int]]) -> None:
    assert sorted(merge_boxes(np.array(boxes)).tolist()) == sorted(expected)


def test_motion_regions_box_what_moved() -> None:
    motion = MotionRegions((640, 360), margin_px=8)
    still = np.full((360, 640, 3), 90, np.uint8)
    assert motion.update(still).tolist() == [[0, 0, 640, 360]]  # nothing known yet
    assert len(motion.update(still)) == 0
    moved = still.copy()
    moved[100:160, 300:340] = 230
    (box,) = motion.update(moved)
    assert box[0] <= 300 and box[1] <= 100 and box[2] >= 340 and box[3] >= 160
    assert (box[2] - box[0]) * (box[3] - box[1]) < 640 * 360 / 10


def _scene_with_face(x: int, y: int, face_px: int) -> np.ndarray:
    frame = np.full((720, 1280, 3), 110, np.uint8)
    face = cv2.resize(data.astronaut()[30:210, 150:300], (face_px * 150 // 100, face_px * 180 // 100))
    frame[y : y + face.shape[0], x : x + face.shape[1]] = face
    return frame


def test_region_detector_finds_a_small_moving_face_natively(detector: FaceDetector) -> None:
    regions = RegionDetector(detector, (1280, 720), RegionRules(overview_long_side=320))
    first = regions.detect(_scene_with_face(900, 400, 40))
    assert regions.stats.full_sweeps == 1 and len(first[first.confidence > 0.5]) == 1
    swept = regions.stats.native_px
    assert 1280 * 720 <= swept <= 1280 * 720 * 1.4  # tiles overlap a little
    found = regions.detect(_scene_with_face(920, 404, 40), first.xyxy)
    assert regions.stats.full_sweeps == 1  # crops only
    assert regions.stats.native_px - swept < 1280 * 720 * 0.75
    strong = found[found.confidence > 0.5]
    assert len(strong) == 1 and 920 <= (strong.xyxy[0, 0] + strong.xyxy[0, 2]) / 2 <= 990


def _two_faces(big_x: int, small: bool) -> np.ndarray:
    """A 120 px face walking right and, when ``small``, a 40 px one far from it."""
    frame = _scene_with_face(big_x, 300, 120)
    if small:
        frame[100:172, 1000:1060] = _scene_with_face(0, 0, 40)[:72, :60]
    return frame


def test_changes_are_detected_on_every_second_call_and_tracked_faces_on_each_shrunk(
    detector: FaceDetector,
) -> None:
    regions = RegionDetector(detector, (1280, 720), RegionRules(overview_long_side=None))
    tracked = regions.detect(_two_faces(200, small=False)).xyxy  # the first call: the whole frame
    assert len(tracked) == 1
    # Call 1 (changes not due): the new face is not looked for, the tracked one is followed on
    # a crop shrunk so the face is 48 px wide.
    found = regions.detect(_two_faces(206, small=True), tracked)
    assert len(found[found.confidence > 0.5]) == 1 and regions.stats.shrunk_px > 0
    assert float(found.xyxy[0, 0]) < 600  # the walker's face, where it is
    native = regions.stats.native_px
    # Call 2: the changes are detected natively, and the new face found.
    found = regions.detect(_two_faces(212, small=True), found.xyxy)
    strong = found[found.confidence > 0.5]
    assert sorted(float(x) > 900 for x in strong.xyxy[:, 0]) == [False, True]
    assert regions.stats.native_px > native


def test_the_zoomed_sweep_skips_changes_over_a_near_tracked_persons_body(detector: FaceDetector) -> None:
    rules = RegionRules(overview_long_side=None, zoom_tiles=1, zoom_revisit=100)
    regions = RegionDetector(detector, (1280, 720), rules)
    still = _scene_with_face(560, 100, 60)
    tracked = regions.detect(still).xyxy
    for _ in range(len(regions.zoom_sweep.grid)):  # the first rotation zooms every tile whole
        regions.detect(still, tracked)
    zoomed = regions.stats.zoomed_px
    body = still.copy()
    body[230:500, 560:660] = 255 - body[230:500, 560:660]  # the near person's body moves
    for n in range(2 * len(regions.zoom_sweep.grid)):
        regions.detect(body if n % 2 else still, tracked)
    assert regions.stats.zoomed_px == zoomed  # their body holds no small face of theirs
    away = still.copy()
    away[500:600, 100:200] = 255 - away[500:600, 100:200]  # a change nobody's body explains
    for n in range(2 * len(regions.zoom_sweep.grid)):
        regions.detect(away if n % 2 else still, tracked)
    assert regions.stats.zoomed_px > zoomed


@pytest.mark.parametrize(
    ("fps", "every_s", "lookahead_s", "stride"),
    [(25, 0.12, 0.3, 3), (10, 0.12, 0.3, 1), (30, 0.12, 0.3, 3), (25, 0.12, 0.0, 1), (25, 0.0, 0.3, 1)],
)
def test_detect_stride(fps: float, every_s: float, lookahead_s: float, stride: int) -> None:
    assert RedactOptions(detect_every_s=every_s, lookahead_s=lookahead_s).detect_stride(fps) == stride


@pytest.mark.parametrize(
    ("mode", "size_wh", "long_side", "expected"),
    [
        ("auto", (1920, 1080), None, True),
        ("auto", (640, 360), None, False),
        ("auto", (1920, 1080), 1280, False),
        ("on", (640, 360), None, True),
        ("off", (1920, 1080), None, False),
    ],
)
def test_use_regions(mode: str, size_wh: tuple[int, int], long_side: int | None, expected: bool) -> None:
    assert RedactOptions(regions=mode, detect_long_side=long_side).use_regions(size_wh) is expected


def test_regions_and_stride_leak_no_more_than_two_frames(
    scene_clip: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    source, truth = scene_clip
    report, score = _redact_and_score(
        source, truth, detector, tmp_path, RedactOptions(regions="on", detect_every_s=0.2)
    )
    assert report.parameters["detect_stride_frames"] == 2 and report.parameters["detect_regions"]
    assert score.longest_exposure <= 2, score
    assert score.leak_rate < 0.05, score


def test_busy_frames_sweep_every_nth_call_and_follow_tracked_faces_shrunk(detector: FaceDetector) -> None:
    # The whole picture brightens and darkens in turn (a camera's exposure hunting): motion is
    # everywhere, so every call after the first is busy.
    regions = RegionDetector(detector, (1280, 720), RegionRules(overview_long_side=None, sweep_every=3))
    tracked = np.empty((0, 4))
    centres = []
    for call in range(7):
        frame = _scene_with_face(560 + 6 * call, 300, 120).astype(np.int16) + (30 if call % 2 else -30)
        found = regions.detect(np.clip(frame, 0, 255).astype(np.uint8), tracked)
        strong = found[found.confidence > 0.5]
        assert len(strong) == 1, f"call {call}: {len(strong)} faces"
        centres.append(float(strong.xyxy[0, 0] + strong.xyxy[0, 2]) / 2)
        tracked = strong.xyxy
    assert regions.stats.busy_calls == 6
    assert regions.stats.full_sweeps == 3  # calls 0, 3 and 6
    assert regions.stats.shrunk_px > 0
    # Each shrunk crop is at most a sixth of the native crop around a 120 px face (320x320).
    assert regions.stats.shrunk_px <= 4 * 320 * 320 / 6
    # Boxes found on shrunk crops land where the face is: it moves 6 px per call.
    assert np.allclose(np.diff(centres), 6, atol=5), centres


def test_busy_footage_sweeps_every_nth_detection_and_still_masks_every_face(
    scene_clip: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    # The scene with its exposure hunting (every frame 30 grey levels brighter or darker than the
    # last): motion everywhere, so every detection after the first is busy.
    source, truth = scene_clip
    flicker = tmp_path / "flicker.mp4"
    with (
        VideoReader(source) as reader,
        VideoWriter(
            flicker, width=reader.width, height=reader.height, fps=reader.fps, preset="ultrafast", crf=16
        ) as writer,
    ):
        for frame in reader.frames():
            shifted = frame.image.astype(np.int16) + (30 if frame.index % 2 else -30)
            writer.write(np.clip(shifted, 0, 255).astype(np.uint8))
    report, score = _redact_and_score(
        flicker, truth, detector, tmp_path, RedactOptions(regions="on", sweep_every=5)
    )
    stats = report.parameters["detect_region_stats"]
    assert stats["calls"] == len(truth.frames) and stats["busy_calls"] == stats["calls"] - 1
    assert stats["full_sweeps"] == 1 + (stats["calls"] - 1) // 5
    assert score.longest_exposure <= 2, score
    assert score.leak_rate < 0.05, score


def _redact_and_score(
    source: Path, truth: GroundTruth, detector: FaceDetector, tmp_path: Path, options: RedactOptions
) -> tuple[RedactionReport, RedactionScore]:
    """Redact ``source`` and score the masks against ``truth``."""
    masks: dict[int, np.ndarray] = {}
    report = redact_with(
        source,
        tmp_path / "r.mp4",
        detector=detector,
        options=options,
        on_mask=lambda index, mask, _boxes: masks.__setitem__(index, mask.copy()),
    )
    keeper = ScoreKeeper()
    for index, boxes in enumerate(truth.frames):
        keeper.add(boxes, masks[index])
    return report, keeper.score
