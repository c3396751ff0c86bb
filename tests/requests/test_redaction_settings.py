"""The site's `[redaction]` settings reach `redact`, `request review` and `request process` (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from cctvkit.errors import ConfigError
from cctvkit.redact.options import RedactOptions, build_options
from cctvkit.video import VideoReader
from tests.conftest import write_tiny_video

runner = CliRunner()
WINDOW = "gate@2026-10-01T10:00:01/10:00:03"
IDENTIFIED = ("--identity-method", "e-signature", "--identity-verified", "now")
ZONE = "privacy_zones = [[[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]]\n"
BLACK = (
    "[redaction]\nthreshold = 0.7\ncrf = 18\n\n"
    '[redaction.style]\nmethod = "fill"\nshape = "box"\nfill_rgb = [0, 0, 0]\n'
)


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


def _with(site: Path, section: str) -> Path:
    text = site.read_text(encoding="utf-8")
    gate_end = text.index("\n", text.index("Incidents at the gate")) + 1
    site.write_text(text[:gate_end] + ZONE + text[gate_end:] + "\n" + section, encoding="utf-8")
    return site


@pytest.fixture
def black_site(site: Path) -> Path:
    root = site.parent / "archive"
    write_tiny_video(root / "gate" / "gate_20261001_100000.mp4", seconds=2)
    write_tiny_video(root / "gate" / "gate_20261001_100002.mp4", seconds=2)
    _with(site, BLACK)
    code, _out, err = run(site, "index", "scan")
    assert code == 0, err
    return site


def _zone_pixels(path: Path) -> np.ndarray:
    with VideoReader(path) as reader:
        images = [f.image for f in reader.frames()]
    assert images
    return np.stack([img[:24, :32] for img in images])  # the zone: the top-left quarter of 64x48


def _process(site: Path, *flags: str) -> dict:
    code, out, err = run(
        site, "request", "new", "--requester", "Alex Doe", "--window", WINDOW, *IDENTIFIED, "--json"
    )
    assert code == 0, err
    rid = json.loads(out)["id"]
    code, out, err = run(site, "request", "process", rid, "--mask-everyone", *flags, "--json")
    assert code == 0, err
    result = json.loads(out)
    (clip,) = result["manifest"]["clips"]
    return {"clip": clip, "path": Path(result["path"]) / clip["file"]}


def test_site_settings_reach_the_manifest_and_the_pixels(black_site: Path) -> None:
    release = _process(black_site)
    parameters = release["clip"]["redaction"]["parameters"]
    assert parameters["threshold"] == 0.7 and parameters["min_score"] == 0.25 and parameters["crf"] == 18
    assert parameters["style"] == {
        **parameters["style"],
        "method": "fill",
        "shape": "box",
        "fill_rgb": [0, 0, 0],
    }
    # The privacy zone is masked in the site's style: black, where the default blur leaves grey.
    assert _zone_pixels(release["path"]).max() <= 8


def test_a_run_flag_overrides_the_site(black_site: Path) -> None:
    release = _process(black_site, "--method", "blur", "--threshold", "0.2")
    parameters = release["clip"]["redaction"]["parameters"]
    assert parameters["style"]["method"] == "blur" and parameters["style"]["shape"] == "box"
    assert parameters["threshold"] == 0.2 and parameters["min_score"] == 0.2  # min(0.25, threshold)
    assert parameters["crf"] == 18  # what the run did not set is still the site's
    assert _zone_pixels(release["path"]).mean() > 25  # blurred footage (40 grey, 220 bar), not black


def test_request_review_uses_the_site_settings(black_site: Path) -> None:
    code, out, err = run(
        black_site, "request", "new", "--requester", "Alex Doe", "--window", WINDOW, *IDENTIFIED, "--json"
    )
    assert code == 0, err
    rid = json.loads(out)["id"]
    code, out, err = run(black_site, "request", "review", rid, "--threshold", "0.9", "--json")
    assert code == 0, err
    (sheet,) = json.loads(out)
    analysis = json.loads(Path(sheet["analysis"]).read_text(encoding="utf-8"))
    parameters = next(v["parameters"] for v in _dicts(analysis) if "parameters" in v)
    assert parameters["threshold"] == 0.9 and parameters["style"]["method"] == "fill"


def _dicts(value: object) -> list[dict]:
    """Every mapping in a JSON document, outermost first."""
    if isinstance(value, dict):
        return [value, *(d for v in value.values() for d in _dicts(v))]
    if isinstance(value, list):
        return [d for v in value for d in _dicts(v)]
    return []


def test_redact_command_reads_the_site_and_its_flags_win(black_site: Path, tmp_path: Path) -> None:
    source = next((black_site.parent / "archive" / "gate").iterdir())
    out = tmp_path / "out.mp4"
    code, stdout, err = run(
        black_site, "redact", str(source), "-o", str(out), "--zone", "0,0;1,0;1,1", "--json"
    )
    assert code == 0, err
    report = json.loads(stdout)
    assert report["parameters"]["threshold"] == 0.7 and report["parameters"]["style"]["method"] == "fill"
    code, stdout, err = run(
        black_site,
        "redact",
        str(source),
        "-o",
        str(out),
        "--force",
        "--crf",
        "30",
        "--shape",
        "ellipse",
        "--json",
    )
    assert code == 0, err
    parameters = json.loads(stdout)["parameters"]
    assert (
        parameters["crf"] == 30
        and parameters["style"]["shape"] == "ellipse"
        and parameters["threshold"] == 0.7
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[redaction]\nthreshold = 1.5\n", "redaction: threshold must lie in (0, 1)"),
        ('[redaction]\nthreshold = "0.5"\n', "redaction.threshold: Input should be a valid number"),
        ('[redaction.style]\nmethod = "black"\n', "mask method 'black' is not one of blur, pixelate, fill"),
        ('[redaction]\npreset = "quick"\n', "preset must be one of ultrafast"),
        ("[redaction]\ntreshold = 0.5\n", "unknown key 'treshold'; did you mean 'threshold'?"),
        ("[redaction.style]\nfill_rgb = [0, 0, 300]\n", "fill_rgb must be three values in [0, 255]"),
    ],
)
def test_a_wrong_value_is_refused_at_load_in_one_line(site: Path, section: str, message: str) -> None:
    text = site.read_text(encoding="utf-8")
    site.write_text(text + "\n" + section, encoding="utf-8")
    with pytest.raises(ConfigError, match="redaction"):
        SiteConfig.from_toml(site)
    code, _out, err = run(site, "status")
    assert code == 3 and message in err and len(err.strip().splitlines()) == 1, err


def test_defaults_live_in_redact_options(site: Path) -> None:
    config = SiteConfig.from_toml(site)
    assert config.redaction.options() == RedactOptions()
    assert build_options({"threshold": 0.1}).min_score == 0.1
    assert build_options({"threshold": 0.6}).min_score == RedactOptions().min_score == 0.25


def test_a_flag_out_of_range_is_refused_in_one_line(black_site: Path, tmp_path: Path) -> None:
    source = next((black_site.parent / "archive" / "gate").iterdir())
    out = tmp_path / "out.mp4"
    code, _out, err = run(black_site, "redact", str(source), "-o", str(out), "--threshold", "1.5")
    assert code == 2 and err.strip() == "cctvkit: error: threshold must lie in (0, 1)" and not out.exists()
    code, help_text, _err = run(black_site, "request", "process", "--help")
    assert "--mask-scale" in help_text
    assert "not given: the site config's [redaction]" in " ".join(help_text.split())
