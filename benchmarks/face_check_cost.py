"""What the face check costs beside the first pass at 1080p, per cadence (issue 25).

``python -m benchmarks.face_check_cost [--seconds 6] [--every 4 8] [--explained 0 32] [--revisit 1]``
``[--repeat 1]``

The fixed-camera clip :mod:`benchmarks.redact_throughput` generates (the yard, 7 faces 30-170 px,
25 fps, exact truth) is redacted with the defaults, face check off, then on at each ``--every``,
in interleaved rounds, detectors loaded before the clock starts. Per row: wall time, the process's
CPU time (user + system, all threads: on a shared machine it moves far less with the load than
the wall time does, so the check's cost is read as the CPU time it adds to the first pass's), the
check's own time and re-render time from its report, frames checked, findings, and leaks by
face-width band from output pixels. ``--explained`` compares values of
``FaceCheckOptions.explained_face_px`` (0: every change zoomed, as before it existed);
``--revisit`` adds first-pass rows with other ``RedactOptions.zoom_revisit`` values (1: every
zoomed sweep tile on every rotation, as before unchanged tiles were skipped).
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from benchmarks.redact_throughput import _at_least_16, _band_cells, _generated_truth, _score, write_bench_clip
from cctvkit.redact import RedactOptions, build_detector
from cctvkit.redact.face_checker import load_face_check_detectors
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.spec import Engines, MaskSpec, Outputs


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Generate the clip, run every row, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--every", type=int, nargs="+", default=[4, 8], help="Cadences compared.")
    parser.add_argument(
        "--explained", type=float, nargs="+", default=[32.0], help="explained_face_px values compared."
    )
    parser.add_argument(
        "--revisit", type=int, nargs="*", default=[], help="Other zoom_revisit values (first pass alone)."
    )
    parser.add_argument("--repeat", type=int, default=1, help="Interleaved rounds; medians shown.")
    parser.add_argument("--work", type=Path, default=Path("/tmp/cctvkit-face-check-cost"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = args.work / "yard.mp4"
    truth = _generated_truth(write_bench_clip(source, args.seconds))
    detector, checkers = build_detector(RedactOptions()), load_face_check_detectors()
    off, default = FaceCheckOptions(enabled=False), RedactOptions()
    rows: dict[str, MaskSpec] = {"first pass alone": MaskSpec(default, off)}
    rows |= {
        f"first pass alone, zoom revisit {n}": MaskSpec(replace(default, zoom_revisit=n), off)
        for n in args.revisit
    }
    rows |= {
        f"+ face check every {n}, explained >= {px:g} px": MaskSpec(
            default, FaceCheckOptions(every=n, explained_face_px=px)
        )
        for n in args.every
        for px in args.explained
    }
    walls: dict[str, list[float]] = {name: [] for name in rows}
    cpus: dict[str, list[float]] = {name: [] for name in rows}
    reports: dict[str, RedactionReport] = {}
    for _ in range(args.repeat):
        for name, spec in rows.items():
            started, cpu = time.perf_counter(), _cpu_s()
            reports[name] = redact_clip(
                source,
                spec,
                Engines(detector, checkers),
                Outputs(args.work / _file_name(name)),
            )
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(_cpu_s() - cpu)
    first_cpu = float(np.median(cpus["first pass alone"]))
    table = Table(title=f"face check cost, 1080p yard {args.seconds:g} s ({machine()})")
    for column in (
        "run",
        "wall s",
        "CPU s",
        "check CPU / first pass",
        "check + re-render s",
        "checked",
        "findings",
    ):
        table.add_column(column, justify="right" if column != "run" else "left")
    for column in ("leak >= 16", "< 16", "16-24", "24-48", ">= 48"):
        table.add_column(column, justify="right")
    for name in rows:
        report = reports[name]
        check = report.face_check_json or {}
        cpu = float(np.median(cpus[name]))
        score = _score(source, args.work / _file_name(name), truth)
        table.add_row(
            name,
            f"{np.median(walls[name]):.1f}",
            f"{cpu:.1f}",
            "" if name.startswith("first pass") else f"{(cpu - first_cpu) / first_cpu:.2f}x",
            f"{check.get('elapsed_s', 0.0) or 0.0:.1f} + {check.get('re_render_s', 0.0) or 0.0:.1f}",
            str(check.get("frames_checked", 0)),
            str(check.get("findings", 0)),
            _at_least_16(score),
            *_band_cells(score),
        )
    Console(width=160).print(table)


def _file_name(row: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in row) + ".mp4"


if __name__ == "__main__":
    main()
