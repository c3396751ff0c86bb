"""Every state and outcome the catalog records, in one place.

``StrEnum`` members are ``str`` and equal to their values, so the catalog stores the same strings it
always did (no migration) and rows read back as plain strings compare equal to the members. The
tuples hold the plain values, for SQL ``IN`` lists, messages and ``--state`` choices.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FOOTAGE_STATES",
    "JOURNAL_STATES",
    "OPEN_JOURNAL_STATES",
    "RECORDING_STATES",
    "RELEASE_OUTCOMES",
    "SCANNED_STATES",
    "JournalState",
    "RecordingState",
    "RequestOutcome",
    "RequestStatus",
]


class RecordingState(StrEnum):
    """What became of one file of the archive (``recordings.state``)."""

    PRESENT = "present"
    DAMAGED = "damaged"
    MISSING = "missing"
    QUARANTINED = "quarantined"
    PURGED = "purged"


RECORDING_STATES: tuple[str, ...] = tuple(s.value for s in RecordingState)
"""Every state a recording can be in (``index ls --state``)."""

FOOTAGE_STATES: tuple[str, ...] = (RecordingState.PRESENT.value, RecordingState.DAMAGED.value)
"""Files holding dated footage: under retention, holds and requests. A damaged file's span is what
decodes before the damage (issue 14); it is still footage and kept or purged like any other."""

SCANNED_STATES: tuple[str, ...] = (*FOOTAGE_STATES, RecordingState.QUARANTINED.value)
"""States a scan may change: a file it indexed. Purged and missing rows belong to the purge's record."""


class JournalState(StrEnum):
    """Where one planned deletion of a purge stands (``purge_journal.state``)."""

    PLANNED = "planned"
    DELETING = "deleting"
    PURGED = "purged"
    MISSING = "missing"
    """The file was already gone before this purge came to delete it."""
    FAILED = "failed"
    CANCELLED = "cancelled"


JOURNAL_STATES: tuple[str, ...] = tuple(s.value for s in JournalState)

OPEN_JOURNAL_STATES: tuple[str, ...] = (JournalState.PLANNED.value, JournalState.DELETING.value)
"""States a killed run may leave behind; the next run finishes them first."""


class RequestStatus(StrEnum):
    """Whether a request is still being worked (``requests.status``)."""

    OPEN = "open"
    CLOSED = "closed"


class RequestOutcome(StrEnum):
    """How a request ended (``requests.outcome``); a release records one of the first two."""

    RELEASED = "released"
    PARTIAL = "partial"
    """Released with some footage withheld."""
    REFUSED = "refused"


RELEASE_OUTCOMES: tuple[str, ...] = (RequestOutcome.RELEASED.value, RequestOutcome.PARTIAL.value)
"""Outcomes a release records (``releases.outcome``)."""
