"""Dual control of unredacted police copies (issue 19): signed approvals, real keys, the real CLI."""

from __future__ import annotations

import base64
import json
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update
from typer.testing import CliRunner

from cctvkit.catalog import open_catalog
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.schema import request_approval_signatures, request_approvals
from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError
from cctvkit.keys import create_key, unlock_key
from cctvkit.requests.approval import check_manifest_approval, claim_approval
from tests.conftest import write_tiny_video

runner = CliRunner()
WINDOW = "gate@2026-10-01T10:00:01/10:00:03"
PASSPHRASE = "a long personal passphrase"


@dataclass
class Person:
    """Someone at the site: an operator name and their own key directory."""

    operator: str
    key_dir: Path

    def env(self) -> dict[str, str]:
        return {
            "CCTVKIT_OPERATOR": self.operator,
            "CCTVKIT_KEY_DIR": str(self.key_dir),
            "CCTVKIT_KEY_PASSPHRASE": PASSPHRASE,
        }


@dataclass
class DualSite:
    config: Path
    jones: Person  # a listed approver
    smith: Person  # the operator who makes the copy

    def run(self, who: Person, *args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["-c", str(self.config), *args], env=who.env())
        return result.exit_code, result.stdout, result.stderr

    def new_key(self, who: Person, name: str) -> dict:
        code, out, err = self.run(who, "key", "new", name, "--json")
        assert code == 0, err
        return json.loads(out)

    def list_approver(self, name: str, public_key: str, user: str | None = None) -> None:
        line = f'\n[[approvers]]\nname = "{name}"\npublic_key = "{public_key}"\n'
        if user:
            line += f'user = "{user}"\n'
        with self.config.open("a", encoding="utf-8") as fh:
            fh.write(line)

    def police_request(self) -> str:
        code, out, err = self.run(
            self.smith,
            "request",
            "new",
            "--type",
            "police",
            "--requester",
            "Metropolitan Police",
            "--police-reference",
            "CAD 1234/26",
            "--window",
            WINDOW,
            "--json",
        )
        assert code == 0, err
        return json.loads(out)["id"]

    def audit(self) -> list[dict]:
        code, out, err = self.run(self.smith, "audit", "ls", "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def dual(site: Path, tmp_path: Path) -> DualSite:
    root = site.parent / "archive"
    write_tiny_video(root / "gate" / "gate_20261001_100000.mp4", seconds=2)
    write_tiny_video(root / "gate" / "gate_20261001_100002.mp4", seconds=2)
    d = DualSite(site, Person("k.jones", tmp_path / "home-jones"), Person("j.smith", tmp_path / "home-smith"))
    code, _out, err = d.run(d.smith, "index", "scan")
    assert code == 0, err
    return d


def _me() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def test_key_new_writes_a_private_encrypted_key(dual: DualSite) -> None:
    code, out, err = dual.run(dual.jones, "key", "new", "K. Jones")
    assert code == 0, err
    path = dual.jones.key_dir / "k-jones.key"
    assert path.stat().st_mode & 0o777 == 0o600 and dual.jones.key_dir.stat().st_mode & 0o777 == 0o700
    doc = json.loads(path.read_text())
    assert "[[approvers]]" in out and doc["public_key"] in out and 'name = "K. Jones"' in out
    assert len(base64.b64decode(doc["public_key"].removeprefix("ed25519:"))) == 32
    # Sealed: the wrong passphrase does not open it; nor does anyone else's read access.
    wrong = {**dual.jones.env(), "CCTVKIT_KEY_PASSPHRASE": "not the passphrase at all"}
    result = runner.invoke(app, ["-c", str(dual.config), "request", "approve", "R-2026-0001"], env=wrong)
    assert result.exit_code == 2 and "wrong passphrase" in result.stderr
    path.chmod(0o640)
    code, _out, err = dual.run(dual.jones, "request", "approve", "R-2026-0001")
    assert code == 12 and "open to other users" in err
    path.chmod(0o600)
    code, _out, err = dual.run(dual.jones, "key", "new", "K. Jones")
    assert code == 13 and "already has a key" in err
    # On a terminal the passphrase is prompted for (hidden) and must be typed twice.
    prompted = {"CCTVKIT_KEY_DIR": str(dual.jones.key_dir), "CCTVKIT_KEY_PASSPHRASE": ""}
    typed = f"{PASSPHRASE}\n{PASSPHRASE}\n"
    result = runner.invoke(app, ["key", "new", "Kim Jones"], env=prompted, input=typed)
    assert result.exit_code == 0, result.stderr
    assert "Key passphrase" in result.output and PASSPHRASE not in result.output  # not echoed
    code, out, _ = dual.run(dual.jones, "key", "ls", "--json")
    assert sorted(k["name"] for k in json.loads(out)) == ["K. Jones", "Kim Jones"]
    code, _out, err = dual.run(dual.jones, "request", "approve", "R-2026-0001")
    assert code == 2 and "several keys (K. Jones, Kim Jones): choose one with --by or --key" in err
    (dual.jones.key_dir / "kim-jones.key").unlink()
    short = Person("x", dual.jones.key_dir)
    result = runner.invoke(
        app, ["key", "new", "Other"], env={**short.env(), "CCTVKIT_KEY_PASSPHRASE": "too short"}
    )
    assert result.exit_code == 2 and "at least 12 characters" in result.stderr


def test_typed_approval_without_the_approvers_key_cannot_unlock(dual: DualSite) -> None:
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"])
    rid = dual.police_request()
    # The operator types the approver's name: they hold no key for K. Jones, so nothing is signed.
    code, _out, err = dual.run(dual.smith, "request", "approve", rid, "--by", "K. Jones")
    assert code == 7 and "you hold no key for K. Jones" in err
    # A key the operator makes under that name is not the listed one.
    dual.new_key(dual.smith, "K. Jones")
    code, _out, err = dual.run(dual.smith, "request", "approve", rid, "--by", "K. Jones")
    assert code == 7 and "is not a listed approver's" in err
    # An unsigned approval in the catalog (as `--by` recorded them before issue 19) counts for nothing.
    catalog = open_catalog(SiteConfig.from_toml(dual.config).database_url)
    with catalog.write() as conn:
        reqq.add_approval(
            conn, rid, scope="unredacted", approved_by="K. Jones", recorded_by="j.smith",
            now=reqq.get_request(conn, rid).created_at, note=None,
        )  # fmt: skip
    catalog.dispose()
    code, _out, err = dual.run(dual.smith, "request", "process", rid, "--unredacted")
    assert code == 7 and "is not signed" in err and "Traceback" not in err
    assert not list((dual.config.parent / "data" / "releases").glob("R-*"))


def test_signed_approval_unlocks_one_copy_the_recipient_can_check(dual: DualSite) -> None:
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"])
    rid = dual.police_request()
    code, out, err = dual.run(dual.jones, "request", "approve", rid, "--note", "suspect's face needed")
    assert code == 0, err
    assert f"approved by K. Jones, signed with {jones['fingerprint']}" in out
    (record,) = [r for r in dual.audit() if r["action"] == "request.approve"]
    assert record["key_fingerprint"] == jones["fingerprint"] and record["actor"] == "k.jones"
    assert (record["os_user"], record["uid"]) == (_me(), os.getuid())

    code, out, err = dual.run(dual.smith, "request", "process", rid, "--unredacted", "--json")
    assert code == 0, err
    result = json.loads(out)
    approval = result["manifest"]["approval"]
    assert approval["approved_by"] == "K. Jones" and approval["copy_made_by"] == "j.smith"
    assert approval["key_fingerprint"] == jones["fingerprint"]
    statement = json.loads(approval["statement"])
    assert statement["request_id"] == rid and statement["scope"] == "unredacted"
    assert statement["police_reference"] == "CAD 1234/26" and statement["approver"] == "K. Jones"
    # What a recipient does with the approver's public key and nothing of cctvkit:
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(jones["public_key"].removeprefix("ed25519:")))
    key.verify(base64.b64decode(approval["signature"]), approval["statement"].encode("utf-8"))

    pkg = result["path"]
    code, out, err = dual.run(dual.smith, "release", "verify", pkg, "--approver-key", jones["public_key"])
    assert code == 0, err
    assert f"approval of the unredacted copy by K. Jones verifies: signed with {jones['fingerprint']}" in out
    other = dual.new_key(dual.smith, "J. Smith")
    code, _out, err = dual.run(dual.smith, "release", "verify", pkg, "--approver-key", other["public_key"])
    assert code == 10 and "not a key you trust" in err

    # Once: a second unredacted copy needs a new approval.
    code, _out, err = dual.run(dual.smith, "request", "process", rid, "--unredacted")
    assert code == 7 and f"was used by release {Path(pkg).name}" in err
    code, out, _ = dual.run(dual.smith, "request", "show", rid)
    assert f"signed with {jones['fingerprint']}, used by {Path(pkg).name}" in out
    code, _out, err = dual.run(dual.jones, "request", "approve", rid)
    assert code == 0, err
    code, out, err = dual.run(
        dual.smith, "request", "process", rid, "--unredacted", "--json", "--new-release", "second copy"
    )
    assert code == 0, err
    assert json.loads(out)["path"] != pkg


