"""Small faces and the face check (issue 25): the first pass alone beside the first pass + face check.

Part (d) of ``python -m benchmarks.redact_eval`` (``--only-face-check`` runs just this part).

Clips: the generated crowded square (:mod:`cctvkit.samplegen.crowd`: 64 people, faces 8-20 px,
exact truth) and elevated street (:mod:`cctvkit.samplegen.street`: 30 people, 10-24 px, exact
truth); the real arcade clip and the first frames of MOT17-13 (a raw H.265 stream, remuxed at
25 fps and cut; both read from ``../shared/eval/videos``, never copied into the repository).

Each clip is redacted with the defaults twice, face check off and on, detectors loaded before the
clock starts. Per run:

* leaks per face-width band (< 10, 10-16, 16-24, 24-48, >= 48 px; the issue's < 16 band split at
  10 px, the goal's floor), judged from output pixels against the exact truth
  (:class:`~cctvkit.redact.evaluation.ScoreKeeper`: the box's fine detail still correlates with the
  original's), with the longest exposure in frames; on the real clips, with YuNet, a third model
  family, when ``--yunet-python`` names a scratch environment that has it (``benchmarks/yunet_bands.py``);
* the first pass's detections, the face check's findings as a share of them (all, and those at
  or above the recognisable size: the smaller ones are reported and re-masked, never blocking),
  and the remaining findings; on the generated clips, how many remaining findings lie on a face
  whose detail the output still shows (the face check's precision);
* the wall time the face check adds to the first pass alone (its first round runs on its own
  thread during the render, so its own time, also shown, overlaps the render's), and its share of
  the audited run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.redact import FaceDetector
from cctvkit.redact.evaluation import DETAIL_LEAK, MIN_VISIBLE, ScoreKeeper, detail_correlation
from cctvkit.redact.face_checker import load_face_check_detectors
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.samplegen import GroundTruth, write_crowd_clip, write_street_clip
from cctvkit.video import VideoReader, VideoWriter
from cctvkit.video.remux import remux_raw

__all__ = ["BANDS", "face_check_rows"]

BANDS: tuple[tuple[str, int], ...] = (
    ("<10px", 10),
    ("10-16px", 16),
    ("16-24px", 24),
    ("24-48px", 48),
    (">=48px", 10**9),
)
"""Face-width bands, upper bound exclusive: issue 25's (< 16, 16-24, 24-48, >= 48) with < 16 split at
the goal's 10 px floor."""

ARCADE = "facenet_pytorch_video.mp4"
MOT = "MOT17-13-SDP-raw.h265"


@dataclass(frozen=True, slots=True)
class _Box:
    face_id: str
    xyxy: tuple[int, int, int, int]
    visible_fraction: float


@dataclass(frozen=True, slots=True)
class Clip:
    label: str
    source: Path
    truth: list[list[_Box]] | None  # exact boxes per frame; None: a real clip (YuNet scores it)
    yunet_every: int = 1


def _truth(gt: GroundTruth) -> list[list[_Box]]:
    return [
        [_Box(b.face_id, b.xyxy, b.visible_fraction) for b in frame if b.visible_fraction >= MIN_VISIBLE]
        for frame in gt.frames
    ]


def _mot_cut(source: Path, work: Path, frames: int) -> Path:
    """The raw stream's first ``frames`` frames as an H.264 file (remuxed at 25 fps, then cut)."""
    cut = work / f"mot17-13-{frames}.mp4"
    if cut.exists():
        return cut
    whole = work / "mot17-13.mkv"
    remux_raw(source, whole, Fraction(25))
    with VideoReader(whole) as reader:
        writer = None
        for frame in reader.frames():
            if frame.index >= frames:
                break
            if writer is None:
                height, width = frame.image.shape[:2]
                # mbtree=0, no B-frames: the same file on every run (with them x264 read memory it
                # had not written, so each run scored a slightly different clip: 13-14 detections,
                # YuNet 59-75 %, findings 5-8; see cctvkit.video.writer.fill_fresh_memory).
                writer = VideoWriter(
                    cut,
                    width=width,
                    height=height,
                    fps=Fraction(25),
                    crf=16,
                    x264_params="mbtree=0:bframes=0",
                )
            writer.write(frame.image)
        if writer is not None:
            writer.close()
    return cut


