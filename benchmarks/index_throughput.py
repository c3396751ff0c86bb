"""Index throughput: files/s of `scan_archive` with hashing on and off, and SHA-256 MB/s, in one run.

Layouts (issue 14): ``flat`` is one folder per camera with the time in the file name
(``gate/gate_20260901_000000.mp4``); ``frigate`` is Frigate's own tree
(``2026-09-01/00/gate/00.00.mp4``, cameras matched by path pattern). With both, the same segment
bytes are laid out both ways and the scans are interleaved, so their ratio is measured side by side.

python -m benchmarks.index_throughput --files 500 --workdir /tmp/cctvkit-index-bench
python -m benchmarks.index_throughput --files 10000 --layouts flat,frigate --seconds 1 --size 320x180
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath

from benchmarks._machine import machine
from cctvkit.catalog import open_catalog
from cctvkit.config import load_config
from cctvkit.files import sha256_file
from cctvkit.ingest import scan_archive
from cctvkit.ingest.matcher import CameraMatcher
from cctvkit.video import probe
from tests.conftest import write_tiny_video

CAMERAS = ("gate", "hall", "yard", "dock")
SEGMENT = timedelta(seconds=10)  # Frigate's default segment length

SITE = """\
[site]
name = "Bench"
timezone = "Europe/London"
archive_roots = ["archive"]
data_dir = "data"
"""

CAMERA = """
[[cameras]]
id = "{id}"
site = "Bench"
area = "{id}"
retention_days = 90
retention_justification = "Benchmark footage, never purged."
{naming}
"""


def build(workdir: Path, layout: str, files: int, data: bytes) -> Path:
    """A site of ``files`` copies of ``data`` over four cameras in ``layout``; returns its config."""
    site = workdir / layout
    if site.exists():
        shutil.rmtree(site)
    root = site / "archive"
    root.mkdir(parents=True)
    cams = []
    for cam in CAMERAS:
        naming = 'layout = "frigate"' if layout == "frigate" else f'filename_pattern = "{cam}_%Y%m%d_%H%M%S"'
        cams.append(CAMERA.format(id=cam, naming=naming))
    cfg = site / "cctvkit.toml"
    cfg.write_text(SITE + "".join(cams), encoding="utf-8")
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for i in range(files):
        cam = CAMERAS[i % len(CAMERAS)]
        t = start + SEGMENT * (i // len(CAMERAS))
        rel = (
            f"{t:%Y-%m-%d/%H}/{cam}/{t:%M.%S}.mp4"
            if layout == "frigate"
            else f"{cam}/{cam}_{t:%Y%m%d_%H%M%S}.mp4"
        )
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same content, distinct names: probing and hashing cost the same as for distinct files.
        path.write_bytes(data)
    return cfg


def run(cfg: Path, hash_files: bool) -> tuple[float, float, int]:
    """Wall and CPU seconds (all threads of this process) of a first scan, and the files seen."""
    config = load_config(cfg)
    db = Path(config.data_dir) / "catalog.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    catalog = open_catalog(config.database_url)
    t0, c0 = time.perf_counter(), time.process_time()
    summary = scan_archive(catalog, config, actor="bench", hash_files=hash_files)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    catalog.dispose()
    assert summary.new == summary.files_seen and summary.quarantined == 0 and summary.damaged == 0
    return elapsed, cpu, summary.files_seen


def per_file_costs(cfg: Path, sample: int) -> tuple[float, float]:
    """Microseconds per file to find the camera (path matching) and milliseconds to probe (one thread)."""
    config = load_config(cfg)
    root = config.archive_roots[0]
    files = sorted(root.rglob("*.mp4"))
    rels = [PurePath(p.relative_to(root)) for p in files]
    matcher = CameraMatcher(config)
    t0 = time.perf_counter()
    for rel in rels:
        assert matcher.match(rel).camera is not None
    match_us = (time.perf_counter() - t0) / len(rels) * 1e6
    t0 = time.perf_counter()
    for path in files[:sample]:
        probe(path)
    probe_ms = (time.perf_counter() - t0) / min(sample, len(files)) * 1e3
    return match_us, probe_ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=4.0, help="length of each generated segment")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--layouts", default="flat", help="comma-separated: flat, frigate")
    ap.add_argument("--repeat", type=int, default=1, help="interleaved rounds; the median is shown")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/cctvkit-index-bench"))
    args = ap.parse_args()
    layouts = [x.strip() for x in args.layouts.split(",") if x.strip()]
    if not set(layouts) <= {"flat", "frigate"}:
        ap.error("--layouts takes flat and/or frigate")
    w, h = (int(v) for v in args.size.split("x"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    template = write_tiny_video(args.workdir / "template.mp4", seconds=args.seconds, size_wh=(w, h))
    data = template.read_bytes()
    cfgs = {layout: build(args.workdir, layout, args.files, data) for layout in layouts}

    files = sorted((cfgs[layouts[0]].parent / "archive").rglob("*.mp4"))
    total_mb = sum(f.stat().st_size for f in files) / 1e6
    t0 = time.perf_counter()
    for f in files:
        sha256_file(f)
    hash_s = time.perf_counter() - t0

    times: dict[tuple[str, bool], list[float]] = {}
    cpus: dict[tuple[str, bool], list[float]] = {}
    n = 0
    for _ in range(args.repeat):
        for hash_files in (True, False):
            for layout in layouts:
                elapsed, cpu, n = run(cfgs[layout], hash_files)
                times.setdefault((layout, hash_files), []).append(elapsed)
                cpus.setdefault((layout, hash_files), []).append(cpu)
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpus.items()}
    rescan = {}
    for layout in layouts:
        config = load_config(cfgs[layout])
        catalog = open_catalog(config.database_url)
        t0 = time.perf_counter()
        scan_archive(catalog, config, actor="bench")
        rescan[layout] = time.perf_counter() - t0
        catalog.dispose()
    costs = {layout: per_file_costs(cfgs[layout], sample=min(500, n)) for layout in layouts}

    print(f"machine: {machine()}")
    print(
        f"archive: {n} files per layout over {len(CAMERAS)} cameras, {total_mb:.1f} MB "
        f"({args.size}, {args.seconds:g} s H.264 each); median of {args.repeat} interleaved round(s)"
    )
    rows = [("sha256 only (one thread)", hash_s, None, total_mb)]
    for layout in layouts:
        rows.append((f"{layout}: scan, probe + hash", med[(layout, True)], med_cpu[(layout, True)], total_mb))
        rows.append(
            (f"{layout}: scan, probe only (--no-hash)", med[(layout, False)], med_cpu[(layout, False)], None)
        )
        rows.append((f"{layout}: re-scan, nothing changed", rescan[layout], None, None))
    print(f"{'what':<44}{'seconds':>10}{'files/s':>10}{'MB/s':>10}{'CPU s':>10}{'files/CPU s':>12}")
    for what, seconds, cpu, mb in rows:
        rate = f"{mb / seconds:>10.0f}" if mb else f"{'':>10}"
        per_cpu = f"{cpu:>10.2f}{n / cpu:>12.0f}" if cpu else ""
        print(f"{what:<44}{seconds:>10.2f}{n / seconds:>10.0f}{rate}{per_cpu}")
    for layout in layouts:
        match_us, probe_ms = costs[layout]
        ratio = med[(layout, True)] / med[(layout, False)]
        print(
            f"{layout}: camera matching {match_us:.1f} us/file, probe with damage checks "
            f"{probe_ms:.2f} ms/file (one thread); hash/no-hash scan time {ratio:.2f}"
        )
    if {"flat", "frigate"} <= set(layouts):
        for hash_files, label in ((True, "with hashing"), (False, "without hashing")):
            ratio = med[("flat", hash_files)] / med[("frigate", hash_files)]
            ratio_cpu = med_cpu[("flat", hash_files)] / med_cpu[("frigate", hash_files)]
            print(
                f"frigate/flat files/s {label}: {ratio:.2f}x wall, {ratio_cpu:.2f}x per CPU second "
                "(goal: at least 0.8x)"
            )


if __name__ == "__main__":
    main()
