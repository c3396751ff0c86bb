"""Index the bundled sample archive and compare every file with the generator's known values."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cctvkit.catalog import open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.config import load_config
from cctvkit.ingest import scan_archive
from tests.conftest import SAMPLE_DIR

NOW = datetime(2026, 10, 4, tzinfo=UTC)


@pytest.fixture
def sample_site(tmp_path: Path, database_url: str | None) -> Path:
    """A copy of sample_footage/ (the repository copy stays untouched), on each catalog backend."""
    dest = tmp_path / "site"
    shutil.copytree(SAMPLE_DIR, dest, ignore=shutil.ignore_patterns(".cctvkit"))
    cfg = dest / "cctvkit.toml"
    if database_url:
        text = cfg.read_text().replace(
            'data_dir = ".cctvkit"\n', f'data_dir = ".cctvkit"\ndatabase_url = "{database_url}"\n'
        )
        cfg.write_text(text)
    return cfg


def test_sample_archive_matches_ground_truth(sample_site: Path) -> None:
    truth = json.loads((sample_site.parent / "ground_truth.json").read_text())
    cfg = load_config(sample_site)
    catalog = open_catalog(cfg.database_url)
    summary = scan_archive(catalog, cfg, actor="tester", now=NOW)
    with catalog.read() as conn:
        recs = {str(Path(r.path).relative_to(sample_site.parent)): r for r in rq.list_recordings(conn)}
    assert len(recs) == len(truth["files"]) == summary.files_seen
    for item in truth["files"]:
        rec = recs[item["path"]]
        cam = cfg.camera(item["camera_id"])
        assert (rec.camera_id, rec.site, rec.area) == (cam.id, cam.site, cam.area), item["path"]
        if item["kind"] == "corrupt":
            assert rec.state == "quarantined"
            assert rec.state_reason and "not a readable video" in rec.state_reason
            assert rec.start_utc is None
            continue
        assert rec.state == "present", (item["path"], rec.state_reason)
        assert rec.kind == item["kind"]
        assert rec.start_utc == datetime.fromisoformat(item["start_utc"])
        assert rec.end_utc == datetime.fromisoformat(item["end_utc"])
        assert (rec.width, rec.height) == (item["width"], item["height"])
        if item["kind"] == "video":
            assert rec.frame_count == item["frame_count"]
            assert rec.fps == pytest.approx(item["fps"])
    assert summary.quarantined == 1

    again = scan_archive(catalog, cfg, actor="tester", now=NOW)
    assert (again.new, again.changed, again.missing, again.quarantined) == (0, 0, 0, 0)
    assert again.unchanged == len(truth["files"])
    with catalog.read() as conn:
        assert {
            str(Path(r.path).relative_to(sample_site.parent)): r for r in rq.list_recordings(conn)
        } == recs
