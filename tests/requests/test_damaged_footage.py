"""Damaged recordings are footage: a request finds and cuts their decodable span (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cctvkit.catalog import open_catalog
from cctvkit.config import SiteConfig
from cctvkit.files import sha256_file
from cctvkit.ingest import scan_archive
from cctvkit.requests.coverage import find_coverage
from cctvkit.requests.cut import cut_run
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, open_request
from cctvkit.requests.windows import parse_window
from tests.conftest import write_tiny_video
from tests.requests.conftest import OPERATOR

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def test_a_request_uses_a_damaged_files_decodable_span(site: Path, tmp_path: Path) -> None:
    gate = site.parent / "archive" / "gate"
    write_tiny_video(gate / "gate_20261001_100000.mkv", seconds=2)
    bad = write_tiny_video(gate / "gate_20261001_100002.mkv", seconds=4)
    bad.write_bytes(bad.read_bytes()[: int(bad.stat().st_size * 0.6)])  # cut off while recording
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    summary = scan_archive(catalog, config, actor=OPERATOR, now=NOW)
    assert summary.damaged == 1
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Alex Doe",
        windows=(parse_window("gate@2026-10-01T10:00:01/10:00:06", config),),
        received_on=date(2026, 10, 3),
    )
    req = open_request(catalog, config, new, actor=OPERATOR, now=NOW)
    (cov,) = find_coverage(catalog, req)
    (run,) = cov.runs
    damaged = run[-1].recording
    assert damaged.state == "damaged" and Path(damaged.path).name == "gate_20261001_100002.mkv"
    decodable = damaged.end_utc - damaged.start_utc
    assert timedelta(0) < decodable < timedelta(seconds=3)
    # What lies past the damage is a gap, never footage that is not there.
    assert [g.reason for g in cov.gaps] == ["no footage"]
    hashes = {s.recording.id: sha256_file(Path(s.recording.path)) for s in run}
    clip = cut_run(run, tmp_path / "cut.mp4", hashes=hashes)
    assert clip.frame_count == 10 + round(decodable.total_seconds() * 10)
    catalog.dispose()
