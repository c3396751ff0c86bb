"""Masking text (issue 29): cost beside face-only redaction, and the cadence, end to end.

python -m benchmarks.text_cost [--seconds 4] [--repeat 1] [--every 1,2,3,5]

Two tables, every row in one run (``--repeat N``: N interleaved rounds, the median time):

* **cost**: ``redact_clip`` with the defaults (face check off, detectors loaded before the clock)
  against the same with ``mask_text``, on the 1080p fixed-camera clip of ``redact_throughput``
  (yard, 7 faces, no text) and on the 1080p gate scene (plates 8-40 px, a badge). *text share* is
  the extra time over the face-only row, as a share of the faces + text time.
* **cadence**: the gate scene with text detected on every n-th frame: readable plate frames still
  readable in the output (letters box keeping over 35 % of its contrast; readable: letters >= 8
  px, 90 % in view), the longest run of such frames, and the time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

import cctvkit.redact.text_stage as text_stage
from benchmarks._machine import machine
from benchmarks.redact_throughput import write_bench_clip
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.evaluation import longest_run, text_exposures
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.samplegen.plates import write_gate_text_clip
from cctvkit.video import VideoReader


def _frames(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image.copy() for frame in reader.frames()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--every", default="1,2,3,5,8,12", help="Cadences (frames at 25 fps), second table.")
    args = parser.parse_args()
    console = Console(width=160)
    start_load = os.getloadavg()[0]
    console.print(f"{machine()}; load {start_load:.2f}")
    base = RedactOptions()
    detector = build_detector(base)
    spec = MaskSpec(base, FaceCheckOptions(enabled=False))
    with_text = replace(spec, options=replace(base, mask_text=True))
    with tempfile.TemporaryDirectory(prefix="cctvkit-text-") as tmp:
        work = Path(tmp)
        yard, gate = work / "yard.mp4", work / "gate.mp4"
        write_bench_clip(yard, args.seconds)
        truth = write_gate_text_clip(gate, size_wh=(1920, 1080), fps=25, seconds=args.seconds)

        def run(source: Path, run_spec: MaskSpec, out: Path) -> float:
            began = time.perf_counter()
            redact_clip(source, run_spec, Engines(detector), Outputs(out))
            return time.perf_counter() - began

        text_stage.TextDetector()  # weights read and verified once before the clock (page cache)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):
            for name, source in (("yard", yard), ("gate", gate)):
                for label, run_spec in (("faces", spec), ("faces + text", with_text)):
                    times.setdefault((name, label), []).append(run(source, run_spec, work / "out.mp4"))
        cost = Table("clip (1920x1080, 25 fps)", "run", "frames", "s", "fps", "text share")
        frames = round(args.seconds * 25)
        for name in ("yard", "gate"):
            faces_s = statistics.median(times[(name, "faces")])
            text_s = statistics.median(times[(name, "faces + text")])
            cost.add_row(name, "faces", str(frames), f"{faces_s:.1f}", f"{frames / faces_s:.2f}", "")
            share = f"{100 * (text_s - faces_s) / text_s:.0f} %"
            cost.add_row(name, "faces + text", str(frames), f"{text_s:.1f}", f"{frames / text_s:.2f}", share)
        console.print(cost)

        cadence = Table("every n-th frame", "readable plate frames", "exposed", "longest run", "s")
        for every in (int(v) for v in args.every.split(",")):
            text_stage.DEFAULT_RULES = replace(text_stage.TextRules(), every_s=every / 25)
            out = work / f"every{every}.mp4"
            seconds = run(gate, with_text, out)
            flags = text_exposures(_frames(gate), _frames(out), truth.text)
            plates = [f for text_id, fl in flags.items() if text_id.startswith("car-") for f in fl]
            cadence.add_row(
                str(every),
                str(len(plates)),
                f"{100 * np.mean(plates):.2f} %",
                str(max(longest_run(fl) for fl in flags.values())),
                f"{seconds:.1f}",
            )
        text_stage.DEFAULT_RULES = text_stage.TextRules()
        console.print(cadence)
    console.print(f"load {start_load:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
