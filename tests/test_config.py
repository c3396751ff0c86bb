"""Site config validation: every policy rule and typo gives one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.config import load_config
from cctvkit.errors import ConfigError
from tests.conftest import SITE_TOML


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "archive").mkdir(exist_ok=True)
    path = tmp_path / "cctvkit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_resolves_paths_against_file(tmp_path: Path) -> None:
    site = _write(tmp_path, SITE_TOML.format(tz="Europe/London"))
    cfg = load_config(site)
    assert cfg.archive_roots == [site.parent / "archive"]
    assert cfg.database_url == f"sqlite:///{site.parent / 'data' / 'catalog.db'}"
    assert cfg.camera("gate").retention_days == 30
    assert cfg.camera_tz(cfg.camera("hall")).key == "Europe/London"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("retention_days = 30", "retention_days = 120"), "cameras[gate].retention_days: 120 days exceeds"),
        (("retention_days = 30", "retention_days = 0"), "cameras[gate].retention_days"),
        (('timezone = "Europe/London"', 'timezone = "Mars/Olympus"'), "unknown timezone 'Mars/Olympus'"),
        (
            ('retention_justification = "Incidents at the gate are reported within days."\n', ""),
            "cameras[gate].retention_justification: required but missing",
        ),
        (('id = "hall"', 'id = "gate"'), "camera id 'gate' is defined twice"),
        (('archive_roots = ["archive"]', 'archive_roots = ["nowhere"]'), "archive root does not exist"),
        (('area = "Gate"', 'area = "Gate"\ncolour = "red"'), "unknown key 'colour' (valid"),
        # Issue 18: a misspelt key is named, with the closest valid one (not "retention_days: missing").
        (
            ("retention_days = 30", "retension_days = 30"),
            "cameras[gate].retension_days: unknown key 'retension_days'; did you mean 'retention_days'?",
        ),
        (('timezone = "Europe/London"', 'time_zone = "Europe/London"'), "did you mean 'timezone'?"),
        # Issue 18: numbers and booleans are strict; a quoted number is a typo, not a number.
        (("retention_days = 30", 'retention_days = "30"'), "cameras[gate].retention_days: Input should be"),
        (("retention_days = 30", "retention_days = 30.0"), "cameras[gate].retention_days: Input should be"),
        (("retention_days = 30", "retention_days = true"), "cameras[gate].retention_days: Input should be"),
        (('name = "Test Site"', "name = 7"), "site.name: Input should be a valid string"),
        (('filename_pattern = "gate_%Y%m%d_%H%M%S"', 'filename_pattern = "gate_%Y%j"'), "unsupported"),
        (("[site]", "[site\n"), "not valid TOML"),
    ],
)
def test_bad_config_one_line(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = SITE_TOML.format(tz="Europe/London").replace(*change, 1)
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


GATE_PATTERN = 'filename_pattern = "gate_%Y%m%d_%H%M%S"'
HALL_PATTERN = 'filename_pattern = "hall_%Y-%m-%dT%H-%M-%S"'


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ([(GATE_PATTERN, GATE_PATTERN + '\nlayout = "frigate"')], "layout and filename_pattern exclude"),
        ([(GATE_PATTERN, 'layout = "hikvision"')], "layout 'hikvision' needs the camera's channel"),
        ([(GATE_PATTERN, 'layout = "frigate"\nchannel = 2')], "layout 'frigate' takes no channel"),
        ([(GATE_PATTERN, 'layout = "milestone"')], "cameras[gate].layout: Input should be 'frigate'"),
        ([(GATE_PATTERN, "channel = 2")], "channel and nvr_name belong with a layout"),
        ([(GATE_PATTERN, 'filename_pattern = "%Y-%m-%d/gate_%H%M%S"')], "use path_pattern for folders"),
        ([(GATE_PATTERN, 'path_pattern = "gate/%Y%m%d"')], "path_pattern: needs the start codes"),
        ([(GATE_PATTERN, 'path_pattern = "gate/%Y%m%d%H%M%Q"')], "path_pattern: unsupported code %Q"),
        (
            [
                (GATE_PATTERN, 'path_pattern = "x/ch01_%Y%m%d%H%M%S"'),
                (HALL_PATTERN, 'path_pattern = "x/ch01_%Y%m%d%H%M%S"'),
            ],
            "cameras 'gate' and 'hall' share pattern 'x/ch01_%Y%m%d%H%M%S'",
        ),
        (
            [('area = "Gate"', 'area = "Gate"\ndirectory = "hall"')],
            "cameras 'gate' and 'hall' share directory 'hall'",
        ),
    ],
)
def test_bad_layouts_and_patterns_one_line(
    tmp_path: Path, changes: list[tuple[str, str]], expected: str
) -> None:
    text = SITE_TOML.format(tz="Europe/London")
    for change in changes:
        text = text.replace(*change, 1)
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_cameras_share_a_folder_when_their_patterns_differ(tmp_path: Path) -> None:
    text = (
        SITE_TOML.format(tz="Europe/London")
        .replace(GATE_PATTERN, 'layout = "hikvision"\nchannel = 1\ndirectory = "export"')
        .replace(HALL_PATTERN, 'path_pattern = ["export/ch02_%Y%m%d%H%M%S", "export/*_02_%Y%m%d%H%M%S%f"]')
    )
    cfg = load_config(_write(tmp_path, text))
    assert cfg.camera("gate").channel == 1 and cfg.camera("hall").path_pattern[1].endswith("%f")
