"""Carry a span of a recording's audio into an output as AAC (only on explicit request, policy 12.3)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from cctvkit.errors import CorruptVideoError, VideoOpenError
from cctvkit.video.probe import _short

__all__ = ["AudioSpan", "add_aac_stream", "encode_audio_span"]

AAC_BITRATE = 128_000
"""Bits per second of the re-encoded audio."""


@dataclass(frozen=True, slots=True)
class AudioSpan:
    """The audio to carry: ``start_s <= t < end_s`` of the first audio stream of ``path``.

    Attributes:
        path: the source recording.
        start_s: seconds from the start of the file (the output's time 0).
        end_s: end in seconds (``None``: to the end of the file).
    """

    path: Path
    start_s: float = 0.0
    end_s: float | None = None


def _open_audio(span: AudioSpan):
    try:
        container = av.open(str(span.path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoOpenError(f"{span.path}: cannot open ({_short(exc)})") from exc
    if not container.streams.audio:
        container.close()
        raise VideoOpenError(f"{span.path}: no audio stream to keep")
    return container, container.streams.audio[0]


def add_aac_stream(output, span: AudioSpan):
    """Add an AAC stream matching the source's sample rate and layout to an open ``output``.

    Must be called before the first packet is muxed (the header is written then).

    Raises:
        VideoOpenError: the source cannot be opened or has no audio.
    """
    container, source = _open_audio(span)
    with container:
        rate = int(source.codec_context.sample_rate or 48_000)
        layout = source.codec_context.layout.name if source.codec_context.layout else "stereo"
    if layout not in ("mono", "stereo"):
        layout = "stereo"
    stream = output.add_stream("aac", rate=rate)
    stream.codec_context.layout = layout
    stream.codec_context.bit_rate = AAC_BITRATE
    return stream


def encode_audio_span(span: AudioSpan, output, stream) -> int:
    """Decode the span's audio, trim it to the span, encode it with ``stream`` and mux it.

    Returns:
        Samples written.

    Raises:
        VideoOpenError: the source cannot be opened or has no audio.
        CorruptVideoError: the audio data is damaged.
    """
    container, source = _open_audio(span)
    rate = stream.codec_context.sample_rate
    resampler = av.AudioResampler(format="fltp", layout=stream.codec_context.layout.name, rate=rate)
    first = round(span.start_s * rate)
    last = None if span.end_s is None else round(span.end_s * rate)
    start_ts = source.start_time or 0
    written = 0
    with container:
        if span.start_s > 0:
            try:
                container.seek(start_ts + int(span.start_s / source.time_base), stream=source, backward=True)
            except av.error.FFmpegError:
                container.seek(0)
        try:
            for frame in container.decode(source):
                if frame.pts is None:
                    continue
                at = round(float((frame.pts - start_ts) * source.time_base) * rate)
                for out in resampler.resample(frame):
                    written += _mux_trimmed(out, at, first, last, written, output, stream)
                    at += out.samples
                if last is not None and at >= last:
                    break
            for out in resampler.resample(None):
                written += _mux_trimmed(out, None, first, last, written, output, stream)
            for packet in stream.encode(None):
                output.mux(packet)
        except av.error.FFmpegError as exc:
            raise CorruptVideoError(f"{span.path}: damaged audio ({_short(exc)})") from exc
    return written


def _mux_trimmed(frame, at: int | None, first: int, last: int | None, written: int, output, stream) -> int:
    """Encode the part of ``frame`` (starting at sample ``at``) inside ``[first, last)``."""
    samples = frame.samples
    at = first + written if at is None else at
    lo = max(0, first - at)
    hi = samples if last is None else min(samples, last - at)
    if hi <= lo:
        return 0
    if (lo, hi) != (0, samples):
        data = frame.to_ndarray()[:, lo:hi]
        trimmed = av.AudioFrame.from_ndarray(
            data.copy(order="C"), format=frame.format.name, layout=frame.layout.name
        )
        trimmed.sample_rate = frame.sample_rate
        frame = trimmed
    frame.pts = written
    frame.time_base = Fraction(1, frame.sample_rate)
    for packet in stream.encode(frame):
        output.mux(packet)
    return hi - lo
