"""`cctvkit redact` on bad and unusual input: a one-line refusal naming the problem, or a correct output.

The index's side of the same inputs is tests/ingest/test_bad_input.py; here the redaction engine's
entry point must refuse what it cannot handle before any work, and handle correctly what it accepts
(animated GIF, variable frame rate, a wrong extension, unicode and non-UTF-8 names) with every face
masked.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from cctvkit.cli.main import app
from cctvkit.samplegen import write_scene
from cctvkit.video import VideoReader, probe
from tests.conftest import write_raw_stream, write_tiny_video
from tests.ingest.test_bad_input import _huge_png
from tests.reliability.conftest import CCTVKIT, REPO, runner
from tests.reliability.faces import FPS, SCENE, leaked_faces


def _png_named_mp4(path: Path) -> None:
    import cv2

    _ok, data = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))
    path.write_bytes(data.tobytes())


def _truncated(path: Path) -> None:
    data = write_tiny_video(path.with_name("whole.mp4")).read_bytes()
    path.write_bytes(data[: len(data) // 3])


REFUSED: dict[str, tuple[str, Callable[[Path], None], int, str]] = {
    "zero-byte": ("empty.mp4", lambda p: p.write_bytes(b""), 6, "empty file"),
    "truncated": ("cut.mp4", _truncated, 6, "not a readable video"),
    "random bytes": (
        "noise.mp4",
        lambda p: p.write_bytes(np.random.default_rng(0).bytes(20_000)),
        6,
        "not a readable video",
    ),
    "wrong extension (PNG named .mp4)": ("still.mp4", _png_named_mp4, 2, "a still image, not a video"),
    "raw H.264 stream without --fps": (
        "cam.h264",
        write_raw_stream,
        2,
        "raw h264 elementary stream has no frame times",
    ),
    "raw H.265 stream without --fps": (
        "cam.h265",
        lambda p: write_raw_stream(p, muxer="hevc", encoder="libx265", frames=5),
        2,
        "raw hevc elementary stream has no frame times: give the rate it was recorded at, e.g. --fps 25",
    ),
    "huge declared dimensions": ("huge.png", _huge_png, 6, "implausible frame size"),
}
"""Inputs redact must refuse: (file name, maker, exit code, message)."""


@pytest.mark.parametrize("kind", list(REFUSED))
def test_bad_input_is_refused_with_one_line(tmp_path: Path, kind: str) -> None:
    name, make, code, message = REFUSED[kind]
    source = tmp_path / name
    make(source)
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["redact", str(source), "-o", str(out)])
    assert result.exit_code == code, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == []


def _scene_frames(count: int) -> list[np.ndarray]:
    return [SCENE.render(i)[0] for i in range(count)]


def _write_gif(path: Path, count: int) -> list[float]:
    with av.open(str(path), "w", format="gif") as out:
        stream = out.add_stream("gif", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SCENE.size_wh, "rgb8"
        for i, image in enumerate(_scene_frames(count)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return [i / FPS for i in range(count)]


def _write_vfr(path: Path, count: int) -> list[float]:
    # Frames 100 ms apart, then a camera dropping frames: 300 ms gaps.
    half = count // 2
    times_ms = [i * 100 if i < half else half * 100 + (i - half) * 300 for i in range(count)]
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SCENE.size_wh, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for image, ms in zip(_scene_frames(count), times_ms, strict=True):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = ms, Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return [ms / 1000 for ms in times_ms]


ACCEPTED: dict[str, tuple[str, Callable[[Path, int], list[float]]]] = {
    "animated GIF": ("people.gif", _write_gif),
    "variable frame rate": ("people-vfr.mp4", _write_vfr),
    "MP4 named .jpg": ("people.jpg", lambda p, n: _write_vfr(p, n)),
    "unicode name": ("kamera Žiūrės 東京.mp4", _write_vfr),
}
"""Inputs redact handles: every frame kept at its time, every face masked."""


@pytest.mark.parametrize("kind", list(ACCEPTED))
def test_unusual_input_is_redacted_correctly(tmp_path: Path, kind: str) -> None:
    name, make = ACCEPTED[kind]
    source = tmp_path / name
    times = make(source, 12)
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["redact", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    with VideoReader(out) as reader:
        got = [round(f.time_s, 3) for f in reader.frames()]
    assert got == [round(t, 3) for t in times] and probe(out).has_audio is False
    assert leaked_faces(out, [source], 0, SCENE.ground_truth(0, 12)) == 0


def test_non_utf8_file_name(tmp_path: Path) -> None:
    """A name that is not valid UTF-8 (a camera's Latin-1 export) still works from a real shell."""
    source = os.fsencode(str(tmp_path)) + b"/cam\xe9ra.mp4"
    write_tiny_video(Path(os.fsdecode(source)))
    out = tmp_path / "out.mp4"
    proc = subprocess.run(
        [CCTVKIT, "redact", source, "-o", str(out)], cwd=REPO, capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert probe(out).frame_count == 10


def _write_raw_scene(path: Path, count: int, *, muxer: str, encoder: str) -> None:
    """A bare stream of the face scene, with B-frames (decode order differs from display order)."""
    options = {"x265-params": "log-level=none:bframes=3"} if encoder == "libx265" else {"bf": "3"}
    with av.open(str(path), "w", format=muxer) as out:
        stream = out.add_stream(encoder, rate=FPS, options=options)
        stream.width, stream.height, stream.pix_fmt = *SCENE.size_wh, "yuv420p"
        for i, image in enumerate(_scene_frames(count)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.parametrize(
    ("name", "muxer", "encoder"), [("cam.h264", "h264", "libx264"), ("cam.h265", "hevc", "libx265")]
)
def test_raw_stream_is_redacted_at_the_stated_rate(
    tmp_path: Path, name: str, muxer: str, encoder: str
) -> None:
    """A raw stream with --fps: remuxed in-process, every frame at its stated time, every face
    masked, and the report saying the times are assumed (issue 27)."""
    source = tmp_path / name
    _write_raw_scene(source, 12, muxer=muxer, encoder=encoder)
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["redact", str(source), "-o", str(out), "--fps", str(FPS)])
    assert result.exit_code == 0, result.stderr
    with VideoReader(out) as reader:
        got = [round(f.time_s, 3) for f in reader.frames()]
    assert got == [round(i / FPS, 3) for i in range(12)]
    reference = tmp_path / "scene.mp4"
    write_scene(reference, SCENE, start=0, stop=12, preset="ultrafast")
    assert leaked_faces(out, [reference], 0, SCENE.ground_truth(0, 12)) == 0
    report = json.loads((tmp_path / "out.redaction.json").read_text())
    assert report["input_path"] == str(source)
    assert report["timing"]["assumed_fps"] == str(FPS) and "remuxed in-process" in report["timing"]["how"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cctvkit-remux")] == []


def test_fps_on_a_file_with_its_own_times_is_refused(tmp_path: Path) -> None:
    source = write_tiny_video(tmp_path / "cam.mp4")
    result = runner.invoke(app, ["redact", str(source), "-o", str(tmp_path / "out.mp4"), "--fps", "25"])
    assert result.exit_code == 2 and "--fps is for raw .h264/.h265 streams" in result.stderr
    assert not (tmp_path / "out.mp4").exists()
