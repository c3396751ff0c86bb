"""`cctvkit redact --chunk-seconds` and `cctvkit worker` at the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cctvkit.cli.main import app
from tests.conftest import write_tiny_video

runner = CliRunner()


def test_redact_in_chunks(tmp_path: Path) -> None:
    clip = tmp_path / "in.mp4"
    write_tiny_video(clip, seconds=6)
    out = tmp_path / "out.mp4"
    chunked = ("--processes", "1", "--chunk-seconds", "2")
    result = runner.invoke(app, ["redact", str(clip), "-o", str(out), *chunked, "--no-face-check", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frame_count"] == 60
    assert [c["frames"] for c in report["parameters"]["chunks"]] == [20, 20, 20]
    assert out.is_file() and not out.with_name("out.mp4.jobs").exists()  # job files go on success


def test_worker_needs_the_celery_backend(site: Path) -> None:
    result = runner.invoke(app, ["-c", str(site), "worker"])
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        f"cctvkit: error: {site.resolve()}: [jobs] backend is 'local'; a worker needs celery"
    ]
