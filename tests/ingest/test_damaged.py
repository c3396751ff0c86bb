"""Truncated and damaged files: indexed as `damaged` with the span that decodes, kept under retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.errors import CorruptVideoError
from cctvkit.video import probe
from tests.conftest import write_tiny_video

runner = CliRunner()


def cli(cfg: Path, *args: str) -> str:
    result = runner.invoke(app, ["-c", str(cfg), *args], env={"CCTVKIT_OPERATOR": "tester"})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def faststart_mp4(path: Path, seconds: int = 8) -> Path:
    """An MP4 with its index first (as many NVRs write): a cut leaves the index and loses frames."""
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=10, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for i in range(seconds * 10):
            frame = av.VideoFrame.from_ndarray(np.full((96, 128, 3), i * 3 % 256, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def cut(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


@pytest.mark.parametrize(
    ("suffix", "reason"),
    [(".mkv", "container declares 4.0 s"), (".ts", "ends inside a packet"), (".mp4", "")],
)
def test_probe_reports_damage_and_the_decodable_span(tmp_path: Path, suffix: str, reason: str) -> None:
    good = write_tiny_video(tmp_path / f"good{suffix}", seconds=4)
    sound = probe(good)
    assert sound.damage is None and sound.duration_s == pytest.approx(4.0)
    if suffix == ".mp4":
        bad = cut(faststart_mp4(tmp_path / "fast.mp4"), 0.6)
    else:
        bad = tmp_path / f"bad{suffix}"
        bad.write_bytes(good.read_bytes()[: int(good.stat().st_size * 0.6)])
    with pytest.raises(CorruptVideoError, match="damaged: "):
        probe(bad)  # redaction refuses it
    info = probe(bad, damaged_ok=True)  # the index keeps it
    assert info.damage and reason in info.damage
    assert 0 < info.duration_s < (8.0 if suffix == ".mp4" else 4.0) * 0.8
    assert info.frame_count == round(info.duration_s * 10)


def test_mp4_cut_before_its_index_is_quarantined_with_the_cause(site: Path) -> None:
    gate = site.parent / "archive" / "gate"
    cut(write_tiny_video(gate / "gate_20261001_100000.mp4", seconds=2), 0.5)
    cli(site, "index", "scan")
    (row,) = json.loads(cli(site, "index", "ls", "--state", "quarantined", "--json"))
    assert "MP4 without its index (no moov box)" in row["state_reason"]


def test_damaged_files_are_indexed_listed_counted_and_purged_when_due(site: Path) -> None:
    gate = site.parent / "archive" / "gate"
    write_tiny_video(gate / "gate_20261001_090000.mkv", seconds=4)
    cut(write_tiny_video(gate / "gate_20261001_090004.mkv", seconds=4), 0.6)
    cut(write_tiny_video(gate / "gate_20261001_090008.ts", seconds=4), 0.6)
    recent = datetime.now(UTC) - timedelta(days=2)
    cut(write_tiny_video(gate / f"gate_{recent:%Y%m%d_%H%M%S}.mkv", seconds=4), 0.6)
    out = json.loads(cli(site, "index", "scan", "--json"))
    assert out["damaged"] == 3 and out["quarantined"] == 0
    damaged = json.loads(cli(site, "index", "ls", "--state", "damaged", "--json"))
    by_name = {Path(r["path"]).name: r for r in damaged}
    assert set(by_name) == {
        "gate_20261001_090004.mkv",
        "gate_20261001_090008.ts",
        f"gate_{recent:%Y%m%d_%H%M%S}.mkv",
    }
    mkv = by_name["gate_20261001_090004.mkv"]
    # The span is what decodes: the start from the name, the end where the frames stop.
    assert mkv["start_utc"] == datetime(2026, 10, 1, 8, 0, 4, tzinfo=UTC).isoformat()
    assert 0 < mkv["duration_s"] < 2.5
    end = datetime.fromisoformat(mkv["end_utc"])
    assert end == datetime(2026, 10, 1, 8, 0, 4, tzinfo=UTC) + timedelta(seconds=mkv["duration_s"])
    assert "container declares 4.0 s" in mkv["state_reason"]
    assert "ends inside a packet" in by_name["gate_20261001_090008.ts"]["state_reason"]

    status = {c["camera"]: c for c in json.loads(cli(site, "status", "--json"))["cameras"]}
    assert status["gate"]["damaged"] == 3 and status["gate"]["recordings"] == 1
    assert status["gate"]["past_retention"] == 3  # damaged footage is footage: retention applies
    assert "damaged" in cli(site, "status")

    # The old damaged files are due like any other; the recent one is kept in retention.
    plan = json.loads(cli(site, "purge", "--dry-run", "--json"))
    due = {Path(p["path"]).name for p in plan["purge"]}
    assert due == {"gate_20261001_090000.mkv", "gate_20261001_090004.mkv", "gate_20261001_090008.ts"}
    # A rescan leaves damaged files alone (size and mtime unchanged).
    again = json.loads(cli(site, "index", "scan", "--json"))
    assert again["unchanged"] == 4 and again["damaged"] == 0
