"""Lists staff work from: open requests by due date, overdue ones (13.6), releases, the disclosure log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from cctvkit.catalog import releases as relq
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Disclosure, Release, Request
from cctvkit.errors import UsageError
from cctvkit.states import RequestStatus

__all__ = ["list_disclosures", "list_releases", "list_requests"]


def list_requests(
    catalog: Catalog,
    *,
    today: date,
    include_closed: bool = False,
    overdue: bool = False,
    due_within_days: int | None = None,
) -> list[Request]:
    """Requests ordered by due date.

    Args:
        catalog: the open catalog.
        today: the date in the site's timezone.
        include_closed: also closed requests.
        overdue: only open, unanswered requests whose due date has passed.
        due_within_days: only open, unanswered requests due within this many days (overdue too).

    Raises:
        UsageError: a negative ``due_within_days``.
    """
    if due_within_days is not None and due_within_days < 0:
        raise UsageError("--due-within must be zero or more days")
    open_only = not include_closed or overdue or due_within_days is not None
    statuses = [RequestStatus.OPEN] if open_only else None
    due_before = None
    if overdue:
        due_before = today
    elif due_within_days is not None:
        due_before = today + timedelta(days=due_within_days + 1)
    with catalog.read() as conn:
        return reqq.list_requests(
            conn,
            statuses=statuses,
            due_before=due_before,
            unanswered=overdue or due_within_days is not None,
        )


def list_releases(catalog: Catalog, request_id: str | None = None) -> list[Release]:
    with catalog.read() as conn:
        return relq.list_releases(conn, request_id)


def list_disclosures(
    catalog: Catalog,
    *,
    request_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Disclosure]:
    """The disclosure log (who received what, when, why, on which basis), oldest first."""
    with catalog.read() as conn:
        return relq.list_disclosures(conn, request_id=request_id, since=since, until=until)
