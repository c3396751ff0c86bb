"""Recordings as real recorders write them: sound that outlasts the pictures is no damage (issue 27)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.cli.main import app
from cctvkit.errors import CorruptVideoError
from cctvkit.video import probe
from tests.conftest import write_video_with_audio
from tests.reliability.conftest import runner


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".ts"])
def test_audio_longer_than_video_is_not_damage(tmp_path: Path, suffix: str) -> None:
    path = write_video_with_audio(tmp_path / f"cam{suffix}", video_s=2.0, audio_s=3.0)
    info = probe(path)
    assert info.damage is None and info.has_audio
    assert info.frame_count == 20 and info.duration_s == pytest.approx(2.0)


def test_truncation_is_still_caught_when_audio_is_present(tmp_path: Path) -> None:
    path = write_video_with_audio(tmp_path / "cam.mkv", video_s=4.0, audio_s=4.0)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(CorruptVideoError, match="damaged: the container declares"):
        probe(path)


def test_redact_accepts_a_clip_whose_audio_outlasts_its_video(tmp_path: Path) -> None:
    source = write_video_with_audio(tmp_path / "cam.mp4", video_s=2.0, audio_s=3.0)
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["redact", str(source), "-o", str(out), "--no-face-check"])
    assert result.exit_code == 0, result.stderr
    assert probe(out).frame_count == 20
