"""Shared fixtures: temporary sites with real archive roots, tiny real videos, ERROR-log guard."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from cctvkit.video import VideoWriter
from tests.pgserver import PgServer, find_pg_bin

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_footage"
EVAL_DIR = REPO.parent / "shared" / "eval"

# Speed is measured in benchmarks, never asserted in tests: no per-example deadline (a loaded
# 2-core machine made a property test fail on time alone).
settings.register_profile("cctvkit", deadline=None)
settings.load_profile("cctvkit")


def write_tiny_video(
    path: Path,
    *,
    seconds: float = 1.0,
    fps: int = 10,
    size_wh: tuple[int, int] = (64, 48),
    creation_time: datetime | None = None,
) -> Path:
    """A real H.264 MP4 with a moving bar (distinct frames), written by the project's encoder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size_wh
    meta = {"creation_time": creation_time.isoformat().replace("+00:00", "Z")} if creation_time else None
    with VideoWriter(path, width=w, height=h, fps=Fraction(fps), metadata=meta, preset="ultrafast") as out:
        for i in range(round(seconds * fps)):
            img = np.full((h, w, 3), 40, np.uint8)
            x = (i * 3) % w
            img[:, x : x + 4] = 220
            out.write(img)
    return path


def write_avi_600(path: Path, frames: list[np.ndarray], *, real_fps: int = 25) -> Path:
    """An MPEG-4 AVI whose header time base is 1/600 (so it declares 600 fps) holding
    ``frames`` ``real_fps`` a second by their timestamps: what some DVR exports look like."""
    import av

    height, width = frames[0].shape[:2]
    step = 600 // real_fps
    with av.open(str(path), "w", format="avi") as out:
        stream = out.add_stream("mpeg4", rate=600)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 600)
        stream.codec_context.bit_rate = 4_000_000
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = index * step, Fraction(1, 600)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def write_raw_stream(path: Path, *, muxer: str = "h264", encoder: str = "libx264", frames: int = 10) -> Path:
    """A bare elementary stream with no container (what a camera's SD card or a careless export holds)."""
    import av

    options = {"x265-params": "log-level=none"} if encoder == "libx265" else {}
    with av.open(str(path), "w", format=muxer) as out:
        stream = out.add_stream(encoder, rate=10, options=options)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 20, np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_video_with_audio(path: Path, *, video_s: float, audio_s: float, fps: int = 10) -> Path:
    """A 64x48 H.264 video track of ``video_s`` and a silent mono AAC track of ``audio_s`` seconds
    (recorders often keep sound running after the pictures stop)."""
    import av

    rate, block = 8000, 1024
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=rate)
        audio.codec_context.layout = "mono"
        for i in range(round(video_s * fps)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 9 % 256, np.uint8), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for start in range(0, round(audio_s * rate), block):
            sound = av.AudioFrame.from_ndarray(np.zeros((1, block), np.float32), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = rate, start
            out.mux(audio.encode(sound))
        out.mux(audio.encode(None))
    return path


def write_shifted(source: Path, dest: Path, shift_s: float, *, format: str = "mp4") -> Path:
    """``source``'s packets copied into ``dest`` with every timestamp moved by ``shift_s``: a late
    first frame (positive), or, in MP4, an edit list whose first ``-shift_s`` seconds are cut."""
    import av

    with av.open(str(source)) as reader, av.open(str(dest), "w", format=format) as out:
        stream = reader.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for packet in reader.demux(stream):
            if packet.dts is None:
                continue
            ticks = round(shift_s / packet.time_base)
            packet.pts, packet.dts, packet.stream = packet.pts + ticks, packet.dts + ticks, copy
            out.mux(packet)
    return dest


SITE_TOML = """\
[site]
name = "Test Site"
timezone = "{tz}"
archive_roots = ["archive"]
data_dir = "data"

[[cameras]]
id = "gate"
site = "Test Site"
area = "Gate"
filename_pattern = "gate_%Y%m%d_%H%M%S"
retention_days = 30
retention_justification = "Incidents at the gate are reported within days."

[[cameras]]
id = "hall"
site = "Test Site"
area = "Hall"
filename_pattern = "hall_%Y-%m-%dT%H-%M-%S"
retention_days = 7
retention_justification = "The hall is busy; a week is enough to review incidents."
"""


BACKENDS = [b for b in os.environ.get("CCTVKIT_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
"""Catalog backends every `site`-based test runs against (issue 8); narrow it locally for speed."""


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """One PostgreSQL server for the session, or None (skip) when none can be started outside CI."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must test PostgreSQL but no server binaries are installed (see .ci/run)")
        yield None
        return
    server = PgServer(bin_dir)
    try:
        server.start()
    except Exception:
        if os.environ.get("CI"):
            raise
        yield None
        return
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for the default SQLite file in the site's data dir, or a fresh PostgreSQL database
    (the catalog's schema already migrated in it; dropped after the test)."""
    if request.param == "sqlite":
        yield None
        return
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("no PostgreSQL server could be started here (install Debian's postgresql)")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def site(tmp_path: Path, database_url: str | None) -> Path:
    """A site directory with an empty archive for cameras 'gate' (30 d) and 'hall' (7 d), London time.

    Parametrized over the catalog backends (SQLite, PostgreSQL). Returns the path of its cctvkit.toml.
    """
    (tmp_path / "archive" / "gate").mkdir(parents=True)
    (tmp_path / "archive" / "hall").mkdir(parents=True)
    cfg = tmp_path / "cctvkit.toml"
    text = SITE_TOML.format(tz="Europe/London")
    if database_url:
        text = text.replace('data_dir = "data"\n', f'data_dir = "data"\ndatabase_url = "{database_url}"\n')
    cfg.write_text(text, encoding="utf-8")
    return cfg


@pytest.fixture(autouse=True)
def no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test that logged an ERROR it did not expect (PySceneDetect's habit)."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors and not getattr(caplog, "errors_expected", False):
        pytest.fail("unexpected ERROR log: " + "; ".join(r.getMessage() for r in errors))


@pytest.fixture(autouse=True)
def own_key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Approver keys (issue 19) live in a per-test directory, never the real ~/.config/cctvkit/keys."""
    path = tmp_path / "own-keys"
    monkeypatch.setenv("CCTVKIT_KEY_DIR", str(path))
    return path
