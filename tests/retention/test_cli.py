"""The retention commands as an operator (and cron) meets them: exit codes, messages, JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.errors import (
    AuditError,
    ConfigError,
    LockedError,
    NotFoundError,
    PartialFailureError,
    UsageError,
)
from cctvkit.retention import purge_lock
from tests.retention.conftest import Archive, assert_catalog_matches_disk

runner = CliRunner()
NOW = datetime.now(UTC)
DAY = timedelta(days=1)


@contextmanager
def undeletable(path: Path) -> Iterator[None]:
    """Make ``path`` impossible to unlink: a read-only directory, or (as root) the immutable flag."""
    if os.geteuid() != 0:
        path.parent.chmod(0o500)
        try:
            yield
        finally:
            path.parent.chmod(0o700)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], check=False).returncode:
        pytest.skip("running as root without chattr: nothing stops an unlink")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def run(arch: Archive, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(arch.config.source), *args], env={"CCTVKIT_OPERATOR": "tester"})
    return result.exit_code, result.stdout, result.stderr


def test_purge_dry_run_then_real_run(arch: Archive) -> None:
    old = arch.add("gate", NOW - 40 * DAY)
    arch.add("gate", NOW - 2 * DAY)
    code, out, err = run(arch, "purge", "--dry-run", "--list-purged", "--list-kept")
    assert code == 0, err
    assert "would delete" in out and "kept 1 recording(s) of gate: in retention" in out
    assert arch.exists(old)
    code, out, err = run(arch, "purge", "--json", "--list-purged")
    assert code == 0, err
    result = json.loads(out)
    assert result["deleted"] == 1 and result["purge"][0]["recording_id"] == old
    assert result["summary"].startswith("purge: deleted 1")
    code, out, _ = run(arch, "purge")
    assert code == 0 and out.startswith("purge: deleted 0") and out.count("\n") == 1  # one line for cron
    assert_catalog_matches_disk(arch)


def test_purge_exit_codes(arch: Archive, tmp_path: Path) -> None:
    arch.add("gate", NOW - 40 * DAY)
    with purge_lock(arch.config, arch.catalog):  # the lock this site's purges share (file or advisory)
        code, _, err = run(arch, "purge")
    assert code == LockedError.exit_code == 8
    assert re.search(r"another purge is running \((server )?pid \d+", err) and "this run did nothing" in err

    stuck = arch.root / "gate" / "ro" / "x.mp4"
    stuck.parent.mkdir()
    stuck.write_bytes(b"x")
    rid = arch.insert(stuck, "gate", NOW - 40 * DAY)
    with undeletable(stuck):
        code, out, err = run(arch, "purge")
    assert code == PartialFailureError.exit_code == 9
    assert "1 deletion(s) failed" in err and "1 failed" in out
    assert arch.state_of(rid) == "present"

    bad = tmp_path / "nowhere.toml"
    result = runner.invoke(app, ["-c", str(bad), "purge"])
    assert result.exit_code == ConfigError.exit_code and "config file not found" in result.stderr


def test_hold_add_ls_release(arch: Archive) -> None:
    rid = arch.add("gate", NOW - 40 * DAY)
    day = (NOW - 40 * DAY).astimezone(arch.config.tz).date()
    code, out, err = run(
        arch, "hold", "add", "--camera", "gate", "--from", f"{day}T00:00", "--to", f"{day + DAY}T00:00",
        "--reason", "police investigation", "--reference", "CASE-42", "--json",
    )  # fmt: skip
    assert code == 0, err
    hold = json.loads(out)
    assert hold["cameras"] == ["gate"] and hold["reference"] == "CASE-42" and hold["ends_at"] is None
    code, out, _ = run(arch, "purge", "--list-kept")
    assert code == 0 and f"held by #{hold['id']} (CASE-42" in out and arch.exists(rid)
    code, out, _ = run(arch, "hold", "ls", "--json")
    assert [h["id"] for h in json.loads(out)] == [hold["id"]]
    code, _, err = run(arch, "hold", "release", str(hold["id"]))
    assert code == 2 and "--reason" in err
    code, out, _ = run(arch, "hold", "release", str(hold["id"]), "--reason", "case closed")
    assert code == 0 and "released" in out
    assert json.loads(run(arch, "hold", "ls", "--json")[1]) == []
    assert json.loads(run(arch, "hold", "ls", "--all", "--json")[1])[0]["release_reason"] == "case closed"
    assert run(arch, "purge")[0] == 0 and not arch.exists(rid)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--camera", "nope"], NotFoundError.exit_code, "unknown camera 'nope'"),
        (["--place", "Roof"], NotFoundError.exit_code, "no camera watches place 'Roof'"),
        (["--camera", "gate", "--place", "Gate"], UsageError.exit_code, "not both"),
        ([], UsageError.exit_code, "--camera (repeatable) or by --place"),
        (["--camera", "gate", "--reference", " "], UsageError.exit_code, "needs a reference"),
        (["--camera", "gate", "--to", "2026-01-01"], UsageError.exit_code, "--to must be after --from"),
        (["--camera", "gate", "--until", "2001-01-01"], UsageError.exit_code, "--until is in the past"),
        (["--camera", "gate", "--from", "yesterday"], UsageError.exit_code, "not an ISO date"),
        # issue 28: a hold for a request that does not exist (or is not even an id) was stored
        (["--camera", "gate", "--request", "../../etc"], UsageError.exit_code, "is not a request id"),
        (["--camera", "gate", "--request", "R-2026-0042"], NotFoundError.exit_code, "no request R-2026-0042"),
    ],
)
def test_hold_add_refusals(arch: Archive, args: list[str], code: int, message: str) -> None:
    base = {"--from": "2026-01-01", "--to": "2026-01-02", "--reason": "claim", "--reference": "INS-1"}
    for key in args[::2]:
        base.pop(key, None)
    extra = [x for k, v in base.items() for x in (k, v)]
    got, _, err = run(arch, "hold", "add", *args, *extra)
    assert got == code, err
    assert message in err


def test_restrict_add_lift_ls(arch: Archive) -> None:
    rid = arch.add("gate", NOW - 3 * DAY)
    code, out, err = run(arch, "restrict", "add", str(rid), "--reason", "subject objects (R-7)", "--json")
    assert code == 0, err
    res = json.loads(out)
    code, _, err = run(arch, "restrict", "add", str(rid), "--reason", "again")
    assert code == 13 and "already restricted" in err
    assert run(arch, "restrict", "add", "999999", "--reason", "x")[0] == NotFoundError.exit_code
    assert [r["recording_id"] for r in json.loads(run(arch, "restrict", "ls", "--json")[1])] == [rid]
    code, out, _ = run(arch, "restrict", "lift", str(res["id"]), "--reason", "objection withdrawn")
    assert code == 0 and "lifted" in out
    assert json.loads(run(arch, "restrict", "ls", "--json")[1]) == []
    code, out, _ = run(
        arch, "audit", "ls", "--action", "restriction.add", "--action", "restriction.lift", "--json"
    )
    recs = json.loads(out)
    assert [r["action"] for r in recs] == ["restriction.add", "restriction.lift"]
    assert recs[1]["details"]["reason"] == "objection withdrawn" and recs[1]["actor"] == "tester"


def test_audit_verify_and_ls_filters(arch: Archive) -> None:
    arch.add("gate", NOW - 40 * DAY)
    arch.add("hall", NOW - 40 * DAY)
    assert run(arch, "purge")[0] == 0
    code, out, _ = run(arch, "audit", "verify")
    assert code == 0 and out.startswith("audit log verifies:")
    code, out, _ = run(arch, "audit", "ls", "--action", "purge.delete", "--camera", "hall", "--json")
    assert [r["camera_id"] for r in json.loads(out)] == ["hall"]
    future = (NOW + DAY).isoformat()
    assert json.loads(run(arch, "audit", "ls", "--since", future, "--json")[1]) == []
    code, out, _ = run(arch, "audit", "ls", "--kind", "purge", "--json")
    assert {r["action"] for r in json.loads(out)} == {"purge.plan", "purge.run"}
    # Tamper with one record through the database itself: verify names it and exits 10.
    with arch.catalog.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit SET actor = 'someone else' WHERE seq = 3")
    code, out, err = run(arch, "audit", "verify", "--json")
    assert code == AuditError.exit_code == 10
    result = json.loads(out)
    assert result["ok"] is False and result["problems"][0]["seq"] == 3
    assert "record 3 was modified" in err
