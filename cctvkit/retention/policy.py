"""The retention rule (policy 12.5): a recording is due once its start is older than its period."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["retention_cutoff"]


def retention_cutoff(now_utc: datetime, retention_days: int) -> datetime:
    """Recordings that *start* before this instant are due for deletion.

    Counting from the start (not the end) means no frame is ever kept past the period. Periods are
    exact 24-hour days in UTC, so a DST change in the site's zone neither shortens nor lengthens them.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    return now_utc - timedelta(days=retention_days)
