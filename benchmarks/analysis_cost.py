"""What analysis-only work costs against a full redaction: ``--keep-face`` and ``request review`` (issue #12).

Usage: ``python -m benchmarks.analysis_cost [--repeat N] [--real FILE]``

Two tables, every row measured in one run (N interleaved rounds, the median time shown):

* **keep-face**: ``redact_video`` of a clip against ``redact_keeping_face`` of the same clip (a
  reference photo of a face not in it, so every track is embedded and compared). Inputs: the
  real 1080p clip (``../shared/eval/videos/facenet_pytorch_video.mp4``, skipped when absent) and a
  generated 1080p 25 fps clip.
* **request**: ``cctvkit request review`` against ``cctvkit request process`` of the same request
  (in-process CLI calls: the same lease and catalog work in both; an untimed first round makes
  the working cut both reuse), on a scratch site whose one camera holds that 1080p clip
  (generated when the real one is absent).

The script uses only public calls that predate the analysis/render split, so
``PYTHONPATH=<other tree> python benchmarks/analysis_cost.py`` measures another commit the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import skimage.data
from typer.testing import CliRunner

from benchmarks._machine import machine
from cctvkit.cli.main import app
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.samplegen import FaceTrack, Keyframe, write_clip

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "eval" / "videos" / "facenet_pytorch_video.mp4"

TRACKS = (
    FaceTrack("walker", "collins", (Keyframe(0.0, 0.1, 0.5, 0.06), Keyframe(4.0, 0.8, 0.55, 0.07))),
    FaceTrack("near", "collins-dark", (Keyframe(0.0, 0.7, 0.45, 0.09), Keyframe(4.0, 0.4, 0.45, 0.1))),
)

CONFIG = """\
[site]
name = "Benchmark"
timezone = "UTC"
archive_roots = ["archive"]
data_dir = ".cctvkit"

[[cameras]]
id = "cam"
site = "Benchmark"
area = "Arcade"
filename_pattern = "cam_%Y%m%d_%H%M%S"
retention_days = 30
retention_justification = "benchmark scratch site"
"""


def _median_times(rows: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(repeat):  # rounds interleave the rows, so load changes hit them alike
        for name, run in rows.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def keep_face_rows(clip: Path, work: Path, photo: Path, repeat: int) -> dict[str, float]:
    from cctvkit.redact.identity import FaceEmbedder, load_reference

    options = RedactOptions()
    detector = build_detector(options)
    embedder = FaceEmbedder()
    rows = {
        "redact (plain)": lambda: redact_clip(
            clip,
            MaskSpec(options, FaceCheckOptions(enabled=False)),
            Engines(detector),
            Outputs(work / "plain.mp4"),
        ),
        "redact --keep-face": lambda: redact_clip(
            clip,
            MaskSpec(options, FaceCheckOptions(enabled=False)),
            Engines(
                detector,
                reference=load_reference(
                    photo, detector=detector, embedder=embedder, threshold=options.threshold
                ),
                embedder=embedder,
            ),
            Outputs(work / "kept.mp4"),
        ),
    }
    return _median_times(rows, repeat)


def request_rows(clip: Path, work: Path, repeat: int) -> dict[str, float]:
    site = work / "site"
    (site / "archive" / "cam").mkdir(parents=True)
    (site / "archive" / "cam" / "cam_20261001_090000.mp4").write_bytes(clip.read_bytes())
    (site / "cctvkit.toml").write_text(CONFIG)
    runner = CliRunner()
    env = {"CCTVKIT_OPERATOR": "bench"}

    def cli(*args: str) -> str:
        result = runner.invoke(app, ["-c", str(site / "cctvkit.toml"), *args], env=env)
        if result.exit_code != 0:
            raise SystemExit(f"cctvkit {' '.join(args)} failed: {result.output}")
        return result.stdout

    cli("index", "scan")
    out = cli(
        "request", "new", "--type", "subject", "--requester", "A. Person",
        "--window", "cam@2026-10-01T09:00:00/09:10:00",
        "--identity-method", "in person", "--identity-verified", "now", "--json",
    )  # fmt: skip
    request_id = json.loads(out)["id"]
    rows = {
        "request review": lambda: cli("request", "review", request_id, "--json"),
        "request process": lambda: cli("request", "process", request_id, "--json"),
    }
    for run in rows.values():  # untimed: the first run cuts the clip (the others reuse it), imports
        run()
    return _median_times(rows, repeat)


def _print(title: str, times: dict[str, float], base: str) -> None:
    print(f"\n{title}")
    for name, seconds in times.items():
        print(f"  {name:22s} {seconds:7.2f} s   {seconds / times[base]:5.2f}x {base}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Rounds per row; the median time is shown.")
    parser.add_argument("--real", type=Path, default=REAL, help="A real 1080p clip (generated if absent).")
    parser.add_argument("--seconds", type=float, default=4.0, help="Length of the generated clip.")
    parser.add_argument("--only", choices=("keep-face", "request"), help="One table only.")
    args = parser.parse_args()
    import cctvkit

    print(f"{machine()}, load {os.getloadavg()[0]:.1f}; cctvkit from {Path(cctvkit.__file__).parent}")
    with tempfile.TemporaryDirectory(prefix="cctvkit-bench-") as tmp:
        work = Path(tmp)
        photo = work / "reference.jpg"
        cv2.imwrite(str(photo), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
        generated = work / "generated.mp4"
        write_clip(generated, seconds=args.seconds, fps=25, size_wh=(1920, 1080), seed=3, faces=TRACKS)
        clips = [("generated 1920x1080 25 fps", generated)]
        if args.real.is_file():
            clips.insert(0, (args.real.name, args.real))
        for label, clip in clips if args.only != "request" else ():
            times = keep_face_rows(clip, work, photo, args.repeat)
            _print(f"keep-face on {label}, median of {args.repeat}", times, "redact (plain)")
        if args.only != "keep-face":
            label, clip = clips[0]
            times = request_rows(clip, work, args.repeat)
            _print(
                f"request on {label}, median of {args.repeat} (after an untimed round)",
                times,
                "request process",
            )
    print(f"load {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
