"""Compare ``redact_video``'s speed in two source trees, rounds interleaved (a before/after check).

Usage: ``python -m benchmarks.redact_ab OTHER_TREE [--rounds N] [--clip FILE]``

Each round runs one ``redact_video`` (default options, detector loaded before the clock) in a
fresh interpreter per tree, alternating which tree goes first, so load changes on a shared
machine hit both alike. Prints each tree's median seconds and the ratio. Default clip: a
generated 1920x1080 25 fps 4 s clip with the throughput benchmark's faces.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._machine import machine

_CHILD = """
import sys, time
from pathlib import Path
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
options = RedactOptions()
detector = build_detector(options)
started = time.perf_counter()
plain = MaskSpec(options, FaceCheckOptions(enabled=False))
redact_clip(Path(sys.argv[1]), plain, Engines(detector), Outputs(Path(sys.argv[2])))
print(time.perf_counter() - started)
"""


def _run(tree: Path, clip: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(clip), str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="The other source tree (e.g. a worktree of main).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clip", type=Path, default=None)
    args = parser.parse_args()
    this = Path(__file__).resolve().parents[1]
    trees = {"this": this, "other": args.other.resolve()}
    with tempfile.TemporaryDirectory(prefix="cctvkit-ab-") as tmp:
        clip = args.clip
        if clip is None:
            from benchmarks.redact_throughput import write_bench_clip

            clip = Path(tmp) / "gen.mp4"
            write_bench_clip(clip, 4)
        times: dict[str, list[float]] = {name: [] for name in trees}
        load = os.getloadavg()[0]
        for number in range(args.rounds):
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in order:
                times[name].append(_run(trees[name], clip, Path(tmp) / f"{name}.mp4"))
        print(f"{machine()}; load {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; clip {clip.name}")
        for name, tree in trees.items():
            print(f"  {name:5s} {tree}: median {statistics.median(times[name]):.2f} s  {times[name]}")
        ratio = statistics.median(times["this"]) / statistics.median(times["other"])
        print(f"  this / other: {ratio:.2f}")


if __name__ == "__main__":
    main()
