"""The hash-chained audit log: a clean log verifies; each kind of tampering is found and named."""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.audit import record_hash, verify_chain, write_audit
from cctvkit.catalog import Catalog, open_catalog
from cctvkit.catalog.audit_store import insert_audit, iter_audit, last_audit
from cctvkit.cli.main import app
from cctvkit.config import load_config

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def logged(site: Path) -> Catalog:
    """A catalog whose audit log holds six records (seq 1..6)."""
    catalog = open_catalog(load_config(site).database_url)
    with catalog.write() as conn:
        for i in range(6):
            write_audit(
                conn, actor=f"op{i}", action="hold.add", object_kind="hold", object_id=i, camera_id="gate",
                details={"reason": f"case {i}"}, now=T0 + timedelta(minutes=i),
            )  # fmt: skip
    return catalog


def sql(*statements: str) -> Callable[[Catalog], None]:
    def tamper(catalog: Catalog) -> None:
        with catalog.engine.begin() as conn:
            for s in statements:
                conn.exec_driver_sql(s)

    return tamper


def insert_forged(catalog: Catalog) -> None:
    """Open a gap after record 3 and forge a well-hashed record 4 that links to record 3."""
    sql("UPDATE audit SET seq = -(seq + 1) WHERE seq > 3", "UPDATE audit SET seq = -seq WHERE seq < 0")(
        catalog
    )
    with catalog.write() as conn:
        third = next(r for r in iter_audit(conn) if r.seq == 3)
        values = {
            "seq": 4, "ts_utc": T0 + timedelta(minutes=3, seconds=30), "actor": "intruder",
            "action": "hold.release", "object_kind": "hold", "object_id": "1", "camera_id": "gate",
            "details": "{}", "prev_hash": third.hash,
        }  # fmt: skip
        values["hash"] = record_hash(**values)
        insert_audit(conn, values)


SWAP_3_4 = sql(
    "UPDATE audit SET seq = CASE seq WHEN 3 THEN -4 ELSE -3 END WHERE seq IN (3, 4)",
    "UPDATE audit SET seq = -seq WHERE seq < 0",
)


@pytest.mark.parametrize(
    ("tamper", "seq", "kind", "message"),
    [
        (sql("UPDATE audit SET details = '{}' WHERE seq = 2"), 2, "modified", "record 2 was modified"),
        (sql("UPDATE audit SET actor = 'op9' WHERE seq = 5"), 5, "modified", "record 5 was modified"),
        (sql("DELETE FROM audit WHERE seq = 3"), 4, "deleted", "record(s) 3 deleted before record 4"),
        (sql("DELETE FROM audit WHERE seq IN (2, 3)"), 4, "deleted", "record(s) 2-3 deleted before record 4"),
        # The forged record hashes correctly; the record after it (renumbered) cannot follow it.
        (insert_forged, 5, "inserted-or-reordered", "record 5 does not follow record 4"),
        (SWAP_3_4, 3, "modified", "record 3 was modified"),
    ],
)  # fmt: skip
def test_each_tampering_is_named(
    logged: Catalog, tamper: Callable[[Catalog], None], seq: int, kind: str, message: str
) -> None:
    with logged.read() as conn:
        assert verify_chain(iter_audit(conn)) == []
    tamper(logged)
    with logged.read() as conn:
        problems = verify_chain(iter_audit(conn))
    assert problems, "tampering went unnoticed"
    assert any((p.seq, p.kind) == (seq, kind) and message in p.message for p in problems), problems


def test_reordering_breaks_both_records(logged: Catalog) -> None:
    SWAP_3_4(logged)
    with logged.read() as conn:
        problems = verify_chain(iter_audit(conn))
    assert {p.seq for p in problems} >= {3, 4}


def test_cli_verify_clean_then_tampered(site: Path, logged: Catalog) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["-c", str(site), "audit", "verify", "--json"])
    assert result.exit_code == 0
    clean = json.loads(result.stdout)
    with logged.read() as conn:
        head = last_audit(conn)
    assert clean["ok"] and clean["head_seq"] == head.seq and clean["head_hash"] == head.hash
    sql("DELETE FROM audit WHERE seq = 2")(logged)
    result = runner.invoke(app, ["-c", str(site), "audit", "verify"])
    assert result.exit_code == 10
    assert "deleted" in result.stdout and "record(s) 2 deleted before record 3" in result.stderr


def test_records_carry_os_user_uid_and_key_and_old_records_still_verify(site: Path) -> None:
    """Issue 19: the OS identity rides in the hashed details, so a log written before it (no
    ``who``) and after verifies as one chain, and rewriting the identity is caught."""
    catalog = open_catalog(load_config(site).database_url)
    with catalog.write() as conn:
        old = {
            "seq": 1, "ts_utc": T0, "actor": "op0", "action": "hold.add", "object_kind": "hold",
            "object_id": "1", "camera_id": "gate", "details": '{"reason":"case 0"}', "prev_hash": "0" * 64,
        }  # fmt: skip
        old["hash"] = record_hash(**old)
        insert_audit(conn, old)  # as cctvkit wrote it before issue 19
        write_audit(conn, actor="op1", action="hold.add", object_kind="hold", object_id=2, now=T0)
        write_audit(
            conn, actor="k.jones", action="request.approve", object_kind="request", object_id="R-2026-0001",
            key_fingerprint="SHA256:abc", now=T0,
        )  # fmt: skip
        assert verify_chain(iter_audit(conn)) == []
    catalog.dispose()
    me = pwd.getpwuid(os.getuid()).pw_name
    result = CliRunner().invoke(app, ["-c", str(site), "audit", "ls", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["os_user"], r["uid"], r["key_fingerprint"]) for r in rows] == [
        (None, None, None),
        (me, os.getuid(), None),
        (me, os.getuid(), "SHA256:abc"),
    ]
    result = CliRunner().invoke(app, ["-c", str(site), "audit", "ls"], env={"COLUMNS": "200"})
    assert f"{me} ({os.getuid()})" in result.stdout and "SHA256:abc" in result.stdout
    forged = f"replace(details, '\"uid\":{os.getuid()}', '\"uid\":4242')"
    sql(f"UPDATE audit SET details = {forged} WHERE seq = 3")(catalog)
    with catalog.read() as conn:
        assert [p.seq for p in verify_chain(iter_audit(conn))] == [3]
    with catalog.write() as conn, pytest.raises(ValueError, match="reserved"):
        write_audit(conn, actor="x", action="a", object_kind="k", details={"who": "forged"})
