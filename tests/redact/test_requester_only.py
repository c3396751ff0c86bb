"""Requester-only releases (issue 26): the requester's face and body stay, all else is masked.

Judged from the output pixels against the generated scene's exact truth: faces' boxes
(:class:`~cctvkit.redact.evaluation.ScoreKeeper`) and each person's visible body pixels
(:meth:`cctvkit.samplegen.Scene.body`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from cctvkit.errors import UsageError
from cctvkit.redact import FaceDetector
from cctvkit.redact.analysis import StoredAnalysis, analyze, collect, replay
from cctvkit.redact.evaluation import ScoreKeeper, detail_correlation
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.requester_region import follow_requester
from cctvkit.redact.spec import Engines, MaskSpec, Outputs, RequesterRegion
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, Scene, write_scene
from cctvkit.video import VideoReader

FPS = Fraction(10)
SIZE_WH = (640, 360)
TRACKS = (
    # The requester walks across the yard, left to right.
    FaceTrack("requester", "collins", (Keyframe(0.0, 0.15, 0.35, 0.09), Keyframe(4.0, 0.85, 0.35, 0.09))),
    # A stranger standing still, one sitting (lower in the picture), one walking the other way
    # behind the requester (inside the requester's region as they pass).
    FaceTrack("standing", "collins-dark", (Keyframe(0.0, 0.70, 0.30, 0.08),)),
    FaceTrack("sitting", "collins-cap", (Keyframe(0.0, 0.30, 0.60, 0.10),)),
    FaceTrack("walker", "collins-grey", (Keyframe(0.0, 0.9, 0.25, 0.06), Keyframe(4.0, 0.1, 0.25, 0.06))),
)
STRANGERS = ("standing", "sitting", "walker")


@dataclass(frozen=True)
class Yard:
    path: Path
    scene: Scene
    truth: GroundTruth
    stored: StoredAnalysis
    requester: int


def _decode(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image for frame in reader.frames()]


@pytest.fixture(scope="module")
def yard(tmp_path_factory: pytest.TempPathFactory, detector: FaceDetector) -> Yard:
    """A 4 s, 10 fps, 640x360 yard: the requester walking past three strangers."""
    path = tmp_path_factory.mktemp("yard") / "yard.mp4"
    scene = Scene(size_wh=SIZE_WH, fps=FPS, tracks=TRACKS, background="yard", seed=3)
    truth = write_scene(path, scene, start=0, stop=40)
    with analyze(path, detector=detector) as analysis:
        stored = collect(analysis)
    return Yard(path, scene, truth, stored, _track_of(stored, truth, "requester"))


def _track_of(stored: StoredAnalysis, truth: GroundTruth, face_id: str) -> int:
    """The track whose detected boxes sit on ``face_id``'s true box most often."""
    votes: dict[int, int] = {}
    for plan in stored.frames:
        faces = [b.xyxy for b in truth.frames[plan.index] if b.face_id == face_id]
        for xyxy, track, source in zip(plan.xyxy, plan.tracker_id, plan.source, strict=True):
            if faces and source == "detected" and track >= 0:
                cx, cy = (xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2
                x1, y1, x2, y2 = faces[0]
                votes[track] = votes.get(track, 0) + (x1 <= cx <= x2 and y1 <= cy <= y2)
    return max(votes, key=lambda t: votes[t])


def _release(
    yard: Yard, output: Path, detector: FaceDetector, **spec_values: object
) -> tuple[RedactionReport, dict[int, np.ndarray]]:
    masks: dict[int, np.ndarray] = {}
    spec = MaskSpec(keep_tracks=(yard.requester,), requester_only=RequesterRegion(), **spec_values)  # type: ignore[arg-type]
    report = redact_clip(
        yard.path,
        spec,
        Engines(detector),
        Outputs(output, on_mask=lambda index, mask, _boxes: masks.__setitem__(index, mask.copy())),
    )
    return report, masks


@pytest.fixture(scope="module")
def released(
    yard: Yard, detector: FaceDetector, tmp_path_factory: pytest.TempPathFactory
) -> tuple[RedactionReport, dict[int, np.ndarray], Path]:
    """The yard released requester-only, face check on."""
    output = tmp_path_factory.mktemp("released") / "out.mp4"
    report, masks = _release(yard, output, detector)
    return report, masks, output


def test_strangers_are_masked_and_the_requester_stays_visible(
    yard: Yard, released: tuple[RedactionReport, dict[int, np.ndarray], Path]
) -> None:
    report, masks, output = released
    originals, outputs = _decode(yard.path), _decode(output)
    assert len(outputs) == len(originals) == 40
    keeper = ScoreKeeper(("requester",))
    face_shown = face_frames = body_shown = body_frames = 0
    for index, boxes in enumerate(yard.truth.frames):
        keeper.add(boxes, masks[index], originals[index], outputs[index])
        for box in boxes:
            if box.face_id == "requester" and box.visible_fraction >= 0.5:
                x1, y1, x2, y2 = box.xyxy
                face_frames += 1
                # Visible as the kept-face tests count it (at most 10 % of its box under a
                # stranger's mask behind it, issue #13), its fine detail unchanged but for codec noise.
                face_shown += masks[index][y1:y2, x1:x2].mean() <= 0.1 and (
                    detail_correlation(originals[index][y1:y2, x1:x2], outputs[index][y1:y2, x1:x2]) > 0.8
                )
        body = yard.scene.body(index, "requester")
        if body is not None and body.sum() > 100:
            body_frames += 1
            difference = np.abs(outputs[index].astype(int) - originals[index].astype(int)).mean(axis=2)
            body_shown += (~masks[index][body]).mean() >= 0.9 and np.median(difference[body]) <= 6
    score = keeper.score
    assert sum(score.scored.values()) >= 100
    assert score.leak_rate <= 0.005, score
    assert score.leaked_by_pixels == 0
    assert face_frames >= 35 and face_shown >= 0.95 * face_frames, (face_shown, face_frames)
    assert body_frames >= 35 and body_shown >= 0.9 * body_frames, (body_shown, body_frames)
    assert report.face_check is not None and report.face_check.remaining == 0
    region = report.requester_only
    assert region is not None and region["frames"] == 40 and region["findings_outside_region"] == 0
    written = json.loads(output.with_name("out.redaction.json").read_text())
    assert written["requester_only"]["spans"] == [[0, 39]]


def test_people_standing_or_sitting_outside_the_region_are_unidentifiable(
    yard: Yard, released: tuple[RedactionReport, dict[int, np.ndarray], Path]
) -> None:
    _, masks, output = released
    originals, outputs = _decode(yard.path), _decode(output)
    for name in ("standing", "sitting"):
        for index in (0, 20, 39):
            body = yard.scene.body(index, name)
            assert body is not None
            ys, xs = np.nonzero(body)
            x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
            # Masked whole (but where the requester passes in front), and no detail survives.
            assert masks[index][body].mean() >= 0.6, (name, index)
            face = next(b.xyxy for b in yard.truth.frames[index] if b.face_id == name)
            fx1, fy1, fx2, fy2 = face
            patch = (slice(fy1, fy2), slice(fx1, fx2))
            assert detail_correlation(originals[index][patch], outputs[index][patch]) < 0.3, (name, index)
            del x1, y1, x2, y2


def test_the_region_follows_the_body_where_the_face_is_not_detected(yard: Yard) -> None:
    # The detector "loses" the requester's face from frame 10 on (turned away, say).
    frames = []
    for plan in yard.stored.frames:
        if plan.index >= 10:
            keep = [k for k, t in enumerate(plan.tracker_id) if t != yard.requester]
            plan = replace(
                plan,
                **{
                    name: tuple(getattr(plan, name)[k] for k in keep)
                    for name in ("xyxy", "tracker_id", "confidence", "source", "early")
                },
            )
        frames.append(plan)
    stored = replace(yard.stored, frames=tuple(frames))
    region = follow_requester(stored, [yard.requester], iter(replay(stored)))
    summary = region.summary()
    assert (summary["face"], summary["tracked"]) == (10, 30)
    for index in range(10, 40):
        body = yard.scene.body(index, "requester")
        assert body is not None
        ys, xs = np.nonzero(body)
        x1, y1, x2, y2 = region.boxes[index][0]
        inside = ((xs >= x1) & (xs < x2) & (ys >= y1) & (ys < y2)).mean()
        assert inside >= 0.9, (index, inside)


def test_the_region_ends_when_the_requester_leaves(detector: FaceDetector, tmp_path: Path) -> None:
    # Walks off the right edge at about 2.6 s and stays gone.
    tracks = (
        FaceTrack("requester", "collins", (Keyframe(0.0, 0.5, 0.35, 0.09), Keyframe(3.0, 1.3, 0.35, 0.09))),
    )
    path = tmp_path / "leaves.mp4"
    scene = Scene(size_wh=SIZE_WH, fps=FPS, tracks=tracks, background="yard", seed=1)
    write_scene(path, scene, start=0, stop=40)
    with analyze(path, detector=detector) as analysis:
        stored = collect(analysis)
    region = follow_requester(
        stored, {t for p in stored.frames for t in p.tracker_id if t >= 0}, iter(replay(stored))
    )
    assert region.boxes and max(region.boxes) < 36
    gone = [i for i in range(40) if (b := scene.body(i, "requester")) is None or b.sum() < 0.3 * 60 * 250]
    assert gone and min(gone) >= max(region.boxes) - 2, (min(gone), max(region.boxes))


def test_zones_and_manual_masks_still_apply_inside_the_region(
    yard: Yard, detector: FaceDetector, tmp_path: Path
) -> None:
    # A box over the requester's chest on frame 20 (a manual mask) and a zone over their legs' path.
    face = next(b.xyxy for b in yard.truth.frames[20] if b.face_id == "requester")
    fx1, _, fx2, fy2 = face
    manual = np.array([[fx1, fy2 + 10, fx2, fy2 + 40]], np.float32)
    zone = ((0.0, 0.9), (1.0, 0.9), (1.0, 1.0), (0.0, 1.0))
    report, masks = _release(
        yard,
        tmp_path / "zoned.mp4",
        detector,
        face_check=FaceCheckOptions(enabled=False),
        manual_masks={20: manual},
        zones=(zone,),
    )
    assert report.requester_only is not None
    x1, y1, x2, y2 = (int(v) for v in manual[0])
    assert masks[20][y1:y2, x1:x2].all()
    assert masks[20][int(0.9 * 360) + 2 :, :].all()
    assert not masks[19][y1:y2, x1:x2].any()  # the manual mask is that frame's only


def test_requester_only_needs_the_requester(yard: Yard, detector: FaceDetector, tmp_path: Path) -> None:
    spec = MaskSpec(requester_only=RequesterRegion())
    with pytest.raises(UsageError, match="needs the requester"):
        redact_clip(yard.path, spec, Engines(detector), Outputs(tmp_path / "x.mp4"))
    assert not list(tmp_path.iterdir())


def test_cli_requester_only(yard: Yard, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cctvkit.cli.main import app

    out = tmp_path / "o.mp4"
    refused = CliRunner().invoke(app, ["redact", str(yard.path), "-o", str(out), "--requester-only"])
    assert refused.exit_code == 2
    assert refused.output.strip().splitlines() == [
        "cctvkit: error: --requester-only needs the requester: --keep-track TRACK or --keep-face PHOTO"
    ]
    assert not list(tmp_path.iterdir())
    result = CliRunner().invoke(
        app,
        [
            *("redact", str(yard.path), "-o", str(out), "--requester-only"),
            *("--keep-track", str(yard.requester), "--start", "0", "--end", "1", "--no-face-check"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "requester-only: the requester's region on 10 of 10 frames (10 from the face, 0 followed, 0 drawn); "
        "everything else pixelated in 11 px cells" in " ".join(result.output.split())
    )
    report = json.loads(out.with_name("o.redaction.json").read_text())
    assert report["requester_only"]["spans"] == [[0, 9]]


def _body_shown(scene: Scene, index: int, mask: np.ndarray, original: np.ndarray, output: np.ndarray) -> bool:
    """At least 90 % of the requester's visible pixels unmasked, and unchanged but for codec noise."""
    body = scene.body(index, "requester")
    assert body is not None
    difference = np.abs(output.astype(int) - original.astype(int)).mean(axis=2)
    return bool((~mask[body]).mean() >= 0.9 and np.median(difference[body]) <= 6)


def test_a_requester_walking_in_and_out_is_kept_to_the_frame_edge(
    detector: FaceDetector, tmp_path: Path
) -> None:
    # Walks in from beyond the left edge and off the right one: their body is in view for a few
    # frames before the face is first detected, and after it is last detected.
    tracks = (
        FaceTrack("requester", "collins", (Keyframe(0.0, -0.15, 0.4, 0.11), Keyframe(4.0, 1.15, 0.4, 0.11))),
    )
    path = tmp_path / "through.mp4"
    scene = Scene(size_wh=(480, 270), fps=FPS, tracks=tracks, background="yard", seed=5)
    truth = write_scene(path, scene, start=0, stop=40)
    with analyze(path, detector=detector) as analysis:
        stored = collect(analysis)
    yard = Yard(path, scene, truth, stored, _track_of(stored, truth, "requester"))
    detected = [
        p.index
        for p in stored.frames
        if any(t == yard.requester and s == "detected" for t, s in zip(p.tracker_id, p.source, strict=True))
    ]
    in_view = [i for i in range(40) if (b := scene.body(i, "requester")) is not None and b.sum() >= 200]
    assert in_view[0] < min(detected) - 1 and in_view[-1] > max(detected) + 1, (in_view, detected)
    report, masks = _release(yard, tmp_path / "out.mp4", detector, face_check=FaceCheckOptions(enabled=False))
    originals, outputs = _decode(path), _decode(tmp_path / "out.mp4")
    shown = [i for i in in_view if _body_shown(scene, i, masks[i], originals[i], outputs[i])]
    assert len(shown) >= 0.9 * len(in_view), sorted(set(in_view) - set(shown))
    edges = [i for i in in_view if not min(detected) <= i <= max(detected)]
    assert set(edges) <= set(shown), (edges, shown)
    # The region ends soon after they have left: the frame is masked whole again.
    assert report.requester_only is not None
    last = report.requester_only["spans"][-1][1]
    assert last <= in_view[-1] + 3 and masks[min(39, last + 1)].all()


def test_a_stranger_lost_inside_the_region_stays_masked(yard: Yard, tmp_path: Path) -> None:
    # The detector loses the standing stranger as the requester comes up beside them (their face
    # half hidden, say): every box of theirs is dropped from the first frame the requester's
    # region reaches them. Inside the region nothing else would mask them.
    from cctvkit.redact.render import render
    from cctvkit.redact.requester_only import resolve_region

    stranger = _track_of(yard.stored, yard.truth, "standing")
    region = follow_requester(yard.stored, [yard.requester], iter(replay(yard.stored)))
    face = {i: next(b.xyxy for b in yard.truth.frames[i] if b.face_id == "standing") for i in range(40)}
    reached = [i for i in range(40) if region.contains(i, face[i])]
    assert len(reached) >= 5, reached
    lost = reached[3]  # seen inside the region a few times, then never again
    frames = []
    for plan in yard.stored.frames:
        if plan.index >= lost:
            keep = [k for k, t in enumerate(plan.tracker_id) if t != stranger]
            plan = replace(
                plan,
                **{
                    name: tuple(getattr(plan, name)[k] for k in keep)
                    for name in ("xyxy", "tracker_id", "confidence", "source", "early")
                },
            )
        frames.append(plan)
    stored = replace(yard.stored, frames=tuple(frames))
    spec = resolve_region(
        MaskSpec(
            keep_tracks=(yard.requester,),
            requester_only=RequesterRegion(),
            face_check=FaceCheckOptions(enabled=False),
        ),
        stored,
    )
    output = tmp_path / "held.mp4"
    masks: dict[int, np.ndarray] = {}
    render(replay(stored), Outputs(output, on_mask=lambda i, m, _b: masks.__setitem__(i, m.copy())), spec)
    originals, outputs = _decode(yard.path), _decode(output)
    shown = []
    for index in reached[3:]:
        # Its face's visible pixels (the requester's head passes in front of it): masked.
        x1, y1, x2, y2 = face[index]
        visible = np.zeros((360, 640), bool)
        body = yard.scene.body(index, "standing")
        assert body is not None
        visible[y1:y2, x1:x2] = body[y1:y2, x1:x2]
        # Inside the requester's measured face box the requester wins (issue 13's rule).
        plan = stored.frames[index]
        for xyxy, track in zip(plan.xyxy, plan.tracker_id, strict=True):
            if track == yard.requester:
                rx1, ry1, rx2, ry2 = (round(v) for v in xyxy)
                visible[ry1:ry2, rx1:rx2] = False
        changed = np.abs(outputs[index].astype(int) - originals[index].astype(int)).mean(axis=2)[visible]
        if visible.sum() >= 20 and (masks[index][visible].mean() < 0.9 or np.median(changed) < 10):
            shown.append((index, int(visible.sum()), round(float(masks[index][visible].mean()), 2)))
    assert not shown, shown


def test_a_drawn_region_box_follows_the_requester(yard: Yard) -> None:
    # An operator draws the requester's region around their body on frame 20 (the review page's
    # "Draw the requester's region"); it is followed both ways with the body inside it.
    from cctvkit.redact.manual import track_drawn_box

    body = yard.scene.body(20, "requester")
    assert body is not None
    ys, xs = np.nonzero(body)
    drawn = [xs.min() - 4.0, ys.min() - 4.0, xs.max() + 5.0, ys.max() + 5.0]
    boxes = track_drawn_box(yard.path, 20, drawn, person=True)
    assert min(boxes) <= 5 and max(boxes) >= 35, (min(boxes), max(boxes))
    short = []
    for index in range(min(boxes), max(boxes) + 1):
        pixels = yard.scene.body(index, "requester")
        assert pixels is not None
        ys, xs = np.nonzero(pixels)
        x1, y1, x2, y2 = boxes[index]
        inside = ((xs >= x1) & (xs < x2) & (ys >= y1) & (ys < y2)).mean()
        if inside < 0.9:
            short.append((index, round(float(inside), 2)))
    assert not short, short
