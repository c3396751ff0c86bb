"""Reply deadlines (13.6): one calendar month, extensions capped at two more months."""

from __future__ import annotations

from datetime import date

import pytest

from cctvkit.errors import UsageError
from cctvkit.requests.deadlines import add_months, due_date, extended_due_date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 2, 28), date(2026, 3, 28)),
    ],
)
def test_due_one_calendar_month_later(received: date, due: date) -> None:
    assert due_date(received) == due


@pytest.mark.parametrize(
    ("already", "more", "due"),
    [
        (0, 1, date(2026, 3, 31)),  # counted from receipt: not 28 March
        (0, 2, date(2026, 4, 30)),
        (1, 1, date(2026, 4, 30)),
    ],
)
def test_extensions_count_from_receipt(already: int, more: int, due: date) -> None:
    assert extended_due_date(date(2026, 1, 31), already, more) == due


@pytest.mark.parametrize(("already", "more"), [(0, 3), (1, 2), (2, 1), (0, 0)])
def test_extensions_capped_at_two_months(already: int, more: int) -> None:
    with pytest.raises(UsageError):
        extended_due_date(date(2026, 1, 31), already, more)


def test_add_months_across_years() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
