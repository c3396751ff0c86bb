"""Purge planning time over generated catalogs of 10 000 to 1 000 000 recordings, in one run.

Two shapes per size: "backlog" (120 days of footage, a first run: most rows due) and "daily" (each
camera holds its period plus one day: a nightly cron run, ~5 % due). Rows go straight into a SQLite
catalog (no files); 20 cameras with periods 7..90 days; 20 active holds; 100 restrictions. What is
timed is `build_plan`: the indexed SQL selection, holds/leases/restrictions, counts, and the sweep.

python -m benchmarks.purge_plan --sizes 10000 100000 1000000 --workdir /tmp/cctvkit-purge-bench
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.index_throughput import machine
from cctvkit.catalog import open_catalog
from cctvkit.catalog.schema import cameras, hold_cameras, holds, recordings, restrictions
from cctvkit.retention.policy import RetentionPolicy
from cctvkit.retention.purge import build_plan

NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
PERIODS = [7, 14, 30, 60, 90]
CAMERAS = {f"cam{i:02d}": PERIODS[i % len(PERIODS)] for i in range(20)}
SEGMENT = timedelta(minutes=1)


def generate(url: str, rows: int, shape: str) -> None:
    catalog = open_catalog(url)
    per_cam = rows // len(CAMERAS)
    with catalog.write() as conn:
        conn.execute(
            cameras.insert(),
            [
                {"id": c, "site": "Bench", "area": f"area{i % 5}", "timezone": "UTC", "retention_days": d,
                 "retention_justification": "benchmark", "updated_at": NOW}
                for i, (c, d) in enumerate(CAMERAS.items())
            ],
        )  # fmt: skip
    rid = 0
    for cam, days in CAMERAS.items():
        span = timedelta(days=120) if shape == "backlog" else timedelta(days=days + 1)
        step = span / per_cam
        batch = []
        for k in range(per_cam):
            rid += 1
            start = NOW - span + k * step
            batch.append(
                {"path": f"/archive/{cam}/{rid:09d}.mp4", "camera_id": cam, "site": "Bench", "area": "a",
                 "kind": "video", "start_utc": start, "end_utc": start + SEGMENT, "duration_s": 60.0,
                 "size_bytes": 1_000_000, "mtime_ns": 0, "sha256": None, "state": "present",
                 "indexed_at": NOW, "state_changed_at": NOW}
            )  # fmt: skip
            if len(batch) == 20_000:
                with catalog.write() as conn:
                    conn.execute(recordings.insert(), batch)
                batch = []
        if batch:
            with catalog.write() as conn:
                conn.execute(recordings.insert(), batch)
    with catalog.write() as conn:
        for h in range(20):
            cam = f"cam{h:02d}"
            start = NOW - timedelta(days=100 - h)
            hid = conn.execute(
                holds.insert().values(
                    reason="bench", reference=f"CASE-{h}", placed_by="bench", placed_at=NOW, place=None,
                    from_utc=start, to_utc=start + timedelta(hours=6), ends_at=None,
                )
            ).inserted_primary_key[0]  # fmt: skip
            conn.execute(hold_cameras.insert().values(hold_id=hid, camera_id=cam))
        conn.execute(
            restrictions.insert(),
            [{"recording_id": 1 + i * (rows // 100), "reason": "bench", "placed_by": "bench",
              "placed_at": NOW} for i in range(100)],
        )  # fmt: skip
    catalog.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--shapes", nargs="+", default=["backlog", "daily"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/cctvkit-purge-bench"))
    args = parser.parse_args()
    print(machine())
    policy = RetentionPolicy(CAMERAS)
    print(f"{'rows':>9} {'shape':>8} {'due':>8} {'held':>6} {'wall s':>8} {'cpu s':>8} {'cpu us/row':>10}")
    for shape in args.shapes:
        for size in args.sizes:
            if args.workdir.exists():
                shutil.rmtree(args.workdir)
            args.workdir.mkdir(parents=True)
            url = f"sqlite:///{args.workdir / 'catalog.db'}"
            t0 = time.perf_counter()
            generate(url, size, shape)
            gen = time.perf_counter() - t0
            catalog = open_catalog(url)
            wall, cpu = [], []
            for _ in range(args.repeat):
                t0, c0 = time.perf_counter(), time.process_time()
                plan = build_plan(catalog, policy, NOW)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            catalog.dispose()
            w, c = statistics.median(wall), statistics.median(cpu)
            print(
                f"{size:>9} {shape:>8} {len(plan.purge):>8} {len(plan.kept_by('hold')):>6} "
                f"{w:>8.3f} {c:>8.3f} {c / size * 1e6:>10.2f}   (generated in {gen:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
