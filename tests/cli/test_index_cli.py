"""The CLI as a user meets it: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.catalog.schema import RECORDING_STATES
from cctvkit.cli.main import app
from cctvkit.errors import ConfigError, NotFoundError, UsageError
from tests.conftest import write_tiny_video

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"CCTVKIT_OPERATOR": "tester"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def indexed(site: Path) -> Path:
    root = site.parent / "archive"
    write_tiny_video(root / "gate" / "gate_20261001_100000.mp4", seconds=2)
    write_tiny_video(root / "gate" / "gate_20261001_100002.mp4", seconds=2)
    write_tiny_video(root / "hall" / "hall_2026-10-02T08-00-00.mp4")
    (root / "hall" / "hall_2026-10-02T09-00-00.mp4").write_bytes(b"\x00" * 100)
    code, _out, err = run("-c", str(site), "index", "scan", "--json")
    assert code == 0, err
    return site


def test_scan_json_and_rescan(indexed: Path) -> None:
    code, out, _ = run("-c", str(indexed), "index", "scan", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["unchanged"] == 4 and summary["new"] == 0 and summary["quarantined"] == 0


def test_ls_filters_by_camera_and_time(indexed: Path) -> None:
    code, out, _ = run("-c", str(indexed), "index", "ls", "--camera", "gate", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [Path(r["path"]).name for r in rows] == ["gate_20261001_100000.mp4", "gate_20261001_100002.mp4"]
    # 10:00:03 local (BST) falls inside the second segment only.
    code, out, _ = run(
        "-c",
        str(indexed),
        "index",
        "ls",
        "--from",
        "2026-10-01T10:00:03",
        "--to",
        "2026-10-01T10:00:03.5",
        "--json",
    )
    assert [Path(r["path"]).name for r in json.loads(out)] == ["gate_20261001_100002.mp4"]
    code, out, _ = run(
        "-c", str(indexed), "index", "ls", "--place", "Hall", "--state", "quarantined", "--json"
    )
    assert len(json.loads(out)) == 1


def test_show_by_id_and_path(indexed: Path) -> None:
    path = indexed.parent / "archive" / "gate" / "gate_20261001_100000.mp4"
    code, out, _ = run("-c", str(indexed), "index", "show", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["start_utc"] == "2026-10-01T09:00:00+00:00"
    code, out2, _ = run("-c", str(indexed), "index", "show", str(data["id"]), "--json")
    assert json.loads(out2) == data


def test_status(indexed: Path) -> None:
    code, out, _ = run("-c", str(indexed), "status", "--json")
    assert code == 0
    cams = {c["camera"]: c for c in json.loads(out)["cameras"]}
    assert cams["gate"]["recordings"] == 2
    assert cams["gate"]["hours"] == pytest.approx(4 / 3600, abs=1e-3)
    assert cams["hall"]["quarantined"] == 1
    # Recorded in October 2026, kept 30 and 7 days: all past retention by the real clock now.
    assert cams["gate"]["past_retention"] == 2


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("index", "ls", "--camera", "nope"), NotFoundError.exit_code, "unknown camera 'nope'"),
        (("index", "ls", "--from", "yesterday"), UsageError.exit_code, "--from: 'yesterday' is not an ISO"),
        (
            ("index", "ls", "--from", "2026-10-02", "--to", "2026-10-01"),
            UsageError.exit_code,
            "--to must be after --from",
        ),
        (("index", "show", "99999"), NotFoundError.exit_code, "no recording '99999'"),
    ],
)
def test_user_errors_are_one_line(indexed: Path, args: tuple[str, ...], code: int, fragment: str) -> None:
    exit_code, out, err = run("-c", str(indexed), *args)
    assert exit_code == code
    assert fragment in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_bad_config_exit_code(tmp_path: Path) -> None:
    cfg = tmp_path / "cctvkit.toml"
    cfg.write_text("[site]\nname='x'\n", encoding="utf-8")
    code, _out, err = run("-c", str(cfg), "status")
    assert code == ConfigError.exit_code
    assert "site.timezone: required but missing" in err
    assert "Traceback" not in err


def test_init_writes_a_valid_example(tmp_path: Path) -> None:
    cfg = tmp_path / "cctvkit.toml"
    code, _, _ = run("init", str(cfg))
    assert code == 0
    (tmp_path / "archive").mkdir()
    code, out, err = run("-c", str(cfg), "status", "--json")
    assert code == 0, err
    assert json.loads(out)["cameras"][0]["camera"] == "gate"
    code, _, err = run("init", str(cfg))
    assert code != 0 and "exists" in err


def _unboxed(text: str) -> str:
    """Typer's error box without its frame and line breaks (the message may wrap at 80 columns)."""
    return " ".join(text.replace("│", " ").split())


def test_unknown_state_is_refused_with_the_allowed_values(indexed: Path) -> None:
    # Issue 18: `--state bogus` listed nothing and exited 0.
    exit_code, out, err = run("-c", str(indexed), "index", "ls", "--state", "bogus")
    assert exit_code == 2 and out == ""
    allowed = ", ".join(repr(s) for s in RECORDING_STATES)
    assert f"'bogus' is not one of {allowed}" in _unboxed(err)
    exit_code, out, err = run("-c", str(indexed), "index", "ls", "--state", "quarantined", "--json")
    assert exit_code == 0 and [r["state"] for r in json.loads(out)] == ["quarantined"]
