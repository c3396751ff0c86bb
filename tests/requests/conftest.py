"""A small indexed site for request tests: three back-to-back 2 s gate segments and one hall segment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cctvkit.catalog import Catalog, open_catalog
from cctvkit.config import SiteConfig
from cctvkit.ingest import scan_archive
from tests.conftest import write_tiny_video

OPERATOR = "j.smith"
SEGMENTS = ("gate_20261001_100000.mp4", "gate_20261001_100002.mp4", "gate_20261001_100004.mp4")
"""Local (BST) 10:00:00-10:00:06 in three 2 s segments, 10 fps, 64x48."""


@dataclass
class IndexedSite:
    config_path: Path
    config: SiteConfig
    catalog: Catalog

    @property
    def root(self) -> Path:
        return self.config_path.parent


@pytest.fixture
def indexed_site(site: Path) -> Iterator[IndexedSite]:
    root = site.parent / "archive"
    for name in SEGMENTS:
        write_tiny_video(root / "gate" / name, seconds=2)
    write_tiny_video(root / "hall" / "hall_2026-10-01T10-00-00.mp4", seconds=2)
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    scan_archive(catalog, config, actor=OPERATOR)
    yield IndexedSite(site, config, catalog)
    catalog.dispose()