def test_approval_signed_with_the_operators_own_key_is_refused(dual: DualSite) -> None:
    smith = dual.new_key(dual.smith, "J. Smith")
    dual.list_approver("J. Smith", smith["public_key"])
    rid = dual.police_request()
    code, _out, err = dual.run(dual.smith, "request", "approve", rid)
    assert code == 0, err
    # Another operator name does not help: the key in the operator's own directory decides.
    dual.smith.operator = "somebody else"
    code, _out, err = dual.run(dual.smith, "request", "process", rid, "--unredacted")
    assert code == 7 and "is signed with a key you hold" in err and str(dual.smith.key_dir) in err


def test_approver_bound_to_the_copying_os_user_is_refused(dual: DualSite) -> None:
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"], user=_me())
    rid = dual.police_request()
    code, _out, err = dual.run(dual.jones, "request", "approve", rid)
    assert code == 0, err
    code, _out, err = dual.run(dual.smith, "request", "process", rid, "--unredacted")
    assert code == 7 and f"K. Jones is OS user {_me()}, who is making this copy" in err


def test_approval_bound_to_another_os_user_cannot_be_signed_here(dual: DualSite) -> None:
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"], user="kjones-elsewhere")
    rid = dual.police_request()
    code, _out, err = dual.run(dual.jones, "request", "approve", rid)
    assert code == 7 and "bound to OS user kjones-elsewhere" in err


