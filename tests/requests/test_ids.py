"""Request ids are generated in one shape and nothing else passes, so they never escape a directory."""

from __future__ import annotations

import pytest

from cctvkit.errors import UsageError
from cctvkit.requests.ids import format_request_id, release_id, validate_request_id


def test_format_and_validate() -> None:
    rid = format_request_id(2026, 7)
    assert rid == "R-2026-0007"
    assert validate_request_id(rid) == rid
    assert release_id(rid, 2) == "R-2026-0007-r2"


@pytest.mark.parametrize(
    "bad", ["", "R-2026-1", "../R-2026-0001", "R-2026-0001/..", "R-2026-0001\n", "r-2026-0001", "R-2026-00a1"]
)
def test_bad_ids_refused(bad: str) -> None:
    with pytest.raises(UsageError):
        validate_request_id(bad)
