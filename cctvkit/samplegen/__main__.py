"""Command line: ``python -m cctvkit.samplegen OUTDIR [--seed N]`` writes the sample archive."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cctvkit.errors import CctvkitError
from cctvkit.samplegen.archive import write_archive


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the archive, return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m cctvkit.samplegen",
        description="Write a small synthetic CCTV archive with face ground truth.",
    )
    parser.add_argument("outdir", type=Path, help="target directory (e.g. sample_footage)")
    parser.add_argument("--seed", type=int, default=0, help="seed for every random choice")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        write_archive(args.outdir, seed=args.seed)
    except CctvkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