def clips(work: Path, eval_dir: Path, *, quick: bool, crowd_seconds: float, mot_frames: int) -> list[Clip]:
    """The clips this part runs (real ones only where ``eval_dir`` has them)."""
    work.mkdir(parents=True, exist_ok=True)
    seconds = 1.0 if quick else crowd_seconds
    crowd = work / "crowd.mp4"
    found = [Clip(f"crowd {seconds:g} s", crowd, _truth(write_crowd_clip(crowd, seconds=seconds)))]
    if quick:
        return found
    street = work / "street.mp4"
    found.append(Clip(f"street {seconds:g} s", street, _truth(write_street_clip(street, seconds=seconds))))
    videos = eval_dir / "videos"
    if (videos / ARCADE).exists():
        found.append(Clip("arcade (real)", videos / ARCADE, None, yunet_every=5))
    if (videos / MOT).exists():
        found.append(
            Clip(f"MOT17-13 first {mot_frames} (real)", _mot_cut(videos / MOT, work, mot_frames), None, 5)
        )
    return found


def _score_exact(source: Path, output: Path, truth: list[list[_Box]]) -> tuple[ScoreKeeper, list[set[str]]]:
    """Leaks judged from pixels; also, per frame, the faces whose detail the output shows."""
    keeper = ScoreKeeper(bands=BANDS)
    exposed: list[set[str]] = []
    with VideoReader(source) as a, VideoReader(output) as b:
        for original, produced in zip(a.frames(), b.frames(), strict=False):
            boxes = truth[original.index] if original.index < len(truth) else []
            image = produced.image[: original.image.shape[0], : original.image.shape[1]]
            # Pixels only: the mask argument claims full coverage, so only detail decides.
            keeper.add(boxes, np.ones(original.image.shape[:2], bool), original.image, image)
            exposed.append(
                {
                    box.face_id
                    for box in boxes
                    if detail_correlation(
                        original.image[box.xyxy[1] : box.xyxy[3], box.xyxy[0] : box.xyxy[2]],
                        image[box.xyxy[1] : box.xyxy[3], box.xyxy[0] : box.xyxy[2]],
                    )
                    > DETAIL_LEAK
                }
            )
    return keeper, exposed


