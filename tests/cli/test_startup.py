"""What the CLI loads: help without the catalog or the video stack, a cron purge without OpenCV (issue 24).

Each command runs in its own interpreter under ``python -X importtime``, so the modules it imported
are read from what Python itself reports, through the real entry point.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.conftest import SITE_TOML, write_tiny_video

VIDEO_STACK = {"cv2", "av", "numpy", "onnxruntime", "supervision", "trackers"}
"""Decoding, masking and detection: a purge deletes files and never needs them."""

IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", re.MULTILINE)


def cctvkit(*args: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m cctvkit ARGS``; the result and the top-level names it imported."""
    env = {**os.environ, "CCTVKIT_OPERATOR": "cron", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cctvkit", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return done, {name.split(".")[0] for name in IMPORTED.findall(done.stderr)}


@pytest.mark.parametrize("args", [["--help"], ["purge", "--help"]])
def test_help_loads_neither_the_catalog_nor_the_video_stack(args: list[str], tmp_path: Path) -> None:
    done, modules = cctvkit(*args, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("Usage: ")
    heavy = VIDEO_STACK | {"sqlalchemy"}
    assert not modules & heavy, sorted(modules & heavy)
    ours = IMPORTED.findall(done.stderr)
    assert not [m for m in ours if m.startswith(("cctvkit.config", "cctvkit.catalog"))]


def _site(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "archive" / "hall").mkdir(parents=True)
    config = tmp_path / "cctvkit.toml"
    config.write_text(SITE_TOML.format(tz="Europe/London"), encoding="utf-8")
    return config, tmp_path / "archive" / "gate"


def _name(days_ago: int) -> str:
    return f"gate_{datetime.now(UTC) - timedelta(days=days_ago):%Y%m%d_%H%M%S}.mp4"


def test_cron_purge_loads_no_video_stack(tmp_path: Path) -> None:
    config, gate = _site(tmp_path)
    old = write_tiny_video(gate / _name(40))  # past the gate's 30 days
    write_tiny_video(gate / _name(2))
    indexed = CliRunner().invoke(app, ["-c", str(config), "index", "scan"], env={"CCTVKIT_OPERATOR": "t"})
    assert indexed.exit_code == 0, indexed.stderr

    done, modules = cctvkit("-c", str(config), "purge", "--dry-run", "--list-purged")
    assert done.returncode == 0, done.stderr
    assert re.search(rf"^would delete #\d+ gate .*{old.name}: ", done.stdout, re.MULTILINE), done.stdout
    assert not modules & VIDEO_STACK, sorted(modules & VIDEO_STACK)

    # A file recorded since the last run is probed (PyAV reads its container), still without OpenCV.
    write_tiny_video(gate / _name(1))
    done, modules = cctvkit("-c", str(config), "purge", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "av" in modules and not modules & (VIDEO_STACK - {"av"}), sorted(modules & VIDEO_STACK)
