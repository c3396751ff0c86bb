"""Filename time patterns and local-time conversion across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cctvkit.ingest.pattern import FilenamePattern, TimeAmbiguous, TimeNotFound, localize

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("pattern", "stem", "naive"),
    [
        ("gate_%Y%m%d_%H%M%S", "gate_20261001_143005", datetime(2026, 10, 1, 14, 30, 5)),
        ("hall_%Y-%m-%dT%H-%M-%S", "hall_2026-02-28T23-59-59", datetime(2026, 2, 28, 23, 59, 59)),
        ("%Y/%m/%d %H.%M", "2026/01/02 03.04", datetime(2026, 1, 2, 3, 4)),
        ("cam(1)_%Y%m%d%H%M", "cam(1)_202601020304", datetime(2026, 1, 2, 3, 4)),
    ],
)
def test_parse(pattern: str, stem: str, naive: datetime) -> None:
    assert FilenamePattern.compile(pattern).parse(stem) == (naive, None)


@pytest.mark.parametrize("stem", ["gate_20261301_000000", "gate_2026101_000000", "other_20261001_000000"])
def test_parse_refuses(stem: str) -> None:
    with pytest.raises(TimeNotFound):
        FilenamePattern.compile("gate_%Y%m%d_%H%M%S").parse(stem)


def test_explicit_offset() -> None:
    naive, offset = FilenamePattern.compile("c_%Y%m%d_%H%M%S%z").parse("c_20261025_013000+0100")
    assert naive.replace(tzinfo=offset).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "naive", "expected_utc"),
    [
        (LONDON, datetime(2026, 7, 1, 12, 0), datetime(2026, 7, 1, 11, 0, tzinfo=UTC)),  # BST
        (LONDON, datetime(2026, 12, 1, 12, 0), datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),  # GMT
        (LONDON, datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # before jump
        (LONDON, datetime(2026, 3, 29, 2, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # after jump
        (NEW_YORK, datetime(2026, 11, 1, 0, 30), datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
    ],
)
def test_localize(tz: ZoneInfo, naive: datetime, expected_utc: datetime) -> None:
    assert localize(naive, tz) == expected_utc


def test_gap_is_refused() -> None:
    with pytest.raises(TimeAmbiguous, match="does not exist"):
        localize(datetime(2026, 3, 29, 1, 30), LONDON)


def test_fold_needs_a_hint() -> None:
    naive = datetime(2026, 10, 25, 1, 30)  # London: 01:30 BST and 01:30 GMT both exist
    with pytest.raises(TimeAmbiguous, match="occurs twice"):
        localize(naive, LONDON)
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert localize(naive, LONDON, hint_utc=first.replace(second=4)) == first
    assert localize(naive, LONDON, hint_utc=second.replace(second=4)) == second
    with pytest.raises(TimeAmbiguous):  # a hint that matches neither instant decides nothing
        localize(naive, LONDON, hint_utc=datetime(2026, 10, 25, 5, 0, tzinfo=UTC))
