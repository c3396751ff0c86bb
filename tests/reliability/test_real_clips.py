"""The real clips in ../shared/eval/videos (MKV, MP4, an animated GIF of people): each probes and a short
span redacts cleanly. Read in place, never copied into the repo; skipped when the folder is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.cli.main import app
from cctvkit.video import probe
from tests.conftest import EVAL_DIR
from tests.reliability.conftest import runner

VIDEOS = EVAL_DIR / "videos"
CLIPS = sorted(p for p in VIDEOS.glob("*") if p.is_file()) if VIDEOS.is_dir() else []

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not CLIPS, reason=f"no real clips in {VIDEOS}"),
]


@pytest.mark.parametrize("clip", CLIPS, ids=lambda p: p.name)
def test_real_clip_probes_and_redacts(clip: Path, tmp_path: Path) -> None:
    if clip.suffix in {".h264", ".h265", ".264", ".265", ".hevc"}:
        # A raw elementary stream has no timestamps: without --fps it is refused with one line
        # (tests/reliability/test_redact_input.py redacts generated ones with --fps).
        result = runner.invoke(app, ["redact", str(clip), "-o", str(tmp_path / "out.mp4")])
        assert result.exit_code != 0 and "elementary stream" in result.stderr
        assert not (tmp_path / "out.mp4").exists()
        return
    info = probe(clip)
    assert info.kind == "video" and info.frame_count > 0 and info.duration_s > 0
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["redact", str(clip), "-o", str(out), "--start", "0", "--end", "0.3"])
    assert result.exit_code == 0, result.stderr
    redacted = probe(out)
    assert redacted.frame_count >= 1 and redacted.has_audio is False
