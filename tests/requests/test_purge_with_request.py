"""An open request keeps its footage past 90 days against `cctvkit purge`; closing it lets the purge go on."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.conftest import write_tiny_video

runner = CliRunner()


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


def test_open_request_holds_footage_until_closed(site: Path) -> None:
    # 100 days old in real time: past the gate's 30 days and the 90-day ceiling.
    start = (datetime.now(ZoneInfo("Europe/London")) - timedelta(days=100)).replace(microsecond=0)
    names = [f"gate_{t:%Y%m%d_%H%M%S}.mp4" for t in (start, start + timedelta(seconds=2))]
    for name in names:
        write_tiny_video(site.parent / "archive" / "gate" / name, seconds=2)
    assert run(site, "index", "scan")[0] == 0
    window = (
        f"gate@{start.replace(tzinfo=None).isoformat()}/{(start + timedelta(seconds=1)).time().isoformat()}"
    )
    code, out, err = run(site, "request", "new", "--requester", "Alex Doe", "--window", window, "--json")
    assert code == 0, err
    rid = json.loads(out)["id"]

    code, out, err = run(site, "purge", "--json")
    assert code == 0, err
    held, unheld = (site.parent / "archive" / "gate" / n for n in names)
    assert held.exists(), "the request's footage must survive the purge while the request is open"
    assert not unheld.exists(), "footage outside every window is purged as usual"

    assert run(site, "request", "close", rid, "--reason", "answered")[0] == 0
    code, _out, err = run(site, "purge", "--json")
    assert code == 0, err
    assert not held.exists(), "after close the footage falls back to the retention rule"
