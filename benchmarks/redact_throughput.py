"""Redaction speed and leaks on 1080p: cctvkit against per-frame full-resolution detection and deface.

python -m benchmarks.redact_throughput [--seconds 10] [--real FILE] [--no-deface] [--quick] [--repeat N]
    [--audit-rows] [--no-street] [--only-real]

Every row is measured in one run on the same file, then scored from its output pixels:

* decode only and encode only (x264 ``veryfast``, ``superfast``, and the default: ``superfast``
  with macroblock-tree rate control): the ceilings, with the files' sizes;
* naive: the same CenterFace (fp32, as shipped) on every full frame at native resolution,
  masking what it finds (deface's way, with our masks and default encoder): the baseline of
  issue #6; and the same with the int8 copy cctvkit uses by default;
* deface (if its CLI is installed): ``deface --thresh 0.5`` at native resolution;
* cctvkit: ``redact_video`` with fp32 weights; then an ablation from the settings issue #6's first
  session left (veryfast, a whole-frame sweep on every busy detection), adding one change per
  row up to the defaults (issue 17's small-face threshold, then looking back on the held
  frames for faces found late: ``backtrack_s``), and zoomed busy crops around small faces
  (measured, not kept; not in ``--audit-rows``);
* cctvkit defaults **with the face check** (issue 17, :mod:`cctvkit.redact.face_check_rounds`:
  RetinaFace natively plus CenterFace on 2x zoomed crops, every 2nd output frame, findings
  re-masked up to 2 rounds); below each table, the audit's own cost (its checks, its re-renders)
  and its findings. ``--audit-rows`` runs only the naive row, the defaults and the audited
  defaults (the rest takes long on a shared machine).

Inputs: the generated yard clip; the generated elevated street (``cctvkit.samplegen.street``:
30 people, faces 10-24 px, exact truth; ``--no-street`` skips it); the real arcade clip.
* with the ``[yolo]`` extra: the defaults with ``--model yolo`` and YOLO26n built from its YAML
  (random weights, nothing downloaded): its speed beside CenterFace's, its leaks meaningless.

Detectors are loaded before the clock starts (for every row but deface's): a redaction loads
its detector once, whatever the length of its footage.

Leaks are judged from pixels for every row alike: a ground-truth face box (at least half
visible) leaked when its fine detail still correlates with the input's
(:func:`cctvkit.redact.evaluation.detail_correlation` > 0.5); longest exposure is the most
consecutive frames one face leaked. Both are given per face-width band (< 16, 16-24, 24-48,
>= 48 px) as ``leak % / longest``; "leak >= 16" is the issue 17 goal's figure. Ground truth:
the generated clips' exact boxes; for the real clip, a slow reference run (full frame plus 2x2
tiles zoomed 2x, threshold 0.3, every frame, boxes linked into faces by IoU), cached in
``/tmp/cctvkit-bench-cache``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import supervision as sv
from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from cctvkit.redact import FaceDetector, Masker, RedactOptions, build_detector
from cctvkit.redact.detectors import TiledDetector
from cctvkit.redact.detectors.centerface import CenterFaceDetector
from cctvkit.redact.detectors.yolo import build_from_yaml, ultralytics_available
from cctvkit.redact.evaluation import MIN_VISIBLE, SMALL_FACE_BANDS, RedactionScore, ScoreKeeper
from cctvkit.redact.face_checker import load_face_check_detectors
from cctvkit.redact.options import DEFAULT_X264_PARAMS, FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, write_clip, write_street_clip
from cctvkit.samplegen.portraits import PORTRAITS
from cctvkit.video import VideoReader, VideoWriter

REAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "videos" / "facenet_pytorch_video.mp4"
CACHE = Path("/tmp/cctvkit-bench-cache")

_K = Keyframe
BENCH_TRACKS = (
    FaceTrack("far-walker", PORTRAITS[0], (_K(0.0, 0.10, 0.22, 0.028), _K(10.0, 0.45, 0.24, 0.030))),
    FaceTrack("far-standing", PORTRAITS[1], (_K(0.0, 0.62, 0.20, 0.035),)),
    FaceTrack("mid-walker", PORTRAITS[2], (_K(1.0, 1.05, 0.40, 0.055), _K(8.0, 0.55, 0.42, 0.060))),
    FaceTrack("near-walker", PORTRAITS[3], (_K(2.0, 0.25, 1.10, 0.14), _K(6.0, 0.30, 0.55, 0.16))),
    FaceTrack("seated", PORTRAITS[4], (_K(0.0, 0.85, 0.55, 0.085),)),
    FaceTrack("flash", PORTRAITS[0], (_K(4.0, 0.40, 0.30, 0.05), _K(4.4, 0.42, 0.30, 0.05))),
    FaceTrack("late-small", PORTRAITS[2], (_K(5.0, -0.03, 0.28, 0.040), _K(10.0, 0.30, 0.30, 0.045))),
)
"""A yard camera: faces 30-38 px far away (one walking, one standing), 45-65 px walking in from
the edges, a 90 px one seated, a 160 px one walking up to the camera, and a 0.4 s flash."""


def write_bench_clip(path: Path, seconds: float) -> GroundTruth:
    """The benchmarks' fixed-camera clip: :data:`BENCH_TRACKS` in the yard, 1080p, 25 fps."""
    return write_clip(
        path, seconds=seconds, fps=25, size_wh=(1920, 1080), seed=5, faces=BENCH_TRACKS, background="yard"
    )


