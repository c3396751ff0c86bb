"""Roles by OS user and group (issue 19): refused commands exit 7 and are audited; no section, no roles."""

from __future__ import annotations

import grp
import json
import os
import pwd
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.access import COMMAND_ROLES, has_role
from cctvkit.cli.main import app
from cctvkit.config import AccessSection
from cctvkit.os_account import OsIdentity, current_identity

runner = CliRunner()
ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


def with_access(site: Path, **roles: list[str]) -> Path:
    lines = ["", "[access]"] + [f"{role} = {json.dumps(roles.get(role, ['*']))}" for role in
                                ("purge", "review", "release", "approve", "admin")]  # fmt: skip
    with site.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return site


def test_identity_comes_from_the_uid_not_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "somebody-else")
    monkeypatch.setenv("LOGNAME", "somebody-else")
    current_identity.cache_clear()
    who = current_identity()
    assert (who.user, who.uid) == (ME, os.getuid()) and MY_GROUP in who.groups


@pytest.mark.parametrize(
    ("members", "allowed"),
    [
        (["*"], True),
        (["alice", "bob"], False),
        (["alice", ME], True),
        (["group:cctv-staff"], False),
        (["group:cctv-staff", "group:wheel"], True),
        ([], False),
    ],
)
def test_has_role(members: list[str], allowed: bool) -> None:
    access = AccessSection(purge=members, review=[], release=[], approve=[], admin=[])
    who = OsIdentity(ME, 1000, ("users", "wheel"))
    assert has_role(access, "purge", who) is allowed


def test_role_refusal_exits_7_and_is_audited(site: Path) -> None:
    with_access(site, admin=["group:no-such-group-here", "alice"])
    code, _out, err = run(site, "index", "scan")
    assert code == 7 and "`cctvkit index scan` needs the admin role" in err
    assert f"OS user {ME} (uid {os.getuid()})" in err and "Traceback" not in err
    code, out, err = run(site, "audit", "ls", "--action", "access.refuse", "--json")
    assert code == 0, err
    (refusal,) = json.loads(out)
    assert refusal["object_id"] == "index scan" and refusal["details"]["role"] == "admin"
    assert refusal["os_user"] == ME and refusal["uid"] == os.getuid() and refusal["actor"] == "j.smith"
    code, _out, _err = run(site, "status")  # reading needs no role
    assert code == 0


def test_role_granted_by_user_or_group(site: Path) -> None:
    with_access(site, admin=["alice", f"group:{MY_GROUP}"], purge=[ME])
    code, _out, err = run(site, "index", "scan")
    assert code == 0, err
    code, _out, err = run(site, "purge", "--dry-run")
    assert code == 0, err


def test_without_an_access_section_every_command_runs(site: Path) -> None:
    code, _out, err = run(site, "index", "scan")
    assert code == 0, err


def test_access_section_must_name_every_role_and_valid_members(site: Path) -> None:
    text = site.read_text()
    site.write_text(text + '\n[access]\npurge = ["cron"]\n')
    code, _out, err = run(site, "status")
    assert code == 3 and "access.review: required but missing" in err
    site.write_text(text)
    with_access(site, review=["two words"])
    code, _out, err = run(site, "status")
    assert code == 3 and "'two words' is not an OS user, group:NAME or *" in err


def test_every_guarded_command_exists() -> None:
    """The role table names real commands (a renamed command must not fall out of its role)."""
    for command in COMMAND_ROLES:
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0, command
