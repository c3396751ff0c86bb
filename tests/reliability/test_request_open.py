"""Opening a request and holding its windows is one transaction: a kill at any point leaves all or nothing."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from cctvkit.audit import verify_chain
from cctvkit.catalog import holds as hq
from cctvkit.catalog import open_catalog
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.audit_store import iter_audit
from cctvkit.config import load_config
from tests.reliability.conftest import cli, spawn

WINDOWS = ["--window", "gate@2026-10-01T10:00/10:05", "--window", "hall@2026-10-01T11:00/11:05"]
KILL_POINTS = ["opened:1", "held:1", "held:2"]
"""After the request row, after the first hold, after the second (still before the commit)."""


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_while_opening_leaves_no_request_without_its_holds(site: Path, point: str) -> None:
    args = ["request", "new", "--requester", "Alex Doe", "--received", "2026-10-02", *WINDOWS]
    proc = spawn(site, *args, fault=f"request:{point}")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    code, _out, err = cli(site, *args)
    assert code == 0, err

    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    try:
        with catalog.read() as conn:
            requests = reqq.list_requests(conn)
            holds = hq.list_holds(conn)
            assert verify_chain(iter_audit(conn)) == []
    finally:
        catalog.dispose()
    # Only the second run's request exists, with both holds; the killed run left nothing.
    assert len(requests) == 1 and requests[0].id.endswith("-0001")
    assert sorted(h.request_id for h in holds) == [requests[0].id] * 2
