"""Filename time patterns and local-time conversion across DST changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cctvkit.ingest.pattern import FilenamePattern, PathPattern, TimeAmbiguous, TimeNotFound, localize

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


@pytest.mark.parametrize(
    ("pattern", "rel", "start", "end"),
    [
        ("%Y-%m-%d/%H/cam/%M.%S", "2026-10-01/08/cam/05.09.mp4", datetime(2026, 10, 1, 8, 5, 9), None),
        ("%Y-%m-%d/%H/cam/%M.%S", "2026-10-01/08/cam/05.09", datetime(2026, 10, 1, 8, 5, 9), None),
        ("x_%Y%m%d%H%M%S%f", "x_20261001090000123.mp4", datetime(2026, 10, 1, 9, 0, 0, 123000), None),
        ("x_%Y%m%d%H%M%S%f", "x_202610010900001.mp4", datetime(2026, 10, 1, 9, 0, 0, 100000), None),
        ("x_%Y%m%d%H%M%S%f", "x_20261001090000123456789.mp4", datetime(2026, 10, 1, 9, 0, 0, 123456), None),
        (
            "ch01_%Y%m%d%H%M%S_%(end)Y%(end)m%(end)d%(end)H%(end)M%(end)S",
            "ch01_20261001090000_20261001091500.mp4",
            datetime(2026, 10, 1, 9, 0),
            datetime(2026, 10, 1, 9, 15),
        ),
        (  # an undated end is given on the start's date; the zone decides midnight or DST
            "%Y-%m-%d/%H/%H.%M.%S-%(end)H.%(end)M.%(end)S*",
            "2026-10-01/23/23.59.00-00.01.00[M][0@0][0].dav",
            datetime(2026, 10, 1, 23, 59),
            datetime(2026, 10, 1, 0, 1),
        ),
        ("cams/*/%Y%m%d_%H%M.mkv", "cams/anything here/20261001_0900.mkv", datetime(2026, 10, 1, 9, 0), None),
    ],
)
def test_path_pattern_reads_the_whole_path(
    pattern: str, rel: str, start: datetime, end: datetime | None
) -> None:
    times = PathPattern.compile(pattern).match(rel)
    assert times is not None and (times.start, times.end) == (start, end)


@pytest.mark.parametrize(
    ("pattern", "rel"),
    [
        ("%Y-%m-%d/%H/cam/%M.%S", "2026-10-01/08/other/05.09.mp4"),  # another camera's folder
        ("%Y-%m-%d/%H/cam/%M.%S", "2026-10-01/cam/05.09.mp4"),  # a folder short
        ("%Y-%m-%d/%H/%H.%M.%S", "2026-10-01/08/09.00.00.mp4"),  # the hour folder disagrees with the name
        ("cams/*/%Y%m%d_%H%M.mkv", "cams/a/b/20261001_0900.mkv"),  # * stays inside one folder
        ("cams/*/%Y%m%d_%H%M.mkv", "cams/a/20261001_0900.mp4"),  # the pattern names its extension
    ],
)
def test_path_pattern_refuses(pattern: str, rel: str) -> None:
    assert PathPattern.compile(pattern).match(rel) is None


def test_path_pattern_impossible_time() -> None:
    with pytest.raises(TimeNotFound, match="impossible"):
        PathPattern.compile("%Y-%m-%d/%H/%M.%S").match("2026-02-30/08/00.00.mp4")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("%Y-%m-%d/%M.%S", "missing %H"),
        ("%Y%m%d%H%M_%(end)H", "at least %(end)H and %(end)M"),
        ("%Y%m%d%H%M%q", "unsupported code %q"),
        ("%Y%m%d%H%M_%(end)q", "unsupported end code"),
        ("/abs/%Y%m%d%H%M", "relative to an archive root"),
        ("../%Y%m%d%H%M", "relative to an archive root"),
        ("a//%Y%m%d%H%M", "empty folder name"),
    ],
)
def test_path_pattern_compile_errors(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        PathPattern.compile(pattern)


def test_nearness_names_where_a_path_fails() -> None:
    pattern = PathPattern.compile("%Y-%m-%d/%H/cam/%M.%S")
    assert pattern.nearness("2026-10-01/08/other/05.09.mp4") == (2, 1, "'other' does not match 'cam'")
    assert pattern.nearness("2026-10-01/08/05.09.mp4")[2] == (
        "'05.09.mp4' does not match 'cam'; it is 2 folder(s) deep, the pattern 3"
    )
