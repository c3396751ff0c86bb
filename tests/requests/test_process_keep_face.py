"""`request process --keep-face`: the requester's tracks found by face in each clip, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import skimage.data
from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.redact.test_identity import _write_rgb, _write_two_people, needs_faces

runner = CliRunner()


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_people_site(site: Path) -> Path:
    """The test site with one 6 s gate segment (10 fps, 640x360): Collins walking, Hopper standing."""
    _write_two_people(site.parent / "archive" / "gate" / "gate_20261001_100000.mp4", frames=60)
    return site


def _open_request(site: Path) -> str:
    code, out, err = run(site, "index", "scan")
    assert code == 0, err
    new = ["request", "new", "--type", "subject", "--requester", "Eileen Collins"]
    window = ["--window", "gate@2026-10-01T10:00:01/10:00:05"]
    identified = ["--identity-method", "in person, passport checked", "--identity-verified", "now"]
    code, out, err = run(site, *new, *window, *identified, "--json")
    assert code == 0, err
    return json.loads(out)["id"]


@needs_faces
def test_process_keeps_the_requester_by_face(two_people_site: Path, tmp_path: Path) -> None:
    site = two_people_site
    rid = _open_request(site)
    photo = _write_rgb(tmp_path / "passport.jpg", skimage.data.astronaut())
    code, out, err = run(site, "request", "process", rid, "--keep-face", str(photo), "--json")
    assert code == 0, err
    (clip,) = json.loads(out)["manifest"]["clips"]
    identity = clip["redaction"]["identity"]
    assert identity["reference"]["file"] == "passport.jpg"  # the name only: the manifest is released
    assert identity["max_distance"] == 0.6
    decisions = {t["decision"]: t for t in identity["tracks"]}
    assert set(decisions) == {"match", "different person"}
    assert clip["redaction"]["kept_track_ids"] == [decisions["match"]["track_id"]] == identity["kept_tracks"]
    assert decisions["different person"]["track_id"] in clip["redaction"]["masked_track_ids"]


@needs_faces
def test_process_keep_face_refusals(two_people_site: Path, tmp_path: Path) -> None:
    site = two_people_site
    rid = _open_request(site)
    code, _, err = run(site, "request", "process", rid, "--keep-face", str(tmp_path / "none.jpg"))
    assert code == 4 and "none.jpg" in err
    faceless = _write_rgb(tmp_path / "coffee.jpg", skimage.data.coffee())
    code, _, err = run(site, "request", "process", rid, "--keep-face", str(faceless))
    assert code == 2 and "no face found" in err
    code, out, err = run(site, "request", "show", rid, "--json")
    assert code == 0, err
    assert json.loads(out)["outcome"] is None  # nothing was released
