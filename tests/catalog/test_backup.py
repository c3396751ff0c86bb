"""`cctvkit backup` copies a consistent catalog while a writer keeps writing."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from cctvkit.audit import verify_chain, write_audit
from cctvkit.catalog import open_catalog
from cctvkit.catalog.records import AuditRecord
from cctvkit.cli.main import app
from cctvkit.config import load_config

runner = CliRunner()


def test_backup_while_writing(site: Path, tmp_path: Path) -> None:
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 2000:
            with catalog.write() as conn:
                write_audit(conn, actor="writer", action="test.write", object_kind="test", object_id=n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        dests = []
        for i in range(3):
            dest = tmp_path / f"backup-{i}.bin"
            result = runner.invoke(
                app, ["-c", str(site), "backup", str(dest), "--json"], env={"CCTVKIT_OPERATOR": "tester"}
            )
            assert result.exit_code == 0, result.stderr
            dests.append(dest)
    finally:
        stop.set()
        thread.join()
    for dest in dests:
        assert dest.stat().st_mode & 0o077 == 0
        records = _audit_rows(dest)
        assert len(records) > 0
        assert verify_chain(records) == []  # a consistent snapshot: the chain is whole


def _audit_rows(dest: Path) -> list[AuditRecord]:
    def ts(value: str) -> datetime:
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    if dest.read_bytes()[:2] == b"\x1f\x8b":
        with gzip.open(dest, "rt") as fh:
            rows = [json.loads(line) for line in fh]
        audit = [r["row"] for r in rows if r["table"] == "audit"]
    else:
        con = sqlite3.connect(dest)
        con.row_factory = sqlite3.Row
        audit = [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY seq")]
        con.close()
    audit.sort(key=lambda r: r["seq"])
    return [AuditRecord(**{**r, "ts_utc": ts(str(r["ts_utc"]))}) for r in audit]


def test_backup_refuses_to_overwrite(site: Path, tmp_path: Path) -> None:
    dest = tmp_path / "exists.db"
    dest.write_bytes(b"keep me")
    result = runner.invoke(app, ["-c", str(site), "backup", str(dest)], env={"CCTVKIT_OPERATOR": "t"})
    assert result.exit_code == 13 and "exists" in result.stderr
    assert dest.read_bytes() == b"keep me"


def test_a_library_backup_is_audited(site: Path, tmp_path: Path) -> None:
    from cctvkit.audit_log import check_audit_log, list_audit_records
    from cctvkit.backup import back_up

    catalog = open_catalog(load_config(site).database_url)
    done = back_up(catalog, tmp_path / "lib.bak", actor="scheduler")
    (record,) = list_audit_records(catalog, actions=["catalog.backup"])
    assert record.actor == "scheduler"
    assert json.loads(record.details)["sha256"] == done.sha256
    assert check_audit_log(catalog).ok
