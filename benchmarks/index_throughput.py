"""Index throughput: files/s of `scan_archive` with hashing on and off, and SHA-256 MB/s, in one run.

python -m benchmarks.index_throughput --files 500 --workdir /tmp/cctvkit-index-bench
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks._machine import machine
from cctvkit.catalog import open_catalog
from cctvkit.config import load_config
from cctvkit.files import sha256_file
from cctvkit.ingest import scan_archive
from tests.conftest import SITE_TOML, write_tiny_video


def build(workdir: Path, files: int, seconds: float, size_wh: tuple[int, int]) -> Path:
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "archive" / "gate").mkdir(parents=True)
    (workdir / "archive" / "hall").mkdir(parents=True)
    cfg = workdir / "cctvkit.toml"
    cfg.write_text(SITE_TOML.format(tz="Europe/London"), encoding="utf-8")
    start = datetime(2026, 9, 1, tzinfo=UTC)
    template = write_tiny_video(workdir / "template.mp4", seconds=seconds, size_wh=size_wh)
    data = template.read_bytes()
    for i in range(files):
        t = start + timedelta(minutes=i)
        # Same content, distinct names: probing and hashing cost the same as for distinct files.
        (workdir / "archive" / "gate" / f"gate_{t:%Y%m%d_%H%M%S}.mp4").write_bytes(data)
    return cfg


def run(cfg: Path, hash_files: bool) -> tuple[float, int]:
    config = load_config(cfg)
    db = Path(config.data_dir) / "catalog.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    catalog = open_catalog(config.database_url)
    t0 = time.perf_counter()
    summary = scan_archive(catalog, config, actor="bench", hash_files=hash_files)
    elapsed = time.perf_counter() - t0
    catalog.dispose()
    assert summary.new == summary.files_seen and summary.quarantined == 0
    return elapsed, summary.files_seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=4.0, help="length of each generated segment")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/cctvkit-index-bench"))
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    cfg = build(args.workdir, args.files, args.seconds, (w, h))
    files = sorted((args.workdir / "archive").rglob("*.mp4"))
    total_mb = sum(f.stat().st_size for f in files) / 1e6
    t0 = time.perf_counter()
    for f in files:
        sha256_file(f)
    hash_s = time.perf_counter() - t0
    with_hash, n = run(cfg, True)
    without_hash, _ = run(cfg, False)
    rescan_cfg = load_config(cfg)
    catalog = open_catalog(rescan_cfg.database_url)
    t0 = time.perf_counter()
    scan_archive(catalog, rescan_cfg, actor="bench")
    rescan = time.perf_counter() - t0
    print(f"machine: {machine()}")
    print(f"archive: {n} files, {total_mb:.1f} MB ({args.size}, {args.seconds:g} s H.264 each)")
    print(f"{'what':<34}{'seconds':>10}{'files/s':>10}{'MB/s':>10}")
    print(f"{'sha256 only (one thread)':<34}{hash_s:>10.2f}{n / hash_s:>10.0f}{total_mb / hash_s:>10.0f}")
    print(f"{'scan, probe + hash':<34}{with_hash:>10.2f}{n / with_hash:>10.0f}{total_mb / with_hash:>10.0f}")
    print(f"{'scan, probe only (--no-hash)':<34}{without_hash:>10.2f}{n / without_hash:>10.0f}{'':>10}")
    print(f"{'re-scan, nothing changed':<34}{rescan:>10.2f}{n / rescan:>10.0f}{'':>10}")
    print(f"ratio hash/no-hash scan time: {with_hash / without_hash:.2f}")


if __name__ == "__main__":
    main()
