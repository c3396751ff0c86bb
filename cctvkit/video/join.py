"""Join H.264 segments encoded apart into one MP4 by copying packets (no re-encode), frame-exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from cctvkit.errors import VideoError
from cctvkit.video.probe import _short, stream_time_base

__all__ = ["Segment", "join_segments"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of the joined video.

    Attributes:
        path: an MP4 whose first frame is a keyframe (each encoder run starts with one) and whose
            timestamps start at 0.
        offset_s: where its first frame goes in the joined video, seconds (exact as a fraction:
            the source frame's pts times its time base).
        frames: frames it must hold (checked: a short segment is a lost frame at a seam).
    """

    path: Path
    offset_s: Fraction
    frames: int


def join_segments(
    segments: Sequence[Segment], output: Path, *, metadata: dict[str, str] | None = None
) -> int:
    """Write ``segments`` one after the other into ``output`` with their packets' timestamps shifted.

    The segments must come from the same encoder settings (same size, codec parameters and time
    base): their codec headers are compared and a mismatch is refused, since a decoder reads
    only the first. Nothing is decoded or re-encoded, so each frame's pixels are exactly the
    segment's.

    Returns:
        The number of frames written.

    Raises:
        VideoError: no segments, a segment unreadable, holding other than its frame count, or
            encoded with different parameters; timestamps that would overlap at a seam.
    """
    if not segments:
        raise VideoError("nothing to join")
    inputs = []
    try:
        for segment in segments:
            try:
                inputs.append(av.open(str(segment.path), mode="r"))
            except (av.error.FFmpegError, ValueError) as exc:
                raise VideoError(f"{segment.path}: cannot open segment ({_short(exc)})") from exc
        first = inputs[0].streams.video[0]
        for segment, container in zip(segments, inputs, strict=True):
            stream = container.streams.video[0]
            if (
                stream.codec_context.extradata != first.codec_context.extradata
                or stream.time_base != first.time_base
                or (stream.codec_context.width, stream.codec_context.height)
                != (first.codec_context.width, first.codec_context.height)
            ):
                raise VideoError(f"{segment.path}: encoded with other parameters than {segments[0].path}")
        with av.open(str(output), mode="w", format="mp4") as out:
            for key, value in (metadata or {}).items():
                out.metadata[key] = value
            out_stream = out.add_stream_from_template(first)
            time_base = stream_time_base(first, output)
            written = 0
            last_dts: int | None = None
            for segment, container in zip(segments, inputs, strict=True):
                stream = container.streams.video[0]
                shift = segment.offset_s / time_base
                if shift.denominator != 1:
                    # The offset is a source pts; the segments keep the source's time base.
                    raise VideoError(f"{segment.path}: offset {segment.offset_s} s is not on the time base")
                count = 0
                for packet in container.demux(stream):
                    if packet.size == 0:
                        continue
                    packet.pts = None if packet.pts is None else packet.pts + int(shift)
                    packet.dts = None if packet.dts is None else packet.dts + int(shift)
                    if packet.dts is not None and last_dts is not None and packet.dts <= last_dts:
                        raise VideoError(f"{segment.path}: its frames overlap the previous segment's")
                    last_dts = packet.dts
                    packet.stream = out_stream
                    out.mux(packet)
                    count += 1
                if count != segment.frames:
                    raise VideoError(f"{segment.path}: holds {count} frames, expected {segment.frames}")
                written += count
    except av.error.FFmpegError as exc:
        raise VideoError(f"{output}: joining failed ({_short(exc)})") from exc
    finally:
        for container in inputs:
            container.close()
    return written