def _on_face(xyxy: list[float], boxes: list[_Box]) -> _Box | None:
    """The truth box a finding lies on: its centre inside the box grown by a quarter."""
    cx, cy = (xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2
    for box in boxes:
        x1, y1, x2, y2 = box.xyxy
        gx, gy = (x2 - x1) / 4, (y2 - y1) / 4
        if x1 - gx <= cx <= x2 + gx and y1 - gy <= cy <= y2 + gy:
            return box
    return None


def _yunet(python: str, source: Path, output: Path, every: int, sheet: Path) -> dict | None:
    script = Path(__file__).with_name("yunet_bands.py")
    run = subprocess.run(
        [python, str(script), str(source), str(output), "--every", str(every), "--sheet", str(sheet)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        print(f"yunet scoring failed on {output.name}: {run.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(run.stdout.strip().splitlines()[-1])


def _run(
    clip: Clip,
    checked: bool,
    detector: FaceDetector,
    checkers,
    work: Path,
    every: int | None = None,
    busy_zoom_every: int | None = None,
) -> tuple[RedactionReport, float, Path]:
    out = work / f"{clip.source.stem}-{'checked' if checked else 'first'}.mp4"
    started = time.perf_counter()
    overrides = {"every": every, "busy_zoom_every": busy_zoom_every}
    check = FaceCheckOptions(enabled=checked, **{k: v for k, v in overrides.items() if v is not None})
    report = redact_clip(
        clip.source,
        MaskSpec(face_check=check),
        Engines(detector, checkers if checked else None),
        Outputs(out),
    )
    return report, time.perf_counter() - started, out


def _exact_cells(score) -> dict[str, object]:
    row: dict[str, object] = {}
    for band, _ in BANDS:
        if score.scored[band]:
            row[f"leak {band} (exact)"] = (
                f"{score.leaked[band] / score.scored[band]:.2%} of {score.scored[band]}, "
                f"longest {score.longest_by_band[band]}"
            )
    scored = sum(n for b, n in score.scored.items() if b != "<10px")
    leaked = sum(n for b, n in score.leaked.items() if b != "<10px")
    longest = max(n for b, n in score.longest_by_band.items() if b != "<10px")
    row["leak >=10px (exact)"] = f"{leaked / max(1, scored):.2%}, longest {longest}"
    return row


def _yunet_cells(judged: dict, sheet: Path) -> dict[str, object]:
    row: dict[str, object] = {}
    for band, faces in judged["faces"].items():
        if faces:
            row[f"leak {band} (YuNet, every {judged['every']})"] = (
                f"{judged['leaked'][band] / faces:.2%} of {faces}, longest {judged['longest'][band]}"
            )
    big = sum(n for b, n in judged["faces"].items() if b != "<16px")
    leaked = sum(n for b, n in judged["leaked"].items() if b != "<16px")
    row["leak >=16px (YuNet)"] = f"{leaked / max(1, big):.2%} of {big} (sheet {sheet.name})"
    return row


def _check_cells(
    check: dict,
    detections: int,
    walls: tuple[float, float],
    truth: list[list[_Box]] | None,
    exposed: list[set[str]],
) -> dict[str, object]:
    """``walls``: the first pass alone's and the audited run's."""
    own_s = float(check.get("elapsed_s", 0.0))
    render_s = float(check.get("re_render_s") or 0.0)
    alone, wall = walls
    findings, remaining = int(check["findings"]), check.get("remaining_findings", [])
    verdicts: dict[str, int] = check.get("findings_by_verdict", {})
    sized = findings - verdicts.get("below the recognisable size", 0)
    row: dict[str, object] = {
        "face check findings": (
            f"{findings} ({findings / max(1, detections):.1%} of first-pass detections), "
            f"{check['re_masked']} re-masked in {check['rounds']} round(s), {len(remaining)} remaining"
        ),
        "findings at or above the recognisable size": (
            f"{sized} ({sized / max(1, detections):.1%} of first-pass detections); by verdict: "
            + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items()))
        ),
        "face check's added wall": (
            f"{wall - alone:.1f} s, {(wall - alone) / wall:.0%} of the audited run ({own_s:.1f} s "
            f"checking {check['frames_checked']} frames, beside the render, + {render_s:.1f} s re-rendering)"
        ),
    }
    if truth is not None and remaining:
        on_face = visible = 0
        for finding in remaining:
            frame = int(finding["frame"])
            box = _on_face(finding["xyxy"], truth[frame]) if frame < len(truth) else None
            on_face += box is not None
            visible += box is not None and box.face_id in exposed[frame]
        row["remaining on a face / still visible"] = (
            f"{on_face} / {visible} of {len(remaining)} (precision {visible / len(remaining):.0%})"
        )
    return row


def face_check_rows(
    detector: FaceDetector,
    eval_dir: Path,
    work: Path,
    *,
    quick: bool = False,
    crowd_seconds: float = 3.0,
    mot_frames: int = 250,
    yunet_python: str | None = None,
    every: int | None = None,
    busy_zoom_every: int | None = None,
) -> dict[str, dict[str, object]]:
    """Rows for the evaluation table: each clip without and with the face check (on one frame
    in ``every``, busy frames zoomed whole on every ``busy_zoom_every``-th checked one; None:
    the defaults)."""
    checkers = load_face_check_detectors()
    rows: dict[str, dict[str, object]] = {}
    for clip in clips(work, eval_dir, quick=quick, crowd_seconds=crowd_seconds, mot_frames=mot_frames):
        alone = 0.0
        for checked in (False, True):
            report, wall, out = _run(clip, checked, detector, checkers, work, every, busy_zoom_every)
            alone = alone if checked else wall
            row: dict[str, object] = {}
            exposed: list[set[str]] = []
            if clip.truth is not None:
                keeper, exposed = _score_exact(clip.source, out, clip.truth)
                row |= _exact_cells(keeper.score)
            elif yunet_python:
                sheet = work / f"{out.stem}-yunet.png"
                judged = _yunet(yunet_python, clip.source, out, clip.yunet_every, sheet)
                if judged:
                    row |= _yunet_cells(judged, sheet)
            detections = sum(f.detections for f in report.frames)
            row["first-pass detections"] = f"{detections} in {len(report.tracks)} tracks"
            row["wall (whole run)"] = f"{wall:.1f} s, {report.frame_count / wall:.2f} fps"
            if checked and report.face_check_json:
                row |= _check_cells(report.face_check_json, detections, (alone, wall), clip.truth, exposed)
            label = f"{clip.label}, {'first pass + face check' if checked else 'first pass alone'}"
            rows[label] = row
            print(label, json.dumps(row), file=sys.stderr, flush=True)  # long runs: rows as they come
    return rows


VARIANTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("defaults", {}),
    ("zoomed crops around tracked faces (track_zoom 2)", {"track_zoom": 2.0}),
    ("zoomed sweep, 1 tile a detection", {"zoom_sweep": 1}),
    ("zoomed sweep, 2 tiles a detection", {"zoom_sweep": 2}),
    ("zoomed sweep 2 + track_zoom 2", {"zoom_sweep": 2, "track_zoom": 2.0}),
)
"""First-pass settings compared on the generated clips (exact truth), face check off."""


def first_pass_rows(
    work: Path, *, seconds: float = 3.0, variants: tuple[str, ...] | None = None
) -> dict[str, dict[str, object]]:
    """The first pass alone under each of :data:`VARIANTS`: leaks per band and wall time."""
    from dataclasses import replace

    from cctvkit.redact import RedactOptions, build_detector

    base = RedactOptions()
    detector = build_detector(base)
    rows: dict[str, dict[str, object]] = {}
    for clip in clips(work, Path("/nonexistent"), quick=False, crowd_seconds=seconds, mot_frames=0):
        assert clip.truth is not None
        for name, changes in VARIANTS:
            if variants and name not in variants:
                continue
            options = replace(base, **changes)  # type: ignore[arg-type]
            out = work / f"{clip.source.stem}-variant.mp4"
            started = time.perf_counter()
            report = redact_clip(
                clip.source,
                MaskSpec(options, FaceCheckOptions(enabled=False)),
                Engines(detector),
                Outputs(out),
            )
            wall = time.perf_counter() - started
            keeper, _ = _score_exact(clip.source, out, clip.truth)
            row = _exact_cells(keeper.score)
            detections = sum(f.detections for f in report.frames)
            row["first-pass detections"] = f"{detections} in {len(report.tracks)} tracks"
            row["wall (whole run)"] = f"{wall:.1f} s, {report.frame_count / wall:.2f} fps"
            rows[f"{clip.label}, {name}"] = row
    return rows


def judge_remaining(source: Path, output: Path, report: Path, sheet: Path) -> dict[str, int]:
    """Judge a report's remaining findings against the original (as the face check now does):
    counts per verdict, and a sheet of original | output crops labelled with each verdict (to be
    read by eye: the precision of the remaining findings, before and after)."""
    import cv2

    from cctvkit.redact.detectors.retinaface import RetinaFaceDetector
    from cctvkit.redact.face_check import face_check_entry
    from cctvkit.redact.finding_verdict import evidence_crop, judge

    data = json.loads(report.read_text())
    remaining = (face_check_entry(data) or {}).get("remaining_findings", [])
    by_frame: dict[int, list[list[float]]] = {}
    for finding in remaining:
        by_frame.setdefault(int(finding["frame"]), []).append(finding["xyxy"])
    probe = RetinaFaceDetector(score_threshold=0.3)
    counts: dict[str, int] = {}
    tiles = []
    with VideoReader(source) as a, VideoReader(output) as b:
        for index, (original, produced) in enumerate(zip(a.frames(), b.frames(), strict=False)):
            for xyxy in by_frame.get(index, []):
                image = produced.image[: original.image.shape[0], : original.image.shape[1]]
                verdict = judge(original.image, image, tuple(xyxy), probe)
                counts[str(verdict.reason)] = counts.get(str(verdict.reason), 0) + 1
                crop = evidence_crop(original.image, image, tuple(xyxy), side=96).copy()
                width = xyxy[2] - xyxy[0]
                label = f"{len(tiles)} {verdict.reason.name[:4]} {width:.0f}px d{verdict.detail or 0:.2f}"
                cv2.putText(crop, label, (2, 10), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (255, 255, 0), 1)
                tiles.append(crop)
    if tiles:
        while len(tiles) % 6:
            tiles.append(np.zeros_like(tiles[0]))
        rows = [np.hstack(tiles[k : k + 6]) for k in range(0, len(tiles), 6)]
        cv2.imwrite(str(sheet), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    return counts


def main() -> None:
    """``python -m benchmarks.small_faces``: the first-pass variants on the generated clips."""
    import argparse

    from rich.console import Console
    from rich.table import Table

    from benchmarks._machine import machine

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cctvkit-small-faces"))
    parser.add_argument("--variant", action="append", help="Only these variants (by name; repeatable).")
    parser.add_argument(
        "--judge",
        nargs=4,
        metavar=("SOURCE", "OUTPUT", "REPORT", "SHEET"),
        type=Path,
        help="Judge a report's remaining findings against the original; write a sheet of crops.",
    )
    args = parser.parse_args()
    if args.judge:
        print(judge_remaining(*args.judge))
        return
    rows = first_pass_rows(args.work, seconds=args.seconds, variants=tuple(args.variant or ()))
    table = Table(title=f"first pass on small faces, face check off ({machine()})")
    for column in ("run", "metric", "value"):
        table.add_column(column)
    for run, metrics in rows.items():
        for number, (metric, value) in enumerate(metrics.items()):
            table.add_row(run if number == 0 else "", metric, str(value))
        table.add_section()
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