@pytest.mark.parametrize(("field", "value"), [("scope", "redacted"), ("request_id", "R-2026-0999")])
def test_tampered_approval_is_refused(dual: DualSite, field: str, value: str) -> None:
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"])
    rid = dual.police_request()
    code, _out, err = dual.run(dual.jones, "request", "approve", rid)
    assert code == 0, err
    catalog = open_catalog(SiteConfig.from_toml(dual.config).database_url)
    with catalog.write() as conn:
        statement = conn.execute(select(request_approval_signatures.c.statement)).scalar_one()
        changed = json.loads(statement) | {field: value}
        text = json.dumps(changed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        conn.execute(update(request_approval_signatures).values(statement=text))
    catalog.dispose()
    code, _out, err = dual.run(dual.smith, "request", "process", rid, "--unredacted")
    assert code == 7 and "does not verify against its key" in err


def test_approval_moved_to_another_request_is_refused(dual: DualSite) -> None:
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"])
    first, second = dual.police_request(), dual.police_request()
    code, _out, err = dual.run(dual.jones, "request", "approve", first)
    assert code == 0, err
    catalog = open_catalog(SiteConfig.from_toml(dual.config).database_url)
    with catalog.write() as conn:
        conn.execute(update(request_approvals).values(request_id=second))
    catalog.dispose()
    code, _out, err = dual.run(dual.smith, "request", "process", second, "--unredacted")
    assert code == 7 and f"request_id '{first}' (not '{second}')" in err


def test_manifest_approval_check_catches_a_rewritten_statement(tmp_path: Path) -> None:
    # The check a recipient runs, on a real key.
    key = unlock_key(create_key("K. Jones", PASSPHRASE, directory=tmp_path / "k"), PASSPHRASE)
    fields = {
        "format": "cctvkit-approval/1",
        "request_id": "R-2026-0002",
        "scope": "unredacted",
        "police_reference": "CAD 1",
        "approver": "K. Jones",
        "public_key": key.public_key,
    }
    statement = json.dumps(fields, sort_keys=True)
    manifest = {
        "redacted": False,
        "request": {"id": "R-2026-0002", "police_reference": "CAD 1"},
        "approval": {
            "approved_by": "K. Jones",
            "public_key": key.public_key,
            "statement": statement,
            "signature": key.sign(statement.encode()),
        },
    }
    assert check_manifest_approval(manifest) == []
    assert check_manifest_approval(manifest | {"request": {"id": "R-2026-0003", "police_reference": "CAD 1"}})
    forged = manifest["approval"] | {"statement": statement.replace("R-2026-0002", "R-2026-0003")}
    assert check_manifest_approval(manifest | {"approval": forged}) == [
        "the approval's signature does not verify against its public key"
    ]
    assert check_manifest_approval({"redacted": False, "approval": None}) == [
        "the unredacted copy carries no signed approval"
    ]


def test_an_approval_is_claimed_by_one_release_only(dual: DualSite) -> None:
    """The backstop for two copies racing past the check: the second claim fails, its transaction
    rolls back (``record_release`` claims inside the transaction that records the release)."""
    jones = dual.new_key(dual.jones, "K. Jones")
    dual.list_approver("K. Jones", jones["public_key"])
    rid = dual.police_request()
    code, _out, err = dual.run(dual.jones, "request", "approve", rid)
    assert code == 0, err
    catalog = open_catalog(SiteConfig.from_toml(dual.config).database_url)
    with catalog.read() as conn:
        (approval,) = reqq.get_request(conn, rid).approvals
    entry = {"signature": approval.signature, "approved_by": approval.approved_by}
    with catalog.write() as conn:
        claim_approval(conn, entry, f"{rid}-r1")
    with pytest.raises(ConflictError, match="used by another release meanwhile"), catalog.write() as conn:
        claim_approval(conn, entry, f"{rid}-r2")
    with catalog.read() as conn:
        assert reqq.get_request(conn, rid).approvals[0].used_by == f"{rid}-r1"
    catalog.dispose()
