"""Text detection (issue 29): recall per letter-height band and cost per frame, full frame vs moving regions.

python -m benchmarks.text_detect [--seconds 6] [--fps 25] [--size 1920x1080]

Renders the gate scene (:mod:`cctvkit.samplegen.plates`: plates 8-40 px, a name badge; exact truth)
and its text-free twin in memory (no encode: detection alone is measured), and runs the PP-OCRv6
detector three ways on every frame:

* ``full-960``: the whole frame, resized to 960 px on its long side (the default);
* ``full-native``: the whole frame at its own size;
* ``moving``: only the crops :class:`~cctvkit.redact.motion.MotionRegions` reports (at the
  full-960 scale; the first frame is one full-frame crop), as on a fixed camera.

A truth box counts as found in a frame when 90 % of its letters' box lies inside the detections
(what masking those boxes would hide). Only boxes wholly in view are counted (``visible_fraction``
1.0). Also printed: frames of the text-free clip with any box, and the median milliseconds per frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from cctvkit.redact.detectors.text import TextDetector
from cctvkit.redact.motion import MotionRegions
from cctvkit.samplegen.plates import TextBox, gate_text_scene

BANDS = ((8, 12), (12, 16), (16, 24), (24, 32), (32, 41))


def covered(box: TextBox, found: np.ndarray, share: float = 0.9) -> bool:
    """At least ``share`` of the letters' box lies inside ``found`` (n, 4) boxes."""
    x1, y1, x2, y2 = box.letters_xyxy
    inside = np.zeros((y2 - y1, x2 - x1), bool)
    for fx1, fy1, fx2, fy2 in np.round(found).astype(int):
        inside[max(0, fy1 - y1) : max(0, fy2 - y1), max(0, fx1 - x1) : max(0, fx2 - x1)] = True
    return bool(inside.size and inside.mean() >= share)


def detect_moving(detector: TextDetector, motion: MotionRegions, image: np.ndarray) -> np.ndarray:
    """Boxes found in the moving regions' crops, in frame pixels."""
    found = []
    scale = detector.scale_for((image.shape[1], image.shape[0]))
    for x1, y1, x2, y2 in motion.update(image):
        crop = detector.detect(image[y1:y2, x1:x2], scale=scale)
        found.append(crop.xyxy + np.array([x1, y1, x1, y1], np.float32))
    return np.concatenate(found) if found else np.empty((0, 4), np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--modes", default="full-960,full-native,moving")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    console = Console()
    console.print(f"{machine()}; load {os.getloadavg()[0]:.2f}")
    detectors = {"full-960": TextDetector(), "full-native": TextDetector(input_long_side=None)}
    detectors["moving"] = detectors["full-960"]
    modes = args.modes.split(",")
    table = Table("mode", *(f"{lo}-{hi - 1} px" for lo, hi in BANDS), "badge", "text-free frames", "ms/frame")
    for text in (True, False):
        scene = gate_text_scene(size_wh=size, fps=args.fps, seconds=args.seconds, text=text)
        frames = round(args.seconds * scene.fps)
        for mode in modes:
            detector = detectors[mode]
            motion = MotionRegions(size)
            hits: dict[str, list[int]] = defaultdict(list)
            costs, flagged = [], 0
            for index in range(frames):
                image, truth, _faces = scene.render(index)
                start = time.perf_counter()
                if mode == "moving":
                    found = detect_moving(detector, motion, image)
                else:
                    found = detector.detect(image).xyxy
                costs.append(time.perf_counter() - start)
                flagged += len(found) > 0
                for box in truth:
                    if box.visible_fraction < 1.0:
                        continue
                    band = (
                        "badge"
                        if box.kind == "badge"
                        else next(f"{lo}-{hi - 1} px" for lo, hi in BANDS if lo <= box.text_px < hi)
                    )
                    hits[band].append(covered(box, found))
            ms = f"{1000 * statistics.median(costs):.0f}"
            if text:
                cells = [
                    f"{100 * np.mean(hits[b]):.1f} % ({len(hits[b])})" if hits[b] else "-"
                    for b in [*(f"{lo}-{hi - 1} px" for lo, hi in BANDS), "badge"]
                ]
                table.add_row(mode, *cells, "", ms)
            else:
                table.add_row(f"{mode} (text-free)", *[""] * (len(BANDS) + 1), f"{flagged}/{frames}", ms)
    console.print(table)


if __name__ == "__main__":
    main()
