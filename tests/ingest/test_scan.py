"""Index scan on real files: times across DST, quarantine reasons, incremental re-scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cctvkit.audit import verify_chain
from cctvkit.catalog import open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.audit_store import iter_audit
from cctvkit.config import load_config
from cctvkit.ingest import scan_archive
from tests.conftest import write_tiny_video

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def archive(site: Path) -> Path:
    root = site.parent / "archive"
    # 01:30 on 25 Oct 2026 happens twice in London; the container's clock says which.
    write_tiny_video(
        root / "gate" / "gate_20261025_013000.mp4", creation_time=datetime(2026, 10, 25, 0, 30, 1, tzinfo=UTC)
    )
    write_tiny_video(root / "gate" / "gate_20261025_023000.mp4", seconds=2)  # after fall-back: GMT
    write_tiny_video(root / "gate" / "gate_20261025_013001.mp4")  # ambiguous, no creation time
    write_tiny_video(root / "hall" / "hall_2026-03-29T01-30-00.mp4")  # in the spring-forward gap
    write_tiny_video(root / "hall" / "hall_2026-07-01T09-00-00.mp4", seconds=1.5)  # BST
    good = (root / "hall" / "hall_2026-07-01T09-00-00.mp4").read_bytes()
    (root / "hall" / "hall_2026-07-01T10-00-00.mp4").write_bytes(good[: len(good) // 2])  # truncated
    (root / "hall" / "hall_2026-07-01T11-00-00.mp4").write_bytes(b"")
    # Not media: fixed text (random bytes probe as an audio stream about once in 150 runs).
    (root / "hall" / "notes.mp4").write_bytes(b"meeting notes, not a video\n" * 150)
    (root / "lobby").mkdir()
    write_tiny_video(root / "lobby" / "lobby_20261001_000000.mp4")
    (root / "gate" / "gate_20261025_000000.mp4.partial-abcd.mp4").write_bytes(b"being written")
    return root


def _by_name(conn) -> dict:
    return {Path(r.path).name: r for r in rq.list_recordings(conn)}


def test_scan_records_times_and_quarantines(site: Path, archive: Path) -> None:
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    summary = scan_archive(catalog, cfg, actor="tester", now=NOW)
    assert summary.files_seen == 9  # the partial file is skipped
    with catalog.read() as conn:
        recs = _by_name(conn)
    first = recs["gate_20261025_013000.mp4"]
    assert first.state == "present"
    assert (first.camera_id, first.site, first.area) == ("gate", "Test Site", "Gate")
    assert first.start_utc == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert first.end_utc == first.start_utc + timedelta(seconds=1)
    after = recs["gate_20261025_023000.mp4"]
    assert after.start_utc == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)
    assert after.duration_s == pytest.approx(2.0)
    assert (after.width, after.height, after.codec, after.frame_count) == (64, 48, "h264", 20)
    assert after.sha256 and len(after.sha256) == 64
    summer = recs["hall_2026-07-01T09-00-00.mp4"]
    assert summer.start_utc == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert summer.state == "present"

    reasons = {name: r.state_reason for name, r in recs.items() if r.state == "quarantined"}
    assert "occurs twice" in reasons["gate_20261025_013001.mp4"]
    assert "does not exist" in reasons["hall_2026-03-29T01-30-00.mp4"]
    assert "not a readable video" in reasons["hall_2026-07-01T10-00-00.mp4"]
    assert "empty file" in reasons["hall_2026-07-01T11-00-00.mp4"]
    assert "not a readable video" in reasons["notes.mp4"]
    assert "no camera is configured for directory 'lobby'" in reasons["lobby_20261001_000000.mp4"]
    assert summary.quarantined == 6
    for name in reasons:
        assert recs[name].start_utc is None  # never guessed


def test_second_scan_changes_nothing_then_tracks_changes(site: Path, archive: Path) -> None:
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    scan_archive(catalog, cfg, actor="tester", now=NOW)
    with catalog.read() as conn:
        before = _by_name(conn)
    again = scan_archive(catalog, cfg, actor="tester", now=NOW + timedelta(hours=1))
    assert (again.new, again.changed, again.missing, again.unchanged) == (0, 0, 0, 9)
    with catalog.read() as conn:
        assert _by_name(conn) == before

    # Replace one file (new content, new size) and delete another.
    target = archive / "gate" / "gate_20261025_023000.mp4"
    write_tiny_video(target, seconds=3)
    (archive / "hall" / "hall_2026-07-01T09-00-00.mp4").unlink()
    third = scan_archive(catalog, cfg, actor="tester", now=NOW + timedelta(hours=2))
    assert (third.new, third.changed, third.missing) == (0, 1, 1)
    with catalog.read() as conn:
        recs = _by_name(conn)
        chain = list(iter_audit(conn))
    assert recs["gate_20261025_023000.mp4"].duration_s == pytest.approx(3.0)
    assert recs["gate_20261025_023000.mp4"].sha256 != before["gate_20261025_023000.mp4"].sha256
    assert recs["hall_2026-07-01T09-00-00.mp4"].state == "missing"
    assert verify_chain(chain) == []
    assert {"index.scan", "index.quarantine", "index.missing", "camera.configure"} <= {
        a.action for a in chain
    }


def test_symlink_out_of_archive_is_quarantined(site: Path, tmp_path: Path) -> None:
    outside = write_tiny_video(tmp_path / "elsewhere" / "gate_20261001_000000.mp4")
    link = site.parent / "archive" / "gate" / "gate_20261001_000000.mp4"
    link.symlink_to(outside)
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    summary = scan_archive(catalog, cfg, actor="tester", now=NOW)
    assert summary.quarantined == 1
    assert "outside the archive roots" in summary.problems[0][1]


def test_catalog_files_are_private(site: Path, database_url: str | None) -> None:
    if database_url:
        pytest.skip("a SQLite file's permissions; PostgreSQL manages its own storage")
    cfg = load_config(site)
    open_catalog(cfg.database_url)
    db = site.parent / "data" / "catalog.db"
    assert db.stat().st_mode & 0o077 == 0
    assert (site.parent / "data").stat().st_mode & 0o077 == 0
