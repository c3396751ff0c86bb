"""Purge through the real index: unindexed real MP4s and stills, local file-name times at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from cctvkit.catalog import recordings as rq
from cctvkit.retention import run_purge
from tests.conftest import write_tiny_video
from tests.retention.conftest import Archive, assert_catalog_matches_disk

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
# gate keeps 30 days: cutoff 2026-10-02T12:00Z = 13:00 BST.
# hall keeps 7 days: cutoff 2026-10-25T12:00Z = 12:00 GMT.
EXPECTED = {
    "gate_20261002_130000.mp4": True,  # exactly at the cutoff (BST): kept
    "gate_20261002_125959.mp4": False,  # one second older: due
    "hall_2026-10-25T12-00-00.mp4": True,  # the day of the fall-back, exactly at the cutoff (GMT)
    "hall_2026-10-25T11-59-59.mp4": False,
    "hall_2026-10-25T01-30-00.mp4": False,  # ambiguous 01:30, creation_time picks BST: due either way
    "hall_2026-10-20T10-00-00.jpg": False,  # a still follows the same rule
    "hall_2026-10-31T10-00-00.jpg": True,
}


def test_unindexed_files_are_indexed_then_purged_at_the_exact_boundary(arch: Archive) -> None:
    for name in EXPECTED:
        camera = name.split("_")[0]
        path = arch.root / camera / name
        if name.endswith(".jpg"):
            img = np.full((48, 64, 3), 90, np.uint8)
            assert cv2.imwrite(str(path), img)
        elif "01-30-00" in name:
            write_tiny_video(path, creation_time=datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
        else:
            write_tiny_video(path)
    summary = run_purge(arch.catalog, arch.config, actor="cron", now=NOW)
    assert summary.scan is not None and summary.scan.new == len(EXPECTED) and summary.scan.quarantined == 0
    survivors = {p.name for p in arch.root.rglob("*") if p.is_file()}
    assert survivors == {n for n, keep in EXPECTED.items() if keep}
    assert summary.deleted == sum(not keep for keep in EXPECTED.values())
    with arch.catalog.read() as conn:
        states = {Path(r.path).name: r.state for r in rq.list_recordings(conn)}
    assert states == {n: "present" if keep else "purged" for n, keep in EXPECTED.items()}
    assert_catalog_matches_disk(arch)
