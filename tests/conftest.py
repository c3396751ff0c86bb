"""Shared fixtures: temporary sites with real archive roots, tiny real videos, ERROR-log guard."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from cctvkit.video import VideoWriter

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_footage"
EVAL_DIR = REPO.parent / "shared" / "eval"


def write_tiny_video(
    path: Path,
    *,
    seconds: float = 1.0,
    fps: int = 10,
    size_wh: tuple[int, int] = (64, 48),
    creation_time: datetime | None = None,
) -> Path:
    """A real H.264 MP4 with a moving bar (distinct frames), written by the project's encoder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size_wh
    meta = {"creation_time": creation_time.isoformat().replace("+00:00", "Z")} if creation_time else None
    with VideoWriter(path, width=w, height=h, fps=Fraction(fps), metadata=meta, preset="ultrafast") as out:
        for i in range(round(seconds * fps)):
            img = np.full((h, w, 3), 40, np.uint8)
            x = (i * 3) % w
            img[:, x : x + 4] = 220
            out.write(img)
    return path


SITE_TOML = """\
[site]
name = "Test Site"
timezone = "{tz}"
archive_roots = ["archive"]
data_dir = "data"

[[cameras]]
id = "gate"
site = "Test Site"
area = "Gate"
filename_pattern = "gate_%Y%m%d_%H%M%S"
retention_days = 30
retention_justification = "Incidents at the gate are reported within days."

[[cameras]]
id = "hall"
site = "Test Site"
area = "Hall"
filename_pattern = "hall_%Y-%m-%dT%H-%M-%S"
retention_days = 7
retention_justification = "The hall is busy; a week is enough to review incidents."
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site directory with an empty archive for cameras 'gate' (30 d) and 'hall' (7 d), London time.

    Returns the path of its cctvkit.toml.
    """
    (tmp_path / "archive" / "gate").mkdir(parents=True)
    (tmp_path / "archive" / "hall").mkdir(parents=True)
    cfg = tmp_path / "cctvkit.toml"
    cfg.write_text(SITE_TOML.format(tz="Europe/London"), encoding="utf-8")
    return cfg


@pytest.fixture(autouse=True)
def no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test that logged an ERROR it did not expect (PySceneDetect's habit)."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors and not getattr(caplog, "errors_expected", False):
        pytest.fail("unexpected ERROR log: " + "; ".join(r.getMessage() for r in errors))
