"""Run every benchmark in turn with its defaults (what `make bench` does)."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("benchmarks.index_throughput", "benchmarks.redact_eval", "benchmarks.redact_throughput")


def main() -> int:
    """Run each benchmark module; return non-zero if any failed."""
    failed = 0
    for module in MODULES:
        print(f"== {module}", flush=True)
        failed += subprocess.call([sys.executable, "-m", module]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
