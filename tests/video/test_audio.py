"""Audio carried into an output as AAC, trimmed to the span (``--keep-audio``, policy 12.3)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from cctvkit.errors import VideoOpenError
from cctvkit.samplegen import write_clip
from cctvkit.video import AudioSpan, VideoWriter, probe

TONE_HZ = 440
RATE = 16_000


def write_clip_with_tone(path: Path, *, seconds: float = 3.0) -> Path:
    """A generated 320x180 10 fps clip with a mono 440 Hz sine track of the same length."""
    silent = path.with_name(path.stem + "-silent.mp4")
    write_clip(silent, seconds=seconds, fps=10, size_wh=(320, 180), seed=1, faces=1)
    with av.open(str(silent)) as source, av.open(str(path), "w") as out:
        video = out.add_stream_from_template(source.streams.video[0])
        audio = out.add_stream("aac", rate=RATE)
        audio.codec_context.layout = "mono"
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = video
                out.mux(packet)
        samples = np.arange(round(seconds * RATE)) / RATE
        tone = (0.3 * np.sin(2 * np.pi * TONE_HZ * samples)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            frame = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024].copy(), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = RATE, start
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode(None):
            out.mux(packet)
    silent.unlink()
    return path


def _audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = [frame.to_ndarray() for frame in container.decode(stream)]
        return sum(s.shape[-1] for s in samples) / stream.codec_context.sample_rate


def test_audio_span_is_trimmed_and_encoded_as_aac(tmp_path: Path) -> None:
    source = write_clip_with_tone(tmp_path / "tone.mp4")
    assert probe(source).has_audio
    out = tmp_path / "out.mp4"
    with VideoWriter(
        out, width=320, height=180, fps=Fraction(10), audio=AudioSpan(source, 1.0, 2.0)
    ) as writer:
        for _ in range(10):
            writer.write(np.zeros((180, 320, 3), np.uint8))
    info = probe(out)
    assert info.has_audio and info.frame_count == 10
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    # One second, plus at most one AAC frame of encoder priming.
    assert 1.0 <= _audio_seconds(out) <= 1.0 + 2048 / RATE


def test_span_without_audio_is_refused(tmp_path: Path) -> None:
    silent = tmp_path / "silent.mp4"
    write_clip(silent, seconds=1, fps=10, size_wh=(64, 48), faces=0)
    with pytest.raises(VideoOpenError, match="no audio"):
        VideoWriter(tmp_path / "o.mp4", width=64, height=48, fps=Fraction(10), audio=AudioSpan(silent))
    assert not (tmp_path / "o.mp4").exists()
