"""`cctvkit redact STILL.jpg -o OUT.jpg`: a snapshot redacted through the clips' masking rule and audit
into a JPEG re-encoded from pixels (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.video import decode_still
from tests.redact.test_identity import _hopper, _write_rgb, needs_faces
from tests.requests.test_process_stills import _change, _scene_still, _write_jpeg_with_exif

runner = CliRunner()


def test_redact_a_still_from_the_command_line(tmp_path: Path) -> None:
    image, faces = _scene_still()
    source = tmp_path / "snap.jpg"
    _write_jpeg_with_exif(source, image)
    out = tmp_path / "out.jpg"
    zone = "0,0.85;1,0.85;1,1;0,1"  # the bottom strip
    flags = ["--zone", zone, "--method", "fill", "--json"]  # a run's mask style reaches the still
    result = runner.invoke(app, ["redact", str(source), "-o", str(out), *flags])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "still" and report["faces_masked"] == 2
    assert report["face_check"]["remaining"] == 0 and len(report["parameters"]["privacy_zones"]) == 1
    assert report["parameters"]["style"]["method"] == "fill"
    assert json.loads((tmp_path / "out.redaction.json").read_text())["faces_masked"] == 2
    before, after = decode_still(source.read_bytes()), decode_still(out.read_bytes())
    for box in faces:
        assert _change(before, after, box) > 15
    assert after[320:360].std() < 3 < before[320:360].std()  # the privacy zone: filled
    assert _change(before, after, (0, 240, 640, 290)) < 4  # neither face nor zone
    assert b"Exif" not in out.read_bytes() and not Image.open(out).getexif()


def test_still_options_that_do_not_apply_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "snap.jpg"
    _write_jpeg_with_exif(source, np.full((48, 64, 3), 90, np.uint8))
    result = runner.invoke(app, ["redact", str(source), "-o", str(tmp_path / "out.mp4")])
    assert result.exit_code == 2 and "a still image, not a video: name the output .jpg" in result.stderr
    result = runner.invoke(app, ["redact", str(source), "-o", str(tmp_path / "o.jpg"), "--keep-track", "1"])
    assert result.exit_code == 2 and "--keep-track does not apply to a still" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.jpg"]


@needs_faces
def test_requester_only_on_a_still_without_the_requester_pixelates_it_whole(tmp_path: Path) -> None:
    """`--requester-only` on a still (issue 26): no face matches the reference, so nothing stays sharp."""
    image, _ = _scene_still()  # two people, neither of them the requester (Hopper)
    source = tmp_path / "snap.jpg"
    _write_jpeg_with_exif(source, image)
    photo = _write_rgb(tmp_path / "passport.jpg", _hopper())
    out = tmp_path / "out.jpg"
    args = ["redact", str(source), "-o", str(out), "--requester-only", "--keep-face", str(photo)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "requester-only: no face matched the reference: the whole still is pixelated" in result.stdout
    before, after = decode_still(source.read_bytes()), decode_still(out.read_bytes())
    assert _change(before, after, (0, 240, 640, 290)) > 1  # even the background between: cells
    cell = after[0:11, 0:11].astype(float)
    assert cell.std(axis=(0, 1)).max() < 4  # one flat cell
