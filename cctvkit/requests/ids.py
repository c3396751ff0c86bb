"""Request and release ids: generated, and validated so they can never name a path outside a directory."""

from __future__ import annotations

import re

from cctvkit.errors import UsageError

__all__ = ["format_request_id", "release_id", "request_id_prefix", "validate_request_id"]

_REQUEST_ID = re.compile(r"^R-(\d{4})-(\d{4,6})$")
_RELEASE_ID = re.compile(r"^R-\d{4}-\d{4,6}-r\d{1,3}$")


def request_id_prefix(year: int) -> str:
    """The prefix of the year's ids (``R-2026-``)."""
    return f"R-{year:04d}-"


def format_request_id(year: int, number: int) -> str:
    """The id of the year's ``number``-th request (``R-2026-0001``)."""
    if not 1 <= number <= 999_999:
        raise UsageError(f"request number {number} out of range")
    return f"{request_id_prefix(year)}{number:04d}"


def validate_request_id(value: str) -> str:
    """Return ``value`` if it is a well-formed request id.

    Only ``R-YYYY-NNNN`` passes, so an id used in a file name cannot hold ``/``, ``..`` or anything
    else that would escape the release or work directory.

    Raises:
        UsageError: the value is not a request id.
    """
    if not isinstance(value, str) or not _REQUEST_ID.fullmatch(value):
        raise UsageError(f"{value!r} is not a request id (expected R-YYYY-NNNN, e.g. R-2026-0001)")
    return value


def release_id(request_id: str, number: int) -> str:
    """The id (and directory name) of a request's ``number``-th release (``R-2026-0001-r1``)."""
    rid = f"{validate_request_id(request_id)}-r{number}"
    if not _RELEASE_ID.fullmatch(rid):
        raise UsageError(f"release number {number} out of range")
    return rid
