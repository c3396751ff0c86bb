"""Catalog scale: query and purge-planning times at 10k, 100k and 1M+ rows, SQLite and PostgreSQL.

python -m benchmarks.catalog_scale                 # 10k, 100k, 1M rows; both backends if possible
python -m benchmarks.catalog_scale --full          # adds 1000 cameras x 90 days (2.16M rows)
python -m benchmarks.catalog_scale --backends sqlite --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks._machine import machine
from cctvkit.catalog import open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.synthetic import CAMERAS_PER_AREA, generate_catalog
from cctvkit.retention.policy import RetentionPolicy
from cctvkit.retention.purge import build_plan
from tests.pgserver import PgServer, find_pg_bin

ROWS_PER_CAMERA = 90 * 24


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(url: str, cameras: int, now: datetime) -> dict[str, float]:
    catalog = open_catalog(url)
    t0 = time.perf_counter()
    rows = generate_catalog(catalog, camera_count=cameras, end_utc=now)
    gen_s = time.perf_counter() - t0
    if catalog.dialect == "postgresql":
        with catalog.write() as conn:
            conn.exec_driver_sql("ANALYZE")
    cam = f"cam-{cameras // 2:04d}"
    area = f"area-{(cameras // 2) // CAMERAS_PER_AREA:03d}"
    window_start = now - timedelta(days=45, hours=3, minutes=30)
    day_start = now - timedelta(days=20)

    def window() -> None:
        with catalog.read() as conn:
            found = rq.list_recordings(
                conn, camera_ids=[cam], start_utc=window_start, end_utc=window_start + timedelta(hours=1)
            )
        assert len(found) == 2, len(found)

    def place_day() -> None:
        with catalog.read() as conn:
            found = rq.list_recordings(
                conn, site="synthetic", area=area, start_utc=day_start, end_utc=day_start + timedelta(days=1)
            )
        assert len(found) >= 24

    policy = RetentionPolicy({f"cam-{c:04d}": (7, 30, 90)[c % 3] for c in range(cameras)})
    plan_box: list = []

    def plan() -> None:
        plan_box[:] = [build_plan(catalog, policy, now)]

    out = {
        "rows": rows,
        "generate_s": gen_s,
        "window_ms": timed(window, 20),
        "place_day_ms": timed(place_day, 10),
        "plan_ms": timed(plan, 3),
    }
    out["planned"] = len(plan_box[0].purge)
    catalog.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="approximate row counts")
    ap.add_argument("--full", action="store_true", help="also 1000 cameras x 90 days (2.16M rows)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    cams = [max(1, round(int(s) / ROWS_PER_CAMERA)) for s in args.sizes.split(",")]
    if args.full:
        cams.append(1000)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    server = None
    backends = args.backends.split(",")
    if "postgresql" in backends:
        bin_dir = find_pg_bin()
        if bin_dir is None:
            print("postgresql: no server binaries installed; skipped")
            backends.remove("postgresql")
        else:
            server = PgServer(bin_dir)
            server.start()
    print(f"machine: {machine()}")
    header = f"{'backend':<11}{'rows':>10}{'generate s':>12}{'1h window ms':>14}{'place-day ms':>14}"
    print(f"{header}{'plan ms':>10}{'due':>10}")
    try:
        for backend in backends:
            results = []
            for n in cams:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='cctvkit-scale-')) / 'catalog.db'}"
                else:
                    url = server.new_database()  # type: ignore[union-attr]
                r = measure(url, n, now)
                results.append(r)
                print(
                    f"{backend:<11}{r['rows']:>10}{r['generate_s']:>12.1f}{r['window_ms']:>14.2f}"
                    f"{r['place_day_ms']:>14.2f}{r['plan_ms']:>10.0f}{r['planned']:>10}",
                    flush=True,
                )
            first, last = results[0], results[-1]
            growth = last["rows"] / first["rows"]
            print(
                f"{backend}: rows x{growth:.0f} -> window x{last['window_ms'] / first['window_ms']:.1f}, "
                f"place-day x{last['place_day_ms'] / first['place_day_ms']:.1f}, "
                f"plan x{last['plan_ms'] / first['plan_ms']:.0f}"
            )
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
