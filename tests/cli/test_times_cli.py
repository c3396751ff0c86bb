"""Times typed at the CLI: a hold over the repeated hour, future holds, future request windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from cctvkit.cli.main import app

runner = CliRunner()


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(config), *args], env={"CCTVKIT_OPERATOR": "tester"})
    return result.exit_code, result.stdout, result.stderr


HOLD = ("hold", "add", "--camera", "gate", "--reason", "insurance claim", "--reference", "C-1")


def test_hold_over_the_repeated_hour_is_refused_until_the_offset_is_given(site: Path) -> None:
    # Europe/London: 01:30 occurs twice on 2026-10-25. Taking the first ended the hold at 00:30 UTC
    # and left the repeated hour to be purged.
    code, out, err = run(site, *HOLD, "--from", "2026-10-25T00:30", "--to", "2026-10-25T01:30")
    assert code == 2
    assert "occurs twice" in err and "2026-10-25T01:30:00+01:00 or 2026-10-25T01:30:00+00:00" in err
    second = "2026-10-25T01:30+00:00"
    code, out, err = run(site, *HOLD, "--from", "2026-10-25T00:30", "--to", second, "--json")
    assert code == 0, err
    hold = json.loads(out)
    assert hold["to_utc"].startswith("2026-10-25T01:30:00")


def test_hold_may_reach_into_the_future(site: Path) -> None:
    later = datetime.now(UTC) + timedelta(days=3)
    code, out, err = run(site, *HOLD, "--from", "2026-10-01T00:00", "--to", later.isoformat(), "--json")
    assert code == 0, err
    assert json.loads(out)["to_utc"] == later.isoformat()


def test_request_window_in_the_future_is_refused(site: Path) -> None:
    now = datetime.now(UTC)
    start, end = now - timedelta(minutes=30), now + timedelta(hours=1)
    code, out, err = run(
        site, "request", "new", "--requester", "Alex Doe",
        "--window", f"gate@{start:%Y-%m-%dT%H:%M:%S}+00:00/{end:%Y-%m-%dT%H:%M:%S}+00:00",
    )  # fmt: skip
    assert code == 2
    assert "ends in the future" in err and "nothing recorded can answer it yet" in err
    code, out, err = run(site, "request", "ls", "--json")
    assert json.loads(out) == []  # nothing opened, no hold placed
    code, out, err = run(site, "hold", "ls", "--json")
    assert json.loads(out) == []
