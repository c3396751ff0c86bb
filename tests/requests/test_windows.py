"""Windows: PLACE@FROM/TO in the site's timezone, resolved to cameras."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cctvkit.config import SiteConfig
from cctvkit.errors import NotFoundError, UsageError
from cctvkit.requests.windows import parse_window


@pytest.fixture
def config(site: Path) -> SiteConfig:
    return SiteConfig.from_toml(site)


def test_camera_window_in_site_time(config: SiteConfig) -> None:
    spec = parse_window("gate@2026-10-01T09:00:04/09:00:10", config)
    assert spec.camera_ids == ("gate",)
    # 1 October is BST (UTC+1).
    assert spec.start_utc == datetime(2026, 10, 1, 8, 0, 4, tzinfo=UTC)
    assert spec.end_utc == datetime(2026, 10, 1, 8, 0, 10, tzinfo=UTC)


def test_area_and_offset(config: SiteConfig) -> None:
    spec = parse_window("hall@2026-12-01T09:00+00:00/2026-12-01T10:00+00:00", config)
    assert spec.camera_ids == ("hall",)
    spec = parse_window("Test Site/Gate@2026-12-01T09:00/10:00", config)
    assert spec.camera_ids == ("gate",) and spec.start_utc.hour == 9


@pytest.mark.parametrize(
    "bad",
    [
        "gate",
        "gate@2026-10-01T09:00",
        "@2026-10-01T09:00/10:00",
        "gate@2026-10-01T10:00/09:00",
        "gate@yesterday/today",
        "gate@2026-10-01T00:00/2026-10-03T00:00",
    ],
)
def test_malformed(config: SiteConfig, bad: str) -> None:
    with pytest.raises(UsageError):
        parse_window(bad, config)


def test_unknown_place(config: SiteConfig) -> None:
    with pytest.raises(NotFoundError, match="unknown place"):
        parse_window("kitchen@2026-10-01T09:00/10:00", config)
