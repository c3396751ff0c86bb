"""Redaction speed per resolution band (SD, 720p, 1080p, 2160p) with the defaults, for estimates.

python -m benchmarks.redact_speed [--seconds 4] [--repeat 1] [--no-4k]

`request estimate` (policy 13.9.2) plans a request's work from the site's own past redactions at
each band, and before there are any from the figures this benchmark measured on a machine like
this one (``cctvkit/requests/speed_figures.toml``; paste the printed block there). Each band is a
generated fixed-camera clip with four people, redacted end to end by ``redact_video`` (decode,
detect, track, mask, encode), detector loaded once before the clock starts, as a release does.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.requests.speed import band_of
from cctvkit.samplegen import write_clip

SIZES = {"sd": (720, 576), "720p": (1280, 720), "1080p": (1920, 1080), "2160p": (3840, 2160)}


def main() -> None:
    """Time the default redaction at each band and print a table and the figures' TOML block."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="Length of each generated clip.")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds; the median time is kept.")
    parser.add_argument("--no-4k", action="store_true", help="Skip 2160p (slowest to generate).")
    args = parser.parse_args()
    console = Console()
    load = os.getloadavg()[0]
    rows = []
    options = RedactOptions()
    detector = build_detector(options)
    with tempfile.TemporaryDirectory() as tmp:
        for band, size in SIZES.items():
            if args.no_4k and band == "2160p":
                continue
            assert band_of(*size) == band
            src = Path(tmp) / f"{band}.mp4"
            write_clip(src, seconds=args.seconds, fps=25, size_wh=size, seed=3, faces=4, background="yard")
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = redact_clip(
                    src,
                    MaskSpec(options, FaceCheckOptions(enabled=False)),
                    Engines(detector),
                    Outputs(Path(tmp) / f"{band}.out.mp4"),
                )
                times.append(time.perf_counter() - start)
            seconds = sorted(times)[len(times) // 2]
            rows.append((band, size, result.frame_count, seconds))
    table = Table(
        "band", "size", "frames", "s", "frames/s", title=f"redact_clip defaults (no face check); {machine()}"
    )
    for band, (w, h), frames, seconds in rows:
        table.add_row(band, f"{w}x{h}", str(frames), f"{seconds:.1f}", f"{frames / seconds:.1f}")
    console.print(table)
    console.print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f} (shared machine: noisy)")
    cores = len(os.sched_getaffinity(0))
    print("\n[[machines]]")
    print(f'machine = "{machine()}"')
    print(f"cores = {cores}")
    print(f'measured = "{datetime.date.today()}, python -m benchmarks.redact_speed"')
    print("fps = { " + ", ".join(f'"{b}" = {f / s:.1f}' for b, _, f, s in rows) + " }")


if __name__ == "__main__":
    main()