class _Box:
    __slots__ = ("face_id", "visible_fraction", "xyxy")

    def __init__(self, face_id: str, xyxy, visible_fraction: float = 1.0) -> None:
        self.face_id = face_id
        self.xyxy = tuple(int(v) for v in xyxy)
        self.visible_fraction = visible_fraction


def _decode_only(path: Path) -> int:
    with VideoReader(path) as reader:
        return sum(1 for _ in reader.frames())


def _encode_only(path: Path, out: Path, preset: str, x264_params: str = "") -> tuple[int, float]:
    """Encode decoded frames held in memory; only the encoding is timed."""
    with VideoReader(path) as reader:
        fps, tb = reader.fps, reader.time_base
        frames = [(frame.pts, frame.image) for frame in reader.frames()]
    height, width = frames[0][1].shape[:2]
    started = time.perf_counter()
    with VideoWriter(
        out, width=width, height=height, fps=fps, time_base=tb, preset=preset, x264_params=x264_params
    ) as writer:
        for pts, image in frames:
            writer.write(image, pts=pts)
    return len(frames), time.perf_counter() - started


def _naive(path: Path, out: Path, options: RedactOptions, detector: FaceDetector) -> int:
    """CenterFace on every full frame at native size, mask what it finds, encode (no carry)."""
    with VideoReader(path) as reader:
        masker = Masker(options.style, (reader.width, reader.height))
        with VideoWriter(
            out,
            width=reader.width,
            height=reader.height,
            fps=reader.fps,
            time_base=reader.time_base,
            preset=options.preset,
            x264_params=options.x264_params,
        ) as writer:
            count = 0
            for frame in reader.frames():
                found = detector.detect(frame.image)
                masker.apply(frame.image, found.xyxy[found.confidence >= options.threshold])
                writer.write(frame.image, pts=frame.pts)
                count += 1
    return count


