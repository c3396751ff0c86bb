"""Wall-clock times a user types (holds, windows, listings, audit filters), to aware UTC, never guessed."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from cctvkit.errors import UsageError
from cctvkit.ingest.pattern import TimeAmbiguous, localize

__all__ = ["local_date", "parse_local", "parse_optional"]

_EXAMPLE = "e.g. 2026-10-01T14:00"


def _offset(moment: datetime) -> str:
    """``+01:00`` for an aware datetime's UTC offset."""
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def _refusal(what: str, text: str, naive: datetime, tz: ZoneInfo) -> UsageError:
    early, late = (naive.replace(tzinfo=tz, fold=f) for f in (0, 1))
    skipped = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive
    why = "does not exist (the clocks skip it: DST gap)" if skipped else "occurs twice (DST fall-back)"
    # The zone's offsets either side of the change: one of them is the instant the user meant.
    stamp = f"{naive:%Y-%m-%dT%H:%M:%S}"
    choices = " or ".join(f"{stamp}{o}" for o in dict.fromkeys(map(_offset, (early, late))))
    return UsageError(f"{what}: {text!r} {why} in {tz.key}; give the UTC offset, e.g. {choices}")


def parse_local(text: str, tz: ZoneInfo, *, what: str, day_of: datetime | None = None) -> datetime:
    """Parse an ISO date, date-time or (with ``day_of``) time of day typed in ``tz``, to aware UTC.

    A value with an offset (``+01:00``, ``Z``) is taken as given. A naive one is wall-clock time
    in ``tz``; one that the DST change repeats or skips is refused with the offsets to choose from:
    taking the first of two instants silently left the repeated hour out of a hold (issue 18) and
    of a release (issue 7). A bare date is its midnight.

    Args:
        text: what the user typed.
        tz: the zone naive values are in (the site's).
        what: how the error names the value (``--from``, ``window start``).
        day_of: for a bare time of day (``09:00:10``), the local date it falls on.

    Raises:
        UsageError: not a date/time, or DST-ambiguous or non-existent in ``tz``.
    """
    text = text.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        if day_of is not None:
            with suppress(ValueError):
                parsed = datetime.combine(day_of.astimezone(tz).date(), time.fromisoformat(text))
        if parsed is None:
            hint = "ISO date-time or time of day" if day_of is not None else "ISO date or date-time"
            raise UsageError(f"{what}: {text!r} is not an {hint} ({_EXAMPLE})") from None
    assert parsed is not None  # for mypy: both branches above set it or raise
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    try:
        return localize(parsed, tz)
    except TimeAmbiguous:
        raise _refusal(what, text, parsed, tz) from None


def parse_optional(text: str | None, tz: ZoneInfo, *, what: str) -> datetime | None:
    """:func:`parse_local` for an optional value (``None`` stays ``None``)."""
    return None if text is None else parse_local(text, tz, what=what)


def local_date(text: str, *, what: str) -> date:
    """An ISO calendar date (``YYYY-MM-DD``).

    Raises:
        UsageError: not a date.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None
