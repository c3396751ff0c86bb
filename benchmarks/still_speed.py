"""How long one still takes to redact and audit (issue 18), at 640x360 and 1080p, models loaded once.

Run: ``python -m benchmarks.still_speed``. Prints the median of 3 runs per size with the audit's
share, the 1080p/360p ratio measured side by side, one cold run (models loaded inside), and the
machine. ``cctvkit.requests.estimate.DEFAULT_STILL_S`` plans stills at about the 1080p figure
until a site has its own.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from benchmarks._machine import machine
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.face_checker import load_face_check_detectors
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.redact.still import redact_still
from cctvkit.samplegen import FaceTrack, Keyframe, Scene
from cctvkit.video import encode_jpeg, write_jpeg

SIZES = ((640, 360), (1920, 1080))
RUNS = 3


def main() -> None:
    tracks = (
        FaceTrack("a", "collins", (Keyframe(0.0, 0.30, 0.5, 0.08),)),
        FaceTrack("b", "collins-dark", (Keyframe(0.0, 0.72, 0.5, 0.05),)),
    )
    options = RedactOptions()
    detector, auditors = build_detector(options), load_face_check_detectors()
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in SIZES:
            image, _ = Scene(size_wh=size, fps=Fraction(10), tracks=tracks, seed=3).render(0)
            source = Path(tmp) / f"still-{size[0]}.jpg"
            write_jpeg(source, encode_jpeg(image))
            times, audits = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                report = redact_still(
                    source, MaskSpec(options), Engines(detector, auditors), Outputs(Path(tmp) / "out.jpg")
                )
                times.append(time.perf_counter() - started)
                audits.append(float(report.face_check_json["elapsed_s"]) if report.face_check_json else 0.0)
            medians[size] = statistics.median(times)
            print(
                f"{size[0]}x{size[1]}: {medians[size]:.2f} s per still (median of {RUNS}), "
                f"audit {statistics.median(audits):.2f} s, {len(report.faces)} face(s)"
            )
        started = time.perf_counter()
        redact_still(source, MaskSpec(options), Engines(), Outputs(Path(tmp) / "cold.jpg"))
        print(
            f"{SIZES[-1][0]}x{SIZES[-1][1]} cold (models loaded in the run): "
            f"{time.perf_counter() - started:.2f} s"
        )
    print(f"ratio 1080p / 360p: {medians[SIZES[1]] / medians[SIZES[0]]:.1f}x (same run)")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
