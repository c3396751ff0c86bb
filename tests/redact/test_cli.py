"""`cctvkit redact` through the real command line (CliRunner), exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.cli.redact import parse_track_ids, parse_zone, redact
from cctvkit.errors import UsageError
from cctvkit.samplegen import GroundTruth

if not any(command.name == "redact" for command in app.registered_commands):
    # Until cctvkit/cli/main.py mounts it, mount the command the way it will be.
    app.command("redact")(redact)


def test_redact_json_report(scene_clip: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    out = tmp_path / "o.mp4"
    result = CliRunner().invoke(
        app,
        [
            "redact",
            str(scene_clip[0]),
            "-o",
            str(out),
            "--json",
            "--zone",
            "0,0;0.2,0;0.2,0.2",
            "--method",
            "pixelate",
            "--shape",
            "box",
            "--start",
            "0",
            "--end",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["frame_count"] == 10
    assert report["parameters"]["style"]["method"] == "pixelate"
    assert report["parameters"]["privacy_zones"] == [[[0.0, 0.0], [0.2, 0.0], [0.2, 0.2]]]
    assert out.exists()


def test_damaged_input_is_one_line_and_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    result = CliRunner().invoke(app, ["redact", str(bad), "-o", str(tmp_path / "o.mp4")])
    assert result.exit_code == 6
    assert result.output.strip().startswith("cctvkit: error:")
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]


@pytest.mark.parametrize(
    "args",
    [
        ["--keep-track", "3,x"],
        ["--zone", "0,0;1,1"],
        ["--start", "1"],
        ["--x264-params", "bogus"],
        ["--sweep-every", "0"],
        ["--regions", "sometimes"],
        ["--model", "retinaface"],
        ["--preset", "quick"],
    ],
)
def test_bad_arguments_exit_2(scene_clip: tuple[Path, GroundTruth], tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, ["redact", str(scene_clip[0]), "-o", str(tmp_path / "o.mp4"), *args])
    assert result.exit_code == 2, result.output


def test_parsers() -> None:
    assert parse_track_ids("3, 7") == [3, 7]
    assert parse_track_ids(None) == []
    assert parse_zone("0,0; 0.5,0 0.5,0.5") == [(0.0, 0.0), (0.5, 0.0), (0.5, 0.5)]
    with pytest.raises(UsageError):
        parse_zone("0,0;1")


def test_output_directory_must_exist(tmp_path: Path) -> None:
    src = tmp_path / "in.mp4"
    src.write_bytes(b"irrelevant: refused before it is read")
    result = CliRunner().invoke(app, ["redact", str(src), "-o", str(tmp_path / "nowhere" / "out.mp4")])
    assert result.exit_code == 4
    assert "output directory" in result.stderr and "does not exist" in result.stderr


def test_output_that_is_a_directory_is_one_line_even_with_force(tmp_path: Path) -> None:
    """Issue 28: `-o EXISTING_DIR --force` ended in "internal error: IsADirectoryError"."""
    src = tmp_path / "in.mp4"
    src.write_bytes(b"irrelevant: refused before it is read")
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(app, ["redact", str(src), "-o", str(tmp_path / "out"), "--force"])
    assert result.exit_code == 2
    assert result.stderr == f"cctvkit: error: {tmp_path / 'out'} is a directory: name the file to write " + (
        "(--force replaces files only)\n"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_existing_output_is_refused_without_force(
    scene_clip: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    out = tmp_path / "o.mp4"
    out.write_bytes(b"an earlier release the operator still needs")
    args = ["redact", str(scene_clip[0]), "-o", str(out), "--start", "0", "--end", "0.5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == f"cctvkit: error: {out} exists; pass --force to overwrite it\n"
    assert out.read_bytes() == b"an earlier release the operator still needs"
    result = CliRunner().invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[4:8] == b"ftyp"  # now the redacted MP4
    result = CliRunner().invoke(app, ["redact", str(out), "-o", str(out), "--force"])
    assert result.exit_code == 2 and "would overwrite the input" in result.stderr


def test_face_check_line_and_exit_9_when_faces_remain(
    clip_two_faces: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    source = clip_two_faces[0]
    out = tmp_path / "o.mp4"
    result = CliRunner().invoke(app, ["redact", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("face check ("))
    assert "(retinaface+retinaface int8)" in line and line.endswith(" 0 remaining")  # no CenterFace

    # At threshold 0.99 the first pass masks nothing; with no re-mask round the face check's
    # findings remain: one line on stderr naming frames and boxes, exit 9.
    result = CliRunner().invoke(
        app,
        ["redact", str(source), "-o", str(out), "--force", "--threshold", "0.99", "--face-check-rounds", "0"],
    )
    assert result.exit_code == 9, result.output
    error = result.stderr.strip()
    assert error.startswith("cctvkit: error:") and "frame 0 [" in error and len(error.splitlines()) == 1
    report = json.loads(out.with_name("o.redaction.json").read_text())
    assert report["face_check"]["remaining"] >= 2 and report["face_check"]["re_masked"] == 0

    # The flag's name from before the rename still works (hidden from --help).
    args = ["redact", str(source), "-o", str(out), "--force", "--threshold", "0.99", "--audit-rounds", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(out.with_name("o.redaction.json").read_text())
    assert report["face_check"]["re_masked"] >= 2 and report["face_check"]["remaining"] == 0
