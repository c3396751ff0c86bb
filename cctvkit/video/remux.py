"""Give a raw elementary stream (``.h264``, ``.h265``) the timestamps it lacks, in-process.

Many recorders export bare H.264/H.265 streams: no container, so no frame times. Told the frame
rate, :func:`remux_raw` copies the compressed frames unchanged into a Matroska file with one frame
every ``1/fps`` seconds (no ``ffmpeg`` binary, no re-encoding). Presentation order is learned by
decoding once: frames come out of the decoder carrying the number of the packet they came from,
which places B-frames correctly.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

from cctvkit.errors import CorruptVideoError, UsageError, VideoOpenError
from cctvkit.video.probe import RAW_STREAM_FORMATS

__all__ = ["MAX_RAW_FPS", "raw_stream_format", "remux_raw"]

MAX_RAW_FPS = 300
"""Stated frame rates above this are refused as typing errors."""


def raw_stream_format(path: Path) -> str | None:
    """FFmpeg's name for ``path``'s demuxer when it is a bare elementary stream, else ``None``."""
    try:
        with av.open(str(path), mode="r") as container:
            name = container.format.name
            return name if name in RAW_STREAM_FORMATS and container.streams.video else None
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError):
        return None


def remux_raw(source: Path, dest: Path, fps: Fraction) -> int:
    """Copy the raw stream ``source`` into the Matroska file ``dest``, ``fps`` frames a second.

    Args:
        source: a bare elementary stream (:func:`raw_stream_format` names it).
        dest: the ``.mkv`` to write.
        fps: the frame rate the recorder ran at (a raw stream does not say).

    Returns:
        Frames copied.

    Raises:
        UsageError: ``fps`` is not in (0, :data:`MAX_RAW_FPS`].
        VideoOpenError: ``source`` is not a raw video stream.
        CorruptVideoError: some of its frames do not decode.
    """
    if not 0 < fps <= MAX_RAW_FPS:
        raise UsageError(f"--fps {float(fps):g}: the recorded frame rate: above 0, at most {MAX_RAW_FPS}")
    kind = raw_stream_format(source)
    if kind is None:
        raise VideoOpenError(f"{source}: not a raw video stream")
    shown = _presentation_order(source)
    delay = max((decoded - shown[decoded] for decoded in range(len(shown))), default=0)
    tick = 1 / Fraction(fps)
    with av.open(str(source)) as container, av.open(str(dest), "w", format="matroska") as out:
        stream = container.streams.video[0]
        copy = out.add_stream_from_template(stream)
        copy.time_base = tick
        number = 0
        for packet in container.demux(stream):
            if not packet.size:
                continue
            packet.stream, packet.time_base = copy, tick
            # dts counts packets in decode order, shifted so that it never passes the pts.
            packet.pts, packet.dts, packet.duration = shown[number], number - delay, 1
            out.mux(packet)
            number += 1
    return number


def _presentation_order(source: Path) -> list[int]:
    """For each packet (in file order), its place in presentation order."""
    order: list[int] = []
    count = 0
    try:
        with av.open(str(source)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for packet in container.demux(stream):
                if packet.size:
                    packet.pts = packet.dts = count  # the decoder hands it back on the frame
                    count += 1
                order.extend(int(frame.pts) for frame in packet.decode() if frame.pts is not None)
    except av.error.FFmpegError as exc:
        raise CorruptVideoError(f"{source}: damaged data after {count} frame(s) ({exc})") from exc
    if count == 0 or sorted(order) != list(range(count)):
        raise CorruptVideoError(f"{source}: {len(order)} of {count} frame(s) decode (damaged stream)")
    shown = [0] * count
    for place, decoded in enumerate(order):
        shown[decoded] = place
    return shown
