"""The analysis/render split: analysis alone encodes nothing; stored plans render again without detecting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from cctvkit.errors import UsageError
from cctvkit.redact import DetectorInfo, FaceDetector, RedactOptions
from cctvkit.redact.analysis import StoredAnalysis, analyze, collect, replay
from cctvkit.redact.render import MaskCallback, render, span_boxes
from cctvkit.redact.spec import MaskSpec, Outputs
from cctvkit.samplegen import GroundTruth
from cctvkit.video import VideoReader
from tests.redaction import redact_with


class _Counting:
    """A real detector that counts its calls (a replay must make none)."""

    def __init__(self, inner: FaceDetector) -> None:
        self.inner, self.calls = inner, 0

    @property
    def info(self) -> DetectorInfo:
        return self.inner.info

    def detect(self, image: np.ndarray) -> sv.Detections:
        self.calls += 1
        return self.inner.detect(image)


def _decode(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image for frame in reader.frames()]


def _masks(into: dict[int, np.ndarray]) -> MaskCallback:
    return lambda index, mask, _boxes: into.__setitem__(index, mask.copy())


def test_analysis_alone_writes_nothing_and_agrees_with_a_redaction(
    scene_clip: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    source, truth = scene_clip
    before = set(source.parent.iterdir())
    with analyze(source, detector=detector) as analysis:
        frames = [(a.index, len(a.boxes), a.frame.image.copy()) for a in analysis]
        summary = analysis.summary()
    assert set(source.parent.iterdir()) == before  # nothing encoded, nothing written
    assert [f[0] for f in frames] == list(range(truth.frame_count)) == list(range(summary.frame_count))
    report = redact_with(source, tmp_path / "out.mp4", detector=detector)
    assert [(t.track_id, t.first_frame, t.last_frame, t.best_frame) for t in summary.tracks] == [
        (t.track_id, t.first_frame, t.last_frame, t.best_frame) for t in report.tracks
    ]
    assert [f[1] for f in frames] == [s.masked_faces for s in report.frames]
    # The analysis hands out the frames unmasked.
    originals = _decode(source)
    assert all(np.array_equal(f[2], original) for f, original in zip(frames, originals, strict=True))


def test_a_stored_analysis_renders_again_without_detecting(
    scene_clip: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    source, _ = scene_clip
    counting = _Counting(detector)
    live_masks: dict[int, np.ndarray] = {}
    with analyze(source, detector=counting) as analysis:  # type: ignore[arg-type]
        stored = collect(analysis)
    calls = counting.calls
    assert calls > 0
    live = redact_with(source, tmp_path / "live.mp4", detector=detector, on_mask=_masks(live_masks))
    # Through JSON and back, as a job queue or a review page would keep it.
    text = json.dumps(stored.to_dict())
    again = StoredAnalysis.loads(text)
    assert again == stored
    replayed_masks: dict[int, np.ndarray] = {}
    report = render(replay(again), Outputs(tmp_path / "replayed.mp4", on_mask=_masks(replayed_masks)))
    assert counting.calls == calls
    assert report.frame_count == live.frame_count
    assert [t.track_id for t in report.tracks] == [t.track_id for t in live.tracks]
    assert all(np.array_equal(live_masks[i], replayed_masks[i]) for i in live_masks)
    live_px, replayed_px = _decode(tmp_path / "live.mp4"), _decode(tmp_path / "replayed.mp4")
    assert max(np.abs(a.astype(int) - b).mean() for a, b in zip(live_px, replayed_px, strict=True)) < 1.0


def test_a_frame_range_renders_alone_with_injected_masks_and_kept_boxes(
    scene_clip: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    source, _ = scene_clip
    with analyze(source, detector=detector) as analysis:
        stored = collect(analysis)
    # A manual box over frames 12..15 in an area no face crosses (bottom left).
    manual = span_boxes([(12, 15, (0.0, 300.0, 60.0, 360.0))])
    # Keep one planned box of frame 14 by its position (as a click on a review page would).
    planned = stored.frames[14]
    assert planned.xyxy, "frame 14 has faces to keep"
    keep = {14: np.array([planned.xyxy[0]], np.float32)}
    masks: dict[int, np.ndarray] = {}
    report = render(
        replay(stored, frames=(10, 19)),
        Outputs(tmp_path / "range.mp4", on_mask=_masks(masks)),
        MaskSpec(manual_masks=manual, keep_boxes=keep),
    )
    assert report.frame_count == 10 and len(_decode(tmp_path / "range.mp4")) == 10
    assert report.frames[0].time_s == pytest.approx(0.0)
    # Output frames 2..5 are analysed frames 12..15: the manual box is masked there only.
    assert all(masks[i][300:360, 0:60].all() for i in range(2, 6))
    assert not any(masks[i][300:360, 0:60].any() for i in (0, 1, 6, 9))
    assert report.frames[4].kept_faces == 1
    assert report.frames[4].masked_faces == len(planned.xyxy) - 1 + 1  # one kept, one manual box
    x1, y1, x2, y2 = (int(v) for v in planned.xyxy[0])
    assert not masks[4][(y1 + y2) // 2, (x1 + x2) // 2]


def test_replay_refuses_frames_outside_the_analysis(
    scene_clip: tuple[Path, GroundTruth], detector: FaceDetector, tmp_path: Path
) -> None:
    with analyze(scene_clip[0], detector=detector, options=RedactOptions()) as analysis:
        stored = collect(analysis)
    with pytest.raises(UsageError, match=r"frames 25\.\.40"):
        replay(stored, frames=(25, 40))
    with pytest.raises(RuntimeError, match="only once"):
        iter(analysis)
