"""What people read: tables at 80 columns, whole lines into pipes and cron logs, text shown as typed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.catalog.schema import RECORDING_STATES
from cctvkit.cli.main import app
from tests.conftest import write_tiny_video

runner = CliRunner()

REASON = (
    "An insurance claim for a scratched van at the gate; the driver says it happened on entry, "
    "so the whole morning must be kept until the insurer decides"
)


def run(config: Path | None, *args: str, columns: int | None = None) -> tuple[int, str, str]:
    # CliRunner is not a terminal: without COLUMNS this is a pipe (or cron), with it a terminal that wide.
    env = {"CCTVKIT_OPERATOR": "tester", "COLUMNS": str(columns) if columns else None}
    prefix = ["-c", str(config)] if config else []
    result = runner.invoke(app, [*prefix, *args], env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def busy(site: Path) -> Path:
    """Two gate recordings deep in the archive, a quarantined hall file, a hold with a long reason."""
    root = site.parent / "archive"
    deep = root / "gate" / "2026" / "10" / "01" / "lane-two-entry [north]"
    write_tiny_video(deep / "gate_20261001_100000.mp4", seconds=2)
    write_tiny_video(deep / "gate_20261001_100002.mp4", seconds=2)
    (root / "hall" / "hall_2026-10-02T09-00-00.mp4").write_bytes(b"\x00" * 100)
    assert run(site, "index", "scan")[0] == 0
    hold = ("--from", "2026-10-01T09:00", "--to", "2026-10-01T12:00", "--reference", "CLAIM-2026-00123")
    assert run(site, "hold", "add", "--camera", "gate", *hold, "--reason", REASON)[0] == 0
    return site


@pytest.mark.parametrize(
    ("command", "headers"),
    [
        (
            ("status",),
            ["camera", "keep", "files", "hours", "MB", "oldest", "newest", "past", "quar", "dmg", "miss"],
        ),
        (("index", "ls"), ["id", "camera", "start", "end", "state", "path"]),
        (("hold", "ls"), ["id", "cameras", "from", "to", "until", "reference", "reason"]),
        (("audit", "ls"), ["seq", "time", "actor", "action", "object", "details"]),
    ],
)
def test_tables_fit_80_columns(busy: Path, command: tuple[str, ...], headers: list[str]) -> None:
    code, out, err = run(busy, *command, columns=80)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80, out
    header = next(line for line in lines if line.split()[:1] == headers[:1])
    assert header.split() == headers  # every heading whole, none cut to "cam…"
    assert "…" not in header


def test_audit_ls_at_80_columns_keeps_actions_objects_and_times_whole(busy: Path) -> None:
    """Issue 27: `camera.config…`, `request R-20…` and raw JSON stubs at 80 columns."""
    code, out, err = run(
        busy, "request", "new", "--type", "subject", "--requester", "Alex Doe", "--contact", "x",
        "--window", "gate@2026-10-01T10:00:00/10:00:02", "--purpose", "copy", columns=80,
    )  # fmt: skip
    assert code == 0, err
    records = json.loads(run(busy, "audit", "ls", "--json")[1])
    code, out, _ = run(busy, "audit", "ls", columns=80)
    rows = [line for line in out.splitlines() if re.match(r"\s*\d+\s+\d\d-\d\d \d\d:", line)]
    assert len(rows) == len(records) and max(len(line) for line in out.splitlines()) <= 80
    for record, line in zip(records, rows, strict=True):
        assert f" {record['action']} " in f"{line} " and "…" not in line.split(record["action"])[1], line
        assert f"{record['object_kind']} {record['object_id'] or ''}".strip() in line, line
        assert "{" not in line
    assert any("request R-20" in line and "…" not in line for line in out.splitlines())


def test_80_columns_keep_ids_times_and_file_names(busy: Path) -> None:
    code, out, _ = run(busy, "index", "ls", "--camera", "gate", columns=80)
    rows = [line for line in out.splitlines() if "present" in line]
    assert len(rows) == 2
    assert rows[0].split()[:4] == ["1", "gate", "10-01", "10:00:00"]  # compact local time, seconds kept
    assert rows[0].endswith("/gate_20261001_100000.mp4") and "…" in rows[0]  # path cut from the left
    code, out, _ = run(busy, "hold", "ls", columns=80)
    assert code == 0
    row = next(line for line in out.splitlines() if line.lstrip().startswith("1 "))
    assert "10-01 09:00  12:00" in row and row.endswith("…")  # the reason cut to fit
    assert REASON not in out
    _code, out, _ = run(busy, "hold", "ls", "--json")
    assert json.loads(out)[0]["reason"] == REASON  # in full for scripts


def test_wide_adds_columns_and_full_times(busy: Path) -> None:
    code, out, _ = run(busy, "index", "ls", "--wide", columns=200)
    assert code == 0
    assert out.splitlines()[0].split() == ["id", "camera", "place", "start", "end", "kind", "state", "path"]
    assert "2026-10-01 10:00:00 BST" in out
    assert "gate/2026/10/01/lane-two-entry [north]/gate_20261001_100000.mp4" in out  # fits: whole


def test_pipes_and_cron_logs_get_whole_lines(busy: Path) -> None:
    # Off a terminal nothing is wrapped or cut: a cron log keeps whole quarantine lines and hashes.
    bad = busy.parent / "archive" / "hall" / "hall_2026-10-02T09-00-00.mp4"
    bad.write_bytes(b"\x01" * 100)  # changed: quarantined again, reported again
    code, out, _ = run(busy, "index", "scan")
    assert f"quarantined {bad}: not a readable video" in out
    assert all(len(line) > 0 for line in out.splitlines())
    code, out, _ = run(busy, "hold", "ls")
    assert REASON in out and "…" not in out
    assert not any(line != line.rstrip() for line in out.splitlines())  # no padding after the values
    code, out, _ = run(busy, "audit", "verify", "--json")
    assert code == 0
    head = json.loads(out)["head_hash"]
    _code, out, _ = run(busy, "audit", "verify")
    assert out.splitlines()[-1].endswith(f" {head}")


@pytest.mark.parametrize(
    ("command", "text"),
    [
        (("request", "new"), "Who receives the release [requester]."),
        (("request", "new"), "Date received, YYYY-MM-DD [today]."),
        (("request", "new"), "Legal basis of the disclosure [defaults for subject, police]."),
        (("redact",), "Face detector (yolo needs the [yolo] extra and --weights)."),
        (("redact",), "JSON report [default: OUTPUT.redaction.json]."),
        (("index", "ls"), f"--state STATE Recording state: {', '.join(RECORDING_STATES)} (repeatable)."),
    ],
)
def test_help_shows_brackets_as_written(command: tuple[str, ...], text: str) -> None:
    code, out, _ = run(None, *command, "--help", columns=80)
    assert code == 0
    assert text in " ".join(out.split())  # as written, whatever the line breaks


def test_error_shows_the_value_as_typed(busy: Path) -> None:
    code, _out, err = run(busy, "index", "show", ":abc: [bold]x[/bold]", columns=80)
    assert code == 4
    assert err == "cctvkit: error: no recording ':abc: [bold]x[/bold]' in the catalog\n"


def test_status_of_the_sample_site_fits_80_columns_whole(tmp_path: Path) -> None:
    """The sample's `reception` camera pushed the last heading to `mi…` (issue 27)."""
    import shutil

    from tests.conftest import SAMPLE_DIR

    site = tmp_path / "site"
    shutil.copytree(SAMPLE_DIR, site, ignore=shutil.ignore_patterns(".cctvkit"))
    config = site / "cctvkit.toml"
    assert run(config, "index", "scan")[0] == 0
    code, out, err = run(config, "status", columns=80)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80 and "…" not in out, out
    assert any(line.split()[:1] == ["reception"] for line in out.splitlines())
