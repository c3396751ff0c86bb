"""Bad input to the index: each kind of bad file is quarantined with a clear reason, the scan goes on."""

from __future__ import annotations

import os
import struct
import zlib
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from cctvkit.catalog import open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.config import load_config
from cctvkit.ingest import scan_archive
from tests.conftest import write_raw_stream, write_tiny_video

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _huge_png(path: Path) -> None:
    # A valid PNG header declaring 100000 x 100000 pixels with almost no data.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)))


def _gif(path: Path) -> None:
    with av.open(str(path), "w", format="gif") as out:
        stream = out.add_stream("gif", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "rgb8"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def _vfr(path: Path) -> None:
    # Variable frame rate: frames 100 ms apart, then 300 ms apart (a camera dropping frames).
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i, ms in enumerate([0, 100, 200, 500, 800, 1100]):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 30, np.uint8), format="rgb24")
            frame.pts, frame.time_base = ms, Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def test_bad_inputs_are_quarantined_and_the_scan_goes_on(site: Path) -> None:
    gate = site.parent / "archive" / "gate"
    good = write_tiny_video(gate / "gate_20261001_100000.mp4")
    data = good.read_bytes()
    (gate / "gate_20261001_100100.mp4").write_bytes(b"")
    (gate / "gate_20261001_100200.mp4").write_bytes(data[: len(data) // 3])
    # Fixed noise: some random draws parse as an audio-only stream ("no video stream"), a flaky test.
    noise = np.random.default_rng(20261001).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    (gate / "gate_20261001_100300.mp4").write_bytes(noise)
    (gate / "gate_20261001_100400.jpg").write_bytes(data)  # an MP4 named .jpg: content wins
    cv2.imwrite(str(gate / "gate_20261001_100500.mp4.png"), np.zeros((8, 8, 3), np.uint8))
    os.rename(gate / "gate_20261001_100500.mp4.png", gate / "gate_20261001_100500.mp4")  # PNG named .mp4
    write_raw_stream(gate / "gate_20261001_100600.h264")
    _huge_png(gate / "gate_20261001_100700.png")
    _gif(gate / "gate_20261001_100800.gif")
    _vfr(gate / "gate_20261001_100900.mp4")
    write_tiny_video(gate / "gate_19700101_000000.mp4")  # camera clock reset (London was on BST in 1970)
    write_tiny_video(gate / "gate_20991231_000000.mp4")  # clock far in the future
    write_tiny_video(gate / "gate_20261001_101000 kamera Žiūrės 東京.mp4")  # not matching pattern, unicode
    write_tiny_video(
        gate / "gate_20261001_101100.mp4", creation_time=datetime(2026, 10, 1, 9, 11, tzinfo=UTC)
    )
    bad_name = os.fsencode(str(gate)) + b"/gate_20261001_101200_\xff.mp4"
    with open(bad_name, "wb") as fh:
        fh.write(data)

    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    summary = scan_archive(catalog, cfg, actor="tester", now=NOW)
    with catalog.read() as conn:
        recs = {Path(r.path).name: r for r in rq.list_recordings(conn)}

    def reason(name: str) -> str:
        assert recs[name].state == "quarantined", (name, recs[name].state)
        assert recs[name].start_utc is None
        return recs[name].state_reason or ""

    assert recs["gate_20261001_100000.mp4"].state == "present"
    assert "empty file" in reason("gate_20261001_100100.mp4")
    assert "not a readable video" in reason("gate_20261001_100200.mp4")
    assert "not a readable video" in reason("gate_20261001_100300.mp4")
    assert "raw h264 elementary stream" in reason("gate_20261001_100600.h264")
    assert "implausible frame size" in reason("gate_20261001_100700.png")
    assert "implausible recording time 1969-12-31T23:00" in reason("gate_19700101_000000.mp4")
    assert "implausible recording time 2099" in reason("gate_20991231_000000.mp4")
    assert "does not match pattern" in reason("gate_20261001_101000 kamera Žiūrės 東京.mp4")
    # Wrong extensions are judged by content, and indexed when the content is good.
    assert recs["gate_20261001_100400.jpg"].kind == "video"
    assert recs["gate_20261001_100500.mp4"].state == "present"
    gif = recs["gate_20261001_100800.gif"]
    assert (gif.state, gif.codec, gif.frame_count) == ("present", "gif", 5)
    vfr = recs["gate_20261001_100900.mp4"]
    assert vfr.state == "present" and vfr.frame_count == 6
    assert vfr.duration_s == pytest.approx(1.2, abs=0.11)  # last frame at 1.1 s plus its duration
    named = recs["gate_20261001_101100.mp4"]
    assert named.start_utc == datetime(2026, 10, 1, 9, 11, tzinfo=UTC)
    # The non-UTF-8 name cannot be stored, so it is reported, and everything else was indexed.
    assert summary.unindexable == 1
    assert any("not valid UTF-8" in why for _, why in summary.problems)
    assert summary.files_seen == 15
