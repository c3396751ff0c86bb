"""NVR archive layouts indexed where they lie: Frigate, Hikvision and Dahua trees of real encoded segments.

Every recording's camera, start and end (UTC) are read back from `cctvkit index ls --json`, across the
2026 DST changes in London (29 March, 25 October) and across midnight.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.conftest import write_tiny_video

runner = CliRunner()

SITE = """\
[site]
name = "Depot"
timezone = "Europe/London"
archive_roots = ["archive"]
data_dir = "data"
"""

CAMERA = """
[[cameras]]
id = "{id}"
site = "Depot"
area = "{area}"
retention_days = 30
retention_justification = "Incidents are reported within days."
"""


def utc(*args: int) -> str:
    return datetime(*args, tzinfo=UTC).isoformat()


def cli(cfg: Path, *args: str) -> str:
    result = runner.invoke(app, ["-c", str(cfg), *args], env={"CCTVKIT_OPERATOR": "tester"})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def make_site(tmp_path: Path, cameras: list[tuple[str, str]]) -> Path:
    """A site whose cameras are given as (id, extra TOML lines)."""
    (tmp_path / "archive").mkdir(exist_ok=True)
    text = SITE + "".join(CAMERA.format(id=cid, area=cid.title()) + extra for cid, extra in cameras)
    cfg = tmp_path / "cctvkit.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def indexed(cfg: Path) -> dict[str, dict]:
    """Scan, then every recording from `index ls --json`, keyed by its path below the archive root."""
    cli(cfg, "index", "scan", "--json")
    root = str(cfg.parent / "archive") + os.sep
    return {r["path"].removeprefix(root): r for r in json.loads(cli(cfg, "index", "ls", "--json"))}


def spans(rows: dict[str, dict]) -> dict[str, tuple]:
    return {p: (r["camera_id"], r["start_utc"], r["end_utc"], r["state"]) for p, r in rows.items()}


def test_frigate_layout_in_utc_across_midnight_and_the_autumn_change(tmp_path: Path) -> None:
    cfg = make_site(
        tmp_path,
        [("front_door", 'layout = "frigate"\n'), ("yard", 'layout = "frigate"\nnvr_name = "back_yard"\n')],
    )
    root = tmp_path / "archive"
    write_tiny_video(root / "2026-10-24/23/front_door/59.58.mp4", seconds=3)  # runs past midnight
    write_tiny_video(root / "2026-10-25/00/front_door/00.01.mp4")
    # 00:30 and 01:30 UTC are both 01:30 on London's clocks (BST, then GMT): UTC names tell them apart.
    write_tiny_video(root / "2026-10-25/00/back_yard/30.00.mp4")
    write_tiny_video(root / "2026-10-25/01/back_yard/30.00.mp4", seconds=2)
    write_tiny_video(root / "2026-10-25/01/garage/00.00.mp4")  # a Frigate camera not configured here
    rows = indexed(cfg)
    assert spans(rows) == {
        "2026-10-24/23/front_door/59.58.mp4": (
            "front_door",
            utc(2026, 10, 24, 23, 59, 58),
            utc(2026, 10, 25, 0, 0, 1),
            "present",
        ),
        "2026-10-25/00/front_door/00.01.mp4": (
            "front_door",
            utc(2026, 10, 25, 0, 0, 1),
            utc(2026, 10, 25, 0, 0, 2),
            "present",
        ),
        "2026-10-25/00/back_yard/30.00.mp4": (
            "yard",
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 25, 0, 30, 1),
            "present",
        ),
        "2026-10-25/01/back_yard/30.00.mp4": (
            "yard",
            utc(2026, 10, 25, 1, 30),
            utc(2026, 10, 25, 1, 30, 2),
            "present",
        ),
        "2026-10-25/01/garage/00.00.mp4": (None, None, None, "quarantined"),
    }
    reason = rows["2026-10-25/01/garage/00.00.mp4"]["state_reason"]
    assert "matches no camera's pattern" in reason and "'garage' does not match" in reason


def test_hikvision_two_channels_in_one_folder_milliseconds_and_end_times(tmp_path: Path) -> None:
    cfg = make_site(
        tmp_path,
        [
            ("yard", 'layout = "hikvision"\nchannel = 1\ndirectory = "export"\n'),
            ("bay", 'layout = "hikvision"\nchannel = 2\ndirectory = "export"\n'),
        ],
    )
    ex = tmp_path / "archive" / "export"
    # Spring forward: 00:59:59 GMT to 02:00:01 BST is two seconds.
    write_tiny_video(ex / "ch01_20260329005959_20260329020001.mp4", seconds=2)
    # Local midnight in BST is 23:00 UTC the day before.
    write_tiny_video(ex / "ch01_20261024235959_20261025000001.mp4", seconds=2)
    # 01:59:59 happens twice on 25 October; the unambiguous end (02:00:01 GMT) says which.
    write_tiny_video(ex / "ch02_20261025015959_20261025020001.mp4", seconds=2)
    write_tiny_video(ex / "192.168.1.64_02_20261025020000250.mp4")  # milliseconds in the name
    write_tiny_video(ex / "ch02_20261001090000_20261001090030.mp4")  # names 30 s, holds 1 s
    write_tiny_video(  # clock 2 h off from the name: the name wins, with a note
        ex / "ch01_20261001100000_20261001100001.mp4", creation_time=datetime(2026, 10, 1, 7, 0, tzinfo=UTC)
    )
    write_tiny_video(ex / "ch03_20261001090000_20261001090001.mp4")  # a channel nobody configured
    rows = indexed(cfg)
    assert spans(rows) == {
        "export/ch01_20260329005959_20260329020001.mp4": (
            "yard",
            utc(2026, 3, 29, 0, 59, 59),
            utc(2026, 3, 29, 1, 0, 1),
            "present",
        ),
        "export/ch01_20261024235959_20261025000001.mp4": (
            "yard",
            utc(2026, 10, 24, 22, 59, 59),
            utc(2026, 10, 24, 23, 0, 1),
            "present",
        ),
        "export/ch02_20261025015959_20261025020001.mp4": (
            "bay",
            utc(2026, 10, 25, 1, 59, 59),
            utc(2026, 10, 25, 2, 0, 1),
            "present",
        ),
        "export/192.168.1.64_02_20261025020000250.mp4": (
            "bay",
            utc(2026, 10, 25, 2, 0, 0, 250_000),
            utc(2026, 10, 25, 2, 0, 1, 250_000),
            "present",
        ),
        "export/ch02_20261001090000_20261001090030.mp4": (
            "bay",
            utc(2026, 10, 1, 8, 0),
            utc(2026, 10, 1, 8, 0, 1),
            "damaged",
        ),
        "export/ch01_20261001100000_20261001100001.mp4": (
            "yard",
            utc(2026, 10, 1, 9, 0),
            utc(2026, 10, 1, 9, 0, 1),
            "present",
        ),
        "export/ch03_20261001090000_20261001090001.mp4": (None, None, None, "quarantined"),
    }
    short = rows["export/ch02_20261001090000_20261001090030.mp4"]["state_reason"]
    assert "holds 1.0 s but its name spans 30.0 s" in short
    shown = cli(cfg, "index", "show", str(ex / "ch01_20261001100000_20261001100001.mp4"))
    assert "note:" in shown and "2 h 0 min apart" in shown and "indexed by the name" in shown
    assert "'ch03_" in rows["export/ch03_20261001090000_20261001090001.mp4"]["state_reason"]


def test_dahua_layout_with_mp4_files(tmp_path: Path) -> None:
    cfg = make_site(
        tmp_path,
        [("car-park", 'layout = "dahua"\nchannel = 1\n'), ("gate", 'layout = "dahua"\nchannel = 2\n')],
    )
    root = tmp_path / "archive"
    write_tiny_video(root / "2026-10-24/001/dav/23/23.59.59-00.00.01[M][0@0][0].mp4", seconds=2)
    # 01:30 on 25 October is ambiguous; the container's creation_time (GMT's 01:30) decides.
    write_tiny_video(
        root / "2026-10-25/001/dav/01/01.30.00-01.30.01[M][0@0][0].mp4",
        creation_time=datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    # Across the fall-back: 01:59:58 BST to 01:00:01 GMT is three seconds, not a day.
    write_tiny_video(
        root / "2026-10-25/001/dav/01/01.59.58-01.00.01[M][0@0][0].mp4",
        seconds=3,
        creation_time=datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC),
    )
    write_tiny_video(root / "2026-03-29/002/dav/02/02.00.00-02.00.01[R][0@0][0].mp4")  # first BST second
    write_tiny_video(root / "2026-10-25/002/dav/05/09.00.00-09.00.01[R][0@0][0].mp4")  # hour folder disagrees
    (root / "2026-10-25/002/dav/10").mkdir(parents=True)
    (root / "2026-10-25/002/dav/10/10.00.00-10.15.00[M][0@0][0].dav").write_bytes(b"DHAV" + os.urandom(4000))
    rows = indexed(cfg)
    assert spans(rows) == {
        "2026-10-24/001/dav/23/23.59.59-00.00.01[M][0@0][0].mp4": (
            "car-park",
            utc(2026, 10, 24, 22, 59, 59),
            utc(2026, 10, 24, 23, 0, 1),
            "present",
        ),
        "2026-10-25/001/dav/01/01.30.00-01.30.01[M][0@0][0].mp4": (
            "car-park",
            utc(2026, 10, 25, 1, 30),
            utc(2026, 10, 25, 1, 30, 1),
            "present",
        ),
        "2026-10-25/001/dav/01/01.59.58-01.00.01[M][0@0][0].mp4": (
            "car-park",
            utc(2026, 10, 25, 0, 59, 58),
            utc(2026, 10, 25, 1, 0, 1),
            "present",
        ),
        "2026-03-29/002/dav/02/02.00.00-02.00.01[R][0@0][0].mp4": (
            "gate",
            utc(2026, 3, 29, 1, 0),
            utc(2026, 3, 29, 1, 0, 1),
            "present",
        ),
        "2026-10-25/002/dav/05/09.00.00-09.00.01[R][0@0][0].mp4": (None, None, None, "quarantined"),
        "2026-10-25/002/dav/10/10.00.00-10.15.00[M][0@0][0].dav": ("gate", None, None, "quarantined"),
    }
    assert "do not agree" in rows["2026-10-25/002/dav/05/09.00.00-09.00.01[R][0@0][0].mp4"]["state_reason"]
    assert "Dahua .dav" in rows["2026-10-25/002/dav/10/10.00.00-10.15.00[M][0@0][0].dav"]["state_reason"]


@pytest.mark.parametrize("layout", ["frigate", "hikvision", "dahua"])
def test_init_writes_a_config_for_each_layout(tmp_path: Path, layout: str) -> None:
    cfg = tmp_path / "cctvkit.toml"
    result = runner.invoke(app, ["init", str(cfg), "--layout", layout])
    assert result.exit_code == 0, result.stderr
    (tmp_path / "archive").mkdir()
    status = json.loads(cli(cfg, "status", "--json"))
    assert status["cameras"] and all(c["damaged"] == 0 for c in status["cameras"])
    assert f'layout = "{layout}"' in cfg.read_text(encoding="utf-8")


def test_plain_and_patterned_cameras_side_by_side(tmp_path: Path) -> None:
    cfg = make_site(
        tmp_path,
        [
            ("gate", 'directory = "nvr1/gate"\nfilename_pattern = "gate_%Y%m%d_%H%M%S"\n'),
            ("door", 'layout = "frigate"\nnvr_name = "door"\ndirectory = "frigate"\n'),
        ],
    )
    root = tmp_path / "archive"
    write_tiny_video(root / "nvr1/gate/2026-10-01/gate_20261001_100000.mp4")  # a multi-level directory
    write_tiny_video(root / "frigate/2026-10-01/09/door/00.00.mp4")
    write_tiny_video(root / "lobby/lobby_20261001_100000.mp4")
    rows = indexed(cfg)
    assert spans(rows) == {
        "nvr1/gate/2026-10-01/gate_20261001_100000.mp4": (
            "gate",
            utc(2026, 10, 1, 9, 0),
            utc(2026, 10, 1, 9, 0, 1),
            "present",
        ),
        "frigate/2026-10-01/09/door/00.00.mp4": (
            "door",
            utc(2026, 10, 1, 9, 0),
            utc(2026, 10, 1, 9, 0, 1),
            "present",
        ),
        "lobby/lobby_20261001_100000.mp4": (None, None, None, "quarantined"),
    }
    reason = rows["lobby/lobby_20261001_100000.mp4"]["state_reason"]
    assert reason.startswith(
        "no camera is configured for directory 'lobby' and it matches no camera's pattern"
    )
