"""PyAV probing and span decoding on real files, and clear errors on bad ones."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from cctvkit.errors import CorruptVideoError, SeekError, VideoError, VideoOpenError
from cctvkit.video import VideoReader, VideoWriter, probe
from tests.conftest import write_avi_600, write_tiny_video


def test_probe_video(tmp_path: Path) -> None:
    when = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    path = write_tiny_video(tmp_path / "a.mp4", seconds=2.5, fps=10, size_wh=(64, 48), creation_time=when)
    info = probe(path)
    assert (info.kind, info.codec, info.width, info.height) == ("video", "h264", 64, 48)
    assert info.fps == Fraction(10)
    assert info.frame_count == 25
    assert info.duration_s == pytest.approx(2.5)
    assert info.creation_time_utc == when
    assert info.has_audio is False


def test_frame_rate_comes_from_the_timestamps_not_the_header(tmp_path: Path) -> None:
    # Issue #13: an AVI with a 1/600 header time base declares 600 fps for 25 frames a second.
    frames = [np.full((48, 64, 3), i * 5, np.uint8) for i in range(50)]
    path = write_avi_600(tmp_path / "dvr.avi", frames)
    with av.open(str(path)) as container:
        assert container.streams.video[0].average_rate == 600  # what the header says
    info = probe(path)
    assert (info.fps, info.frame_count) == (Fraction(25), 50)
    assert info.duration_s == pytest.approx(2.0)
    with VideoReader(path) as reader:
        assert reader.fps == Fraction(25)
        times = [frame.time_s for frame in reader.frames()]
    assert times == pytest.approx([i / 25 for i in range(50)])


def test_probe_still(tmp_path: Path) -> None:
    path = tmp_path / "snap.png"
    with VideoWriter(tmp_path / "x.mp4", width=32, height=32, fps=Fraction(1)):
        pass
    import cv2

    cv2.imwrite(str(path), np.full((32, 48, 3), 128, np.uint8))
    info = probe(path)
    assert (info.kind, info.width, info.height, info.duration_s, info.frame_count) == (
        "still",
        48,
        32,
        0.0,
        1,
    )


@pytest.mark.parametrize(
    ("make", "error", "fragment"),
    [
        (lambda p: p.write_bytes(b""), VideoOpenError, "empty file"),
        (
            lambda p: p.write_bytes(np.random.default_rng(0).bytes(3000)),
            VideoOpenError,
            "not a readable video",
        ),
        (lambda p: p.write_bytes(b"hello, I am text\n" * 50), VideoOpenError, "not a readable video"),
    ],
)
def test_probe_bad_files(tmp_path: Path, make, error: type[VideoError], fragment: str) -> None:
    path = tmp_path / "bad.mp4"
    make(path)
    with pytest.raises(error, match=fragment):
        probe(path)


def test_probe_truncated(tmp_path: Path) -> None:
    good = write_tiny_video(tmp_path / "good.mp4", seconds=2)
    for cut in (0.3, 0.6, 0.8):  # into the data, at the index, inside the index
        bad = tmp_path / f"cut{cut}.mp4"
        data = good.read_bytes()
        bad.write_bytes(data[: int(len(data) * cut)])
        with pytest.raises((VideoOpenError, CorruptVideoError)):
            probe(bad)


def test_frames_span_is_frame_accurate(tmp_path: Path) -> None:
    path = write_tiny_video(tmp_path / "a.mp4", seconds=3, fps=10)
    with VideoReader(path) as reader:
        frames = list(reader.frames(1.2, 2.0))
    assert len(frames) == 8
    assert frames[0].time_s == pytest.approx(1.2)
    assert frames[-1].time_s == pytest.approx(1.9)
    with VideoReader(path) as reader, pytest.raises(SeekError):
        list(reader.frames(10.0, 11.0))


@pytest.mark.parametrize(("params", "keyframes"), [("", 1), ("keyint=5:min-keyint=5:scenecut=0", 4)])
def test_writer_applies_x264_params(tmp_path: Path, params: str, keyframes: int) -> None:
    path = tmp_path / "o.mp4"
    ramp = np.broadcast_to(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (48, 64, 3))
    with VideoWriter(
        path, width=64, height=48, fps=Fraction(10), preset="superfast", x264_params=params
    ) as out:
        for i in range(20):  # a slow pan: no scene cut for x264 to key on
            out.write(np.ascontiguousarray(np.roll(ramp, i, axis=1)))
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    assert len(packets) == 20
    assert sum(p.is_keyframe for p in packets) == keyframes


def test_writer_refuses_odd_sizes(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="even dimensions"):
        VideoWriter(tmp_path / "o.mp4", width=33, height=20, fps=Fraction(10))