def _deface(path: Path, out: Path) -> int:
    exe = shutil.which("deface") or str(Path(os.sys.executable).with_name("deface"))
    subprocess.run(
        [exe, str(path), "-o", str(out), "--thresh", "0.5"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with VideoReader(out) as reader:
        return sum(1 for _ in reader.frames())


def _cctvkit(path: Path, out: Path, options: RedactOptions, detector: FaceDetector) -> int:
    return redact_clip(
        path, MaskSpec(options, FaceCheckOptions(enabled=False)), Engines(detector), Outputs(out)
    ).frame_count


def _audited(
    path: Path,
    out: Path,
    options: RedactOptions,
    detector: FaceDetector,
    auditors,
    reports: dict[str, RedactionReport],
    audit: FaceCheckOptions,
    name: str,
) -> int:
    report = redact_clip(path, MaskSpec(options, audit), Engines(detector, auditors), Outputs(out))
    reports[name] = report  # the last round's
    return report.frame_count


def _score(source: Path, output: Path, truth: list[list[_Box]]) -> RedactionScore:
    """Leaks and exposures per band, judged from output pixels."""
    keeper = ScoreKeeper(bands=SMALL_FACE_BANDS)
    with VideoReader(source) as a, VideoReader(output) as b:
        for (index, original), produced in zip(
            ((f.index, f.image) for f in a.frames()), (f.image for f in b.frames()), strict=False
        ):
            boxes = truth[index] if index < len(truth) else []
            produced = produced[: original.shape[0], : original.shape[1]]
            # Pixels only: the mask argument claims full coverage, so only detail decides.
            keeper.add(boxes, np.ones(original.shape[:2], bool), original, produced)
    return keeper.score


def _at_least_16(score: RedactionScore) -> str:
    scored = sum(n for band, n in score.scored.items() if band != "<16px")
    leaked = sum(n for band, n in score.leaked.items() if band != "<16px")
    return f"{leaked / scored:.2%}" if scored else ""


def _band_cells(score: RedactionScore) -> list[str]:
    cells = []
    for band, _ in SMALL_FACE_BANDS:
        rate = score.band_rate(band)
        cells.append("" if rate is None else f"{rate:.1%} / {score.longest_by_band[band]}")
    return cells


def audit_cost(report: RedactionReport) -> str:
    """One line: what the audit checked and found, and its own time."""
    audit = report.face_check_json or {}
    checked = int(audit.get("frames_checked", 0))
    own = float(audit.get("elapsed_s", 0.0))
    return (
        f"audit: {checked} frames checked ({own:.1f} s, {1000 * own / max(1, checked):.0f} ms per checked "
        f"frame), {audit.get('findings')} findings, {audit.get('re_masked')} re-masked in "
        f"{audit.get('rounds')} round(s) (re-render {audit.get('re_render_s', 0.0):.1f} s), "
        f"{audit.get('remaining')} remaining, {audit.get('kept_skipped')} on kept tracks"
    )


def _reference_truth(path: Path) -> list[list[_Box]]:
    """A slow, thorough detection of every frame, linked into faces by IoU (cached)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    cached = CACHE / f"{path.stem}-{digest}.json"
    if cached.exists():
        data = json.loads(cached.read_text())
        return [[_Box(b[0], b[1]) for b in frame] for frame in data]
    reference = TiledDetector(CenterFaceDetector(score_threshold=0.3, precision="fp32"), grid=2, zoom=2.0)
    frames: list[list[_Box]] = []
    previous: list[_Box] = []
    next_id = 0
    with VideoReader(path) as reader:
        for frame in reader.frames():
            found = reference.detect(frame.image)
            found = found[found.confidence >= 0.3]
            boxes = sv.clip_boxes(found.xyxy, frame.image.shape[1::-1]).astype(int)
            current = []
            for box in boxes:
                ious = [_iou(box, np.array(p.xyxy)) for p in previous]
                if ious and max(ious) > 0.3:
                    face_id = previous[int(np.argmax(ious))].face_id
                else:
                    face_id, next_id = f"ref-{next_id}", next_id + 1
                current.append(_Box(face_id, box))
            frames.append(current)
            previous = current
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps([[[b.face_id, list(b.xyxy)] for b in f] for f in frames]))
    return frames


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.prod(np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return float(inter / union) if union > 0 else 0.0


SESSION_1 = RedactOptions(preset="veryfast", x264_params="", sweep_every=1)
"""The pipeline as issue #6's first session left it, for the ablation rows."""


def measure(
    path: Path,
    truth: list[list[_Box]],
    work: Path,
    *,
    deface: bool,
    repeat: int = 1,
    audit_rows: bool = False,
) -> tuple[list[tuple[str, ...]], float, list[str]]:
    """Run and score every row on ``path``; return table rows, the default detector's load time
    and the audit's cost lines.

    With ``repeat`` > 1 every row (but deface's) runs that many times, in interleaved rounds,
    and its median time is reported; the last round's output is scored.
    """
    options = RedactOptions()
    fp32, int8 = RedactOptions(precision="fp32"), RedactOptions(precision="int8")
    loading = time.perf_counter()
    detectors = {"default": build_detector(options)}
    load_s = time.perf_counter() - loading
    detectors["fp32"] = build_detector(fp32)
    same = detectors["default"].info.precision == "int8"
    detectors["int8"] = detectors["default"] if same else build_detector(int8)

    def redact(name: str, opts: RedactOptions, detector: str) -> tuple[str, Callable[[], int], Path]:
        out = work / f"cctvkit-{hashlib.sha1(name.encode()).hexdigest()[:10]}.mp4"  # names hold "/"
        return name, lambda: _cctvkit(path, out, opts, detectors[detector]), out

    def encode(preset: str, params: str, label: str) -> tuple[str, Callable[[], tuple[int, float]], Path]:
        out = work / f"enc-{preset}-{bool(params)}.mp4"
        return label, lambda: _encode_only(path, out, preset, params), out

    auditors = load_face_check_detectors()
    audit_reports: dict[str, RedactionReport] = {}
    whole = "  audit with RetinaFace on every checked frame whole (as first merged)"
    precision = detectors["default"].info.precision
    runs: list[tuple[str, Callable[[], int | tuple[int, float]], Path | None]] = [
        ("decode only (ceiling)", lambda: _decode_only(path), None),
        encode("veryfast", "", "encode only, x264 veryfast (session 1 default)"),
        encode("superfast", "", "encode only, x264 superfast"),
        encode("superfast", DEFAULT_X264_PARAMS, f"encode only, superfast + {DEFAULT_X264_PARAMS} (default)"),
        (
            "naive: CenterFace fp32 on every full frame",
            lambda: _naive(path, work / "naive.mp4", fp32, detectors["fp32"]),
            work / "naive.mp4",
        ),
        (
            "naive, int8 CenterFace",
            lambda: _naive(path, work / "naive-int8.mp4", int8, detectors["int8"]),
            work / "naive-int8.mp4",
        ),
    ]
    if deface and (shutil.which("deface") or Path(os.sys.executable).with_name("deface").exists()):
        runs.append(
            ("deface 1.5.0 --thresh 0.5", lambda: _deface(path, work / "deface.mp4"), work / "deface.mp4")
        )
    runs += [
        redact("cctvkit, fp32 CenterFace", RedactOptions(precision="fp32"), "fp32"),
        redact(f"cctvkit, {precision}, veryfast, sweep on every busy detection", SESSION_1, "default"),
        redact(
            "  + superfast/mbtree encode",
            replace(SESSION_1, preset=options.preset, x264_params=options.x264_params),
            "default",
        ),
        redact(
            f"  + busy sweep every {options.sweep_every}th detection (issue 6 defaults)",
            replace(options, small_threshold=None, track_zoom=1.0, backtrack_s=0.0),
            "default",
        ),
        redact(
            f"  + faces < {options.small_face_px:g} px from {options.small_threshold} (issue 17)",
            replace(options, backtrack_s=0.0),
            "default",
        ),
        redact(
            f"cctvkit defaults (+ new faces looked for {options.backtrack_s:g} s back)",
            options,
            "default",
        ),
        redact(
            "  busy crops around small faces zoomed up to 2x (measured, not kept)",
            replace(options, track_zoom=2.0),
            "default",
        ),
        (
            "cctvkit defaults + release audit",
            lambda: _audited(
                path,
                work / "audited.mp4",
                options,
                detectors["default"],
                auditors,
                audit_reports,
                FaceCheckOptions(),
                "defaults",
            ),
            work / "audited.mp4",
        ),
        (
            whole,
            lambda: _audited(
                path,
                work / "audited-whole.mp4",
                options,
                detectors["default"],
                auditors,
                audit_reports,
                FaceCheckOptions(native_full_every=1),
                "whole",
            ),
            work / "audited-whole.mp4",
        ),
    ]
    if ultralytics_available():
        # Speed only: the YOLO backend with YOLO26n built from its YAML (random weights, nothing
        # downloaded), so its leak columns say nothing about a trained face model.
        weights = build_from_yaml(work / "yolo26n-random.pt")
        yolo = RedactOptions(model="yolo", weights=str(weights))
        detectors["yolo"] = build_detector(yolo)
        runs.append(redact("cctvkit, YOLO26n from YAML, random weights (speed only)", yolo, "yolo"))
    if audit_rows:
        kept = ("naive:", "cctvkit defaults", "  + busy", "  + faces", "  audit")
        runs = [r for r in runs if r[0].startswith(kept)]
    rows: list[tuple[str, ...]] = []
    naive_fps = None
    timings: dict[str, list[float]] = {name: [] for name, _run, _output in runs}
    frame_counts: dict[str, int] = {}
    for round_ in range(repeat):  # rounds interleave the rows, so load changes hit them alike
        for name, run, _output in runs:
            if round_ and name.startswith("deface"):
                continue  # minutes per run, and not ours
            started = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - started
            frame_counts[name], elapsed = result if isinstance(result, tuple) else (result, elapsed)
            timings[name].append(elapsed)
    measured = []
    for name, _run, output in runs:
        elapsed = float(np.median(timings[name]))
        fps = frame_counts[name] / elapsed
        measured.append((name, frame_counts[name], elapsed, fps, output))
        if name.startswith("naive:"):
            naive_fps = fps
    for name, frames, elapsed, fps, output in measured:
        leak, at_least_16, longest, scored, size = ("", "", "", "", "")
        bands = [""] * len(SMALL_FACE_BANDS)
        if output is not None:
            size = f"{output.stat().st_size / 1e6:.2f}"
            if not name.startswith("encode"):
                score = _score(path, output, truth)
                leak, longest = f"{score.leak_rate:.2%}", str(score.longest_exposure)
                at_least_16, bands = _at_least_16(score), _band_cells(score)
                scored = "/".join(str(score.scored[band]) for band, _ in SMALL_FACE_BANDS)
        ratio = f"{fps / naive_fps:.2f}" if naive_fps else ""
        rows.append(
            (
                name,
                str(frames),
                f"{elapsed:.1f}",
                f"{fps:.2f}",
                ratio,
                leak,
                at_least_16,
                *bands,
                longest,
                scored,
                size,
            )
        )
    return rows, load_s, [f"{name}: {audit_cost(r)}" for name, r in audit_reports.items()]


def _generated_truth(gt) -> list[list[_Box]]:
    return [
        [_Box(b.face_id, b.xyxy, b.visible_fraction) for b in frame if b.visible_fraction >= MIN_VISIBLE]
        for frame in gt.frames
    ]


def main() -> None:
    """Generate 1080p footage (and take the real clip), run every row, print one table per clip."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of the generated clip.")
    parser.add_argument("--real", type=Path, default=REAL, help="A real 1080p clip (skipped if absent).")
    parser.add_argument("--no-deface", action="store_true", help="Skip the deface row (slowest).")
    parser.add_argument("--quick", action="store_true", help="A 2 s generated clip only (smoke run).")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds per row; the median time is shown.")
    parser.add_argument(
        "--audit-rows", action="store_true", help="Only the naive row, the defaults and the audited defaults."
    )
    parser.add_argument("--no-street", action="store_true", help="Skip the generated elevated street clip.")
    parser.add_argument("--only-real", action="store_true", help="Only the real clip (--real).")
    parser.add_argument("--street-seconds", type=float, default=6.0, help="Length of the street clip.")
    args = parser.parse_args()
    console = Console(width=200)
    with tempfile.TemporaryDirectory(prefix="cctvkit-bench-") as tmp:
        work = Path(tmp)
        seconds = 2.0 if args.quick else args.seconds
        gen = work / "gen.mp4"
        gt = write_bench_clip(gen, seconds)
        inputs = [
            (
                f"generated 1920x1080 25 fps, {seconds:g} s, 7 faces 30-170 px (exact truth)",
                gen,
                _generated_truth(gt),
            )
        ]
        if args.only_real:
            inputs = []
        if not args.quick and not args.no_street and not args.only_real:
            street = work / "street.mp4"
            street_gt = write_street_clip(street, seconds=args.street_seconds, fps=25, size_wh=(1920, 1080))
            inputs.append(
                (
                    f"generated elevated street 1920x1080 25 fps, {args.street_seconds:g} s, 30 people, "
                    "faces 10-24 px (exact truth)",
                    street,
                    _generated_truth(street_gt),
                )
            )
        if not args.quick and args.real is not None and args.real.exists():
            inputs.append(
                (f"{args.real.name} (truth: slow reference run)", args.real, _reference_truth(args.real))
            )
        for label, path, truth in inputs:
            load = os.getloadavg()[0]
            rows, load_s, audit_lines = measure(
                path,
                truth,
                work,
                deface=not args.no_deface,
                repeat=max(1, args.repeat),
                audit_rows=args.audit_rows,
            )
            table = Table(
                title=f"{label}\n{machine()}, load {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; "
                f"detector load {load_s:.2f} s, not timed; median of {max(1, args.repeat)} rounds"
            )
            for column in (
                "pipeline",
                "frames",
                "seconds",
                "fps",
                "x naive",
                "leak rate",
                "leak >= 16",
                *(f"{band} leak / longest" for band, _ in SMALL_FACE_BANDS),
                "longest exp.",
                "boxes per band",
                "MB",
            ):
                table.add_column(column, justify="left" if column == "pipeline" else "right")
            for row in rows:
                table.add_row(*row)
            console.print(table)
            for line in audit_lines:
                console.print(line, soft_wrap=True)


if __name__ == "__main__":
    main()
