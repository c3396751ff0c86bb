"""A scan that runs while a purge deletes: the purge's record (``purged``) is never overwritten.

The scan is a real ``cctvkit index scan`` process that stops itself at a fault point (after reading
its snapshot of the catalog, or after walking the disk); a real purge runs to the end meanwhile; then
the scan continues with its stale view.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cctvkit.audit import verify_chain
from cctvkit.catalog import open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.audit_store import iter_audit, list_audit
from cctvkit.config import load_config
from tests.reliability.conftest import cli, footage_aged, resume, spawn, wait_stopped

SCAN_STOP_POINTS = ["snapshot", "walked"]
"""After reading the catalog's view of the archive; after walking the disk (before probing)."""


@pytest.mark.parametrize("point", SCAN_STOP_POINTS)
def test_scan_racing_a_purge_never_turns_purged_into_missing(site: Path, point: str) -> None:
    due = footage_aged(site, "gate", days=40, count=3)
    fresh = footage_aged(site, "gate", days=2, count=2)
    assert cli(site, "index", "scan")[0] == 0
    if point == "walked":
        for path in due:  # changed since indexing: the scan will re-probe them after its walk
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))

    scan = spawn(site, "index", "scan", fault=f"scan:{point}:1:stop")
    wait_stopped(scan)
    code, out, err = cli(site, "purge")
    assert code == 0, err
    assert out.startswith("purge: deleted 3 "), out
    code, out, err = resume(scan)
    assert code == 0, err  # before the fix: a traceback (file gone under the probe) or exit 0 with damage

    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    try:
        with catalog.read() as conn:
            rows = {Path(r.path).name: r for r in rq.list_recordings(conn)}
            missing_records = [a for a in list_audit(conn) if a.action == "index.missing"]
            assert verify_chain(iter_audit(conn)) == []
    finally:
        catalog.dispose()
    assert {rows[p.name].state for p in due} == {"purged"}
    assert {rows[p.name].state for p in fresh} == {"present"}
    assert all(p.exists() for p in fresh)
    assert missing_records == []
