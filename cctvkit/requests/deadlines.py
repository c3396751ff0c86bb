"""Reply deadlines (policy 13.6): one calendar month from receipt, extendable by two more months."""

from __future__ import annotations

import calendar
from datetime import date

from cctvkit.errors import UsageError

__all__ = ["MAX_EXTENSION_MONTHS", "REPLY_MONTHS", "add_months", "due_date", "extended_due_date"]

REPLY_MONTHS = 1
"""13.6: the reply is due no later than one month after receipt."""

MAX_EXTENSION_MONTHS = 2
"""13.6: the period may be extended by (at most) two further months, in total."""


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the end of a shorter month.

    31 January plus one month is 28 February (29 in a leap year): the same day number where the
    month has it, else the month's last day (the usual reading of "one month" in GDPR guidance).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def due_date(received_on: date) -> date:
    """The reply deadline of a request received on ``received_on``."""
    return add_months(received_on, REPLY_MONTHS)


def extended_due_date(received_on: date, already_months: int, more_months: int) -> date:
    """The deadline after extending by ``more_months`` on top of ``already_months``.

    Counted from the receipt date (not from the previous deadline), so 31 January extended by one
    month is 31 March, not 28 March.

    Raises:
        UsageError: ``more_months`` is not positive, or the total would pass the two-month cap.
    """
    if more_months < 1:
        raise UsageError("an extension is at least one month")
    total = already_months + more_months
    if total > MAX_EXTENSION_MONTHS:
        left = MAX_EXTENSION_MONTHS - already_months
        raise UsageError(
            f"extensions are capped at {MAX_EXTENSION_MONTHS} months in total (13.6); "
            f"{already_months} already granted, at most {left} more"
        )
    return add_months(received_on, REPLY_MONTHS + total)
