"""The request, release and disclosures commands as staff meet them: exit codes, messages, JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.conftest import write_tiny_video

runner = CliRunner()
WINDOW = "gate@2026-10-01T10:00:01/10:00:03"


def run(site: Path, *args: str, operator: str = "j.smith") -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": operator})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli_site(site: Path) -> Path:
    root = site.parent / "archive"
    write_tiny_video(root / "gate" / "gate_20261001_100000.mp4", seconds=2)
    write_tiny_video(root / "gate" / "gate_20261001_100002.mp4", seconds=2)
    code, _out, err = run(site, "index", "scan")
    assert code == 0, err
    return site


def _new(site: Path, *extra: str) -> dict:
    code, out, err = run(
        site, "request", "new", "--requester", "Alex Doe", "--window", WINDOW, *extra, "--json"
    )
    assert code == 0, err
    return json.loads(out)


def test_new_show_and_deadline_views(cli_site: Path) -> None:
    today = datetime.now(UTC).date()
    late = _new(cli_site, "--received", (today - timedelta(days=40)).isoformat())
    fresh = _new(cli_site, "--identity-method", "e-signature", "--identity-verified", "now")
    assert late["id"] != fresh["id"] and fresh["identity"]["method"] == "e-signature"
    assert late["overdue"] is True and fresh["overdue"] is False

    code, out, _ = run(cli_site, "request", "ls", "--overdue", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [late["id"]]
    code, out, _ = run(cli_site, "request", "ls", "--due-within", "40", "--json")
    assert [r["id"] for r in json.loads(out)] == [late["id"], fresh["id"]]
    code, out, _ = run(cli_site, "request", "ls")
    assert code == 0 and "OVERDUE" in out and fresh["id"] in out

    code, out, err = run(cli_site, "request", "extend", fresh["id"], "--months", "3", "--reason", "busy")
    assert code == 2 and "capped at 2 months" in err
    code, out, _ = run(
        cli_site, "request", "extend", fresh["id"], "--months", "2", "--reason", "many cameras"
    )
    assert code == 0 and "2 month(s) extension" in out

    code, out, _ = run(cli_site, "request", "show", late["id"], "--json")
    shown = json.loads(out)
    assert shown["holds"][0]["cameras"] == ["gate"] and shown["holds"][0]["released_at"] is None
    code, out, _ = run(cli_site, "request", "refuse", late["id"], "--reason", "13.8: no identification given")
    assert code == 0
    code, out, _ = run(cli_site, "request", "show", late["id"])
    assert "refused: 13.8: no identification given" in out and "closed" in out

    code, _out, err = run(cli_site, "request", "show", "../../etc/passwd")
    assert code == 2 and "not a request id" in err
    code, _out, err = run(cli_site, "request", "show", "R-2026-9999")
    assert code == 4 and "no request R-2026-9999" in err


def test_find_and_estimate(cli_site: Path) -> None:
    req = _new(cli_site)
    code, out, _ = run(cli_site, "request", "find", req["id"], "--json")
    (cov,) = json.loads(out)
    assert [s["file"] for s in cov["clips"][0]] == ["gate_20261001_100000.mp4", "gate_20261001_100002.mp4"]
    assert cov["gaps"] == [] and cov["frames"] == 20
    code, out, _ = run(cli_site, "request", "estimate", req["id"], "--json")
    est = json.loads(out)
    assert est["frames"] == 20 and est["cameras"] == 1 and est["bands"][0]["source"] == "benchmark"
    code, out, _ = run(cli_site, "request", "estimate", req["id"])
    assert code == 0 and "expected processing" in out and "benchmark: " in out


def test_police_unredacted_release_needs_second_approver(cli_site: Path, tmp_path: Path) -> None:
    req = _new(
        cli_site, "--type", "police", "--police-reference", "CAD 1234/26", "--purpose", "assault at gate"
    )
    rid = req["id"]
    code, _out, err = run(cli_site, "request", "process", rid, "--unredacted")
    assert code == 7
    assert "an unredacted copy needs a second person's approval" in err and "request approve" in err
    assert "Traceback" not in err

    passfile = tmp_path / "pass.txt"
    passfile.write_text("correct horse battery staple\n")
    keys = tmp_path / "k.jones-keys"
    code, out, err = run(
        cli_site, "key", "new", "K. Jones", "--dir", str(keys), "--passphrase-file", str(passfile)
    )
    assert code == 0, err
    with cli_site.open("a", encoding="utf-8") as cfg:
        cfg.write("\n" + out[out.index("[[approvers]]") :])  # the lines `key new` prints for the config
    code, _out, err = run(
        cli_site, "request", "approve", rid, "--key", str(keys / "k-jones.key"),
        "--passphrase-file", str(passfile), operator="k.jones",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        cli_site,
        "request",
        "process",
        rid,
        "--unredacted",
        "--encrypt",
        "--passphrase-file",
        str(passfile),
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["manifest"]["redacted"] is False
    assert result["manifest"]["approval"]["approved_by"] == "K. Jones"
    pkg = Path(result["path"])

    code, out, _ = run(cli_site, "release", "verify", str(pkg))
    assert code == 0 and "OK" in out
    code, out, _ = run(cli_site, "release", "verify", result["archive"], "--passphrase-file", str(passfile))
    assert code == 0 and "OK" in out

    code, out, _ = run(cli_site, "disclosures", "--json")
    (entry,) = json.loads(out)
    assert entry["recipient"] == "Alex Doe" and entry["release_id"] == pkg.name
    assert entry["recipient_category"].startswith("law enforcement") and entry["purpose"] == "assault at gate"
    assert "UNREDACTED" in entry["what"]
    code, out, _ = run(cli_site, "request", "show", rid)
    assert "UNREDACTED" in out and "approved (unredacted) by K. Jones" in out

    clip = next((pkg / "clips").iterdir())
    data = bytearray(clip.read_bytes())
    data[100] ^= 1
    clip.write_bytes(bytes(data))
    code, _out, err = run(cli_site, "release", "verify", str(pkg))
    assert code == 10 and "does not verify" in err and "altered" in err


def test_show_names_restricted_footage_as_withheld(cli_site: Path) -> None:
    req = _new(cli_site)
    code, out, _ = run(cli_site, "index", "ls", "--camera", "gate", "--json")
    first = json.loads(out)[0]["id"]
    code, _out, err = run(cli_site, "restrict", "add", str(first), "--reason", "erasure request pending")
    assert code == 0, err
    code, out, _ = run(cli_site, "request", "show", req["id"])
    assert code == 0 and "withheld (restricted): gate" in out and f"recording #{first}" in out
