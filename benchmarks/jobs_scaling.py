"""Chunked redaction of a long 1080p clip on 1, 2 and 4 local processes and on 2 Celery workers.

python -m benchmarks.jobs_scaling [--seconds 120] [--chunk-seconds 15] [--no-celery] [--threads N]
    [--budget-s S]

The clip is generated (:mod:`cctvkit.samplegen`, the yard scene of ``redact_throughput``: 20 s
written once and joined end to end by packet copy) and cached in ``/tmp/cctvkit-bench-cache``.
Every row runs in this one invocation on the same file, each with a fresh job directory:

* one pass: :func:`~cctvkit.redact.redact_video` over the whole clip (no chunks);
* local N: :func:`~cctvkit.jobs.redact_chunked` on a pool of N processes (1: in this process);
* celery 2: the same on two ``cctvkit worker --concurrency 1`` on a loopback ``redis-server``.

Reported: wall time, speed-up over local 1, efficiency per core (frames per second per core the
row's inference could use, against local 1's: one process's onnxruntime uses every core unless
``--threads`` says otherwise, so on this 2-core machine run ``--threads 1`` to see scaling), and
the seam check: frames and timestamps equal to the input's, the pixels of every chunked output
equal to local 1's, and leaks judged from pixels (a ground-truth face box at least half visible
whose detail still correlates with the input's) for the one pass and the chunked run. Ends with
what a 4 x 8-core deployment would do at the per-core rate measured here, on paper.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from benchmarks.redact_throughput import BENCH_TRACKS
from cctvkit.config import JobsSection
from cctvkit.jobs import CeleryBackend, ChunkRunner, LocalBackend, redact_chunked
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.evaluation import DETAIL_LEAK, MIN_VISIBLE, detail_correlation
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.samplegen import write_clip
from cctvkit.video import VideoReader
from cctvkit.video.join import Segment, join_segments
from cctvkit.video.timeline import frame_timeline

CACHE = Path("/tmp/cctvkit-bench-cache")
NO_AUDIT = FaceCheckOptions(enabled=False)
"""The chunked rows run unaudited, like the one pass (``redact_video``): this measures the chunking;
the audit's cost is ``redact_throughput --audit-rows``'s."""
BASE_S = 20
console = Console(width=170)


def make_clip(seconds: int) -> tuple[Path, list[list[dict]]]:
    """A ``seconds`` long 1080p 25 fps clip (a 20 s scene repeated) and its per-frame truth."""
    CACHE.mkdir(exist_ok=True)
    base, truth_path = CACHE / f"jobs-yard-{BASE_S}s.mp4", CACHE / f"jobs-yard-{BASE_S}s.truth.json"
    if not (base.exists() and truth_path.exists()):
        truth = write_clip(base, seconds=BASE_S, fps=25, size_wh=(1920, 1080), seed=3, faces=BENCH_TRACKS)
        truth_path.write_text(json.dumps(truth.frames_json()))
    frames_json = json.loads(truth_path.read_text())
    base_truth = [frames_json[str(i)] for i in range(len(frames_json))]
    copies = max(1, round(seconds / BASE_S))
    clip = CACHE / f"jobs-yard-{copies * BASE_S}s.mp4"
    if not clip.exists():
        count = frame_timeline(base).frame_count
        join_segments([Segment(base, Fraction(BASE_S * k), count) for k in range(copies)], clip)
    return clip, base_truth * copies


def frame_digests(path: Path) -> tuple[list[int | None], list[str]]:
    pts, digests = [], []
    with VideoReader(path) as reader:
        for frame in reader.frames(prefetch=4):
            pts.append(frame.pts)
            digests.append(hashlib.sha1(frame.image.tobytes()).hexdigest())
    return pts, digests


def leaks(source: Path, output: Path, truth: list[list[dict]]) -> tuple[int, int]:
    """(third-party face boxes scored, of those leaked by pixels)."""
    scored = leaked = 0
    with VideoReader(source) as a, VideoReader(output) as b:
        for original, released in zip(a.frames(prefetch=4), b.frames(prefetch=4), strict=True):
            for box in truth[original.index]:
                x1, y1, x2, y2 = box["xyxy"]
                if box["visible_fraction"] < MIN_VISIBLE or x2 <= x1 or y2 <= y1:
                    continue
                scored += 1
                crop = (slice(y1, y2), slice(x1, x2))
                leaked += detail_correlation(original.image[crop], released.image[crop]) > DETAIL_LEAK
    return scored, leaked


def celery_backend(settings: JobsSection, work: Path) -> tuple[CeleryBackend, Callable[[], None]]:
    """Redis on loopback and two workers (from the tests' harness); returns a stop function."""
    from tests.jobs.cluster import RedisServer, Worker, find_redis

    binary = find_redis()
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    redis = RedisServer(binary, work / "redis")
    redis.start()
    (work / "archive").mkdir()
    config = work / "cctvkit.toml"
    config.write_text(
        '[site]\nname = "bench"\ntimezone = "UTC"\narchive_roots = ["archive"]\n'
        '[[cameras]]\nid = "yard"\nsite = "bench"\narea = "yard"\nretention_days = 7\n'
        'retention_justification = "benchmark only, no footage kept"\n'
        f'[jobs]\nbackend = "celery"\nbroker_url = "{redis.url}"\n'
    )
    workers = [Worker(config, f"bench{i}", work) for i in (1, 2)]
    for worker in workers:
        worker.wait_ready(120)

    def stop() -> None:
        for worker in workers:
            worker.stop()
        redis.stop()

    settings = settings.model_copy(update={"backend": "celery", "broker_url": redis.url})
    return CeleryBackend(settings), stop


def _done(row: tuple[str, int, float, Path], frames: int) -> None:
    """One line as each run ends (a long run interrupted still leaves its figures)."""
    label, _, wall, _ = row
    console.print(f"  {label}: {wall:.1f} s, {frames / wall:.1f} fps (load {os.getloadavg()[0]:.1f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120, help="clip length (multiple of 20 s)")
    parser.add_argument("--chunk-seconds", type=float, default=15.0)
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=None, help="inference threads per process [default: all cores]"
    )
    parser.add_argument("--budget-s", type=float, default=0.0, help="skip rows that would end past this")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    console.print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} at start")
    clip, truth = make_clip(args.seconds)
    frames = frame_timeline(clip).frame_count
    console.print(f"clip: {clip} ({frames} frames, 1920x1080, 25 fps); chunks of {args.chunk_seconds} s")
    options = RedactOptions(threads=args.threads)

    def used(processes: int) -> int:
        """Cores a row's inference can use: its processes times their threads, at most the machine's."""
        return min(cores, processes * (args.threads or cores))

    settings = JobsSection(chunk_s=args.chunk_seconds)
    work = Path(tempfile.mkdtemp(prefix="cctvkit-jobs-bench-"))
    rows: list[tuple[str, int, float, Path]] = []
    try:
        detector = build_detector(options)
        # local 1 first (every other row is compared with it), the one pass last; with
        # --budget-s a row that would end past the budget (at local 1's rate) is skipped.
        order = ["local 1", "local 2"] + ([] if args.no_celery else ["celery 2 workers"])
        order += ["local 4", "one pass"]
        began = time.perf_counter()
        for label in order:
            processes = {"one pass": 1, "celery 2 workers": 2}.get(label) or int(label.split()[-1])
            if rows and args.budget_s:
                guess = rows[0][2] * used(1) / used(processes)
                if time.perf_counter() - began + guess > args.budget_s:
                    console.print(f"  {label}: skipped (would end past --budget-s {args.budget_s:.0f})")
                    continue
            out = work / f"{label.split(' workers')[0].replace(' ', '-')}.mp4"
            started = time.perf_counter()
            if label == "one pass":
                redact_clip(clip, MaskSpec(options, NO_AUDIT), Engines(detector), Outputs(out))
            elif label.startswith("celery"):
                backend, stop = celery_backend(settings, work / "celery")
                try:
                    started = time.perf_counter()
                    redact_chunked(
                        clip,
                        MaskSpec(options, NO_AUDIT),
                        Engines(),
                        Outputs(out),
                        ChunkRunner(backend.settings, backend, work / "jobs-celery", "bench"),
                    )
                finally:
                    stop()
            else:
                local = LocalBackend(processes)
                try:
                    redact_chunked(
                        clip,
                        MaskSpec(options, NO_AUDIT),
                        Engines(detector),
                        Outputs(out),
                        ChunkRunner(settings, local, work / f"jobs-{processes}", "bench"),
                    )
                finally:
                    local.close()
            rows.append((label, processes, time.perf_counter() - started, out))
            _done(rows[-1], frames)
        source_pts, _ = frame_digests(clip)
        reference = frame_digests(work / "local-1.mp4")[1]
        serial_s = next(wall for label, _, wall, _ in rows if label == "local 1")
        table = Table(
            "run",
            "processes",
            "wall s",
            "fps",
            "speed-up",
            "per-core eff.",
            "frames",
            "pts ok",
            "= local 1 px",
            "leaked / scored",
            title=f"{frames} frames on {socket.gethostname()}",
        )
        for label, processes, wall, out in rows:
            pts, digests = frame_digests(out)
            same = "n/a (one encode)" if label == "one pass" else str(digests == reference)
            leak = ""
            if label in ("one pass", "local 1"):
                scored, leaked = leaks(clip, out, truth)
                leak = f"{leaked} / {scored} ({leaked / max(scored, 1):.2%})"
            speed = serial_s / wall
            table.add_row(
                label,
                str(processes),
                f"{wall:.1f}",
                f"{frames / wall:.1f}",
                f"{speed:.2f}x",
                f"{speed * used(1) / used(processes):.0%}",
                str(len(pts)),
                str(pts == source_pts),
                same,
                leak,
            )
        console.print(table)
        local = [r for r in rows if r[0].startswith("local")]
        best = max(local, key=lambda r: frames / r[2] / used(r[1]))
        per_core = frames / best[2] / used(best[1])
        console.print(
            f"per-core rate (best local row, {best[0]}): {per_core:.1f} frames/s per core. "
            f"On paper, 4 hosts x 8 cores = 32 cores: {per_core * 32:.0f} frames/s; the issue's "
            f"144 camera-hours at 25 fps ({144 * 3600 * 25:,} frames) in "
            f"{144 * 3600 * 25 / (per_core * 32) / 3600:.1f} h (one process: "
            f"{144 * 3600 * 25 / (frames / serial_s) / 3600:.1f} h), if broker and storage keep up."
        )
        console.print(f"load average {os.getloadavg()[0]:.1f} at the end (shared machine: ratios are noisy)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
