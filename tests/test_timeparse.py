"""Wall-clock times a user types: exact, or refused with the offsets to choose from (never guessed)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cctvkit.errors import UsageError
from cctvkit.timeparse import local_date, parse_local, parse_optional

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-01T14:00", datetime(2026, 10, 1, 13, 0, tzinfo=UTC)),  # BST
        ("2026-12-01T14:00", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),  # GMT
        ("2026-10-01", datetime(2026, 9, 30, 23, 0, tzinfo=UTC)),  # a date is its local midnight
        ("2026-10-25T00:30", datetime(2026, 10, 24, 23, 30, tzinfo=UTC)),  # before the repeated hour
        ("2026-10-25T01:30+01:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 01:30
        ("2026-10-25T01:30+00:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # second 01:30
        ("2026-10-25T01:30Z", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        (" 2026-10-25T02:30 ", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_parses_to_utc(text: str, expected: datetime) -> None:
    parsed = parse_local(text, LONDON, what="--from")
    assert parsed == expected and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2026-10-25T01:30",
            "--to: '2026-10-25T01:30' occurs twice (DST fall-back) in Europe/London; give the UTC offset, "
            "e.g. 2026-10-25T01:30:00+01:00 or 2026-10-25T01:30:00+00:00",
        ),
        (
            "2026-03-29T01:30",
            "--to: '2026-03-29T01:30' does not exist (the clocks skip it: DST gap) in Europe/London; "
            "give the UTC offset, e.g. 2026-03-29T01:30:00+00:00 or 2026-03-29T01:30:00+01:00",
        ),
        ("yesterday", "--to: 'yesterday' is not an ISO date or date-time (e.g. 2026-10-01T14:00)"),
    ],
)
def test_refuses_with_the_offsets_to_give(text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_local(text, LONDON, what="--to")
    assert str(err.value) == message


def test_time_of_day_falls_on_the_local_date_of_its_start() -> None:
    # 00:30 BST on 1 October is 23:30 UTC on 30 September: a bare end time is on the local date.
    start = parse_local("2026-10-01T00:30", LONDON, what="window start")
    end = parse_local("00:45", LONDON, what="window end", day_of=start)
    assert end == datetime(2026, 9, 30, 23, 45, tzinfo=UTC)
    with pytest.raises(UsageError, match="not an ISO date-time or time of day"):
        parse_local("25:00", LONDON, what="window end", day_of=start)


def test_optional_and_dates() -> None:
    assert parse_optional(None, LONDON, what="--since") is None
    assert local_date("2026-10-01", what="--received").isoformat() == "2026-10-01"
    with pytest.raises(UsageError, match="--received: '1 Oct' is not a date"):
        local_date("1 Oct", what="--received")
