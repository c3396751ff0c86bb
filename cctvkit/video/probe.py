"""Read a recording's metadata from its container without decoding the whole video."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av

from cctvkit.errors import CorruptVideoError, VideoOpenError

__all__ = ["STILL_SUFFIXES", "TIMING_PACKETS", "MediaInfo", "frame_rate_from_pts", "probe"]

log = logging.getLogger(__name__)

STILL_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
"""Snapshots are recordings too (policy 12.6): zero duration, one frame."""

RAW_STREAM_FORMATS = frozenset({"h264", "hevc", "h265", "rawvideo", "m4v", "mjpeg", "vc1", "av1", "obu"})
"""Demuxers of bare elementary streams: no timestamps, so no trustworthy duration or frame times."""

MAX_PIXELS = 8192 * 8192
"""Declared sizes above this are refused before any frame buffer is allocated."""

TIMING_PACKETS = 250
"""Frames (packets) whose timestamps measure a video's frame rate: 10 s at 25 fps."""


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What the container says about one file.

    Attributes:
        kind: ``"video"`` or ``"still"``.
        codec: codec name of the first video stream (``h264``, ``mjpeg``, ``png``...).
        width: frame width in pixels.
        height: frame height in pixels.
        fps: frame rate measured from the frames' timestamps (the header's rate only when they
            have none), ``None`` for stills. A header can be wrong: an AVI whose time base is
            1/600 declares 600 fps for 25 frames a second (issue #13).
        duration_s: seconds from the first frame's start to the last frame's end (0 for stills).
        frame_count: number of video packets (frames) demuxed.
        creation_time_utc: the container's ``creation_time`` tag, if any.
        has_audio: whether an audio stream is present.
    """

    kind: str
    codec: str
    width: int
    height: int
    fps: Fraction | None
    duration_s: float
    frame_count: int
    creation_time_utc: datetime | None
    has_audio: bool


def _parse_creation_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # FFmpeg writes UTC; a naive tag is taken as UTC by convention
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def probe(path: Path) -> MediaInfo:
    """Probe ``path``: open the container, demux the video packets (no decoding) and decode one frame.

    Demuxing every packet costs little next to hashing the file and catches truncation that the
    header alone hides; decoding the first frame proves the stream is really decodable.

    Args:
        path: a video file (any container FFmpeg reads) or a still (JPEG/PNG).

    Returns:
        The file's metadata.

    Raises:
        VideoOpenError: the file is empty, not a media file, or has no video stream.
        CorruptVideoError: the file opens but is truncated, damaged, or declares absurd sizes.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise VideoOpenError(f"{path}: cannot read ({exc.strerror})") from exc
    if size == 0:
        raise VideoOpenError(f"{path}: empty file")
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoOpenError(f"{path}: not a readable video or image ({_short(exc)})") from exc
    with container:
        if not container.streams.video:
            raise VideoOpenError(f"{path}: no video stream")
        # Judge by content, not by name: FFmpeg's image demuxers are image2 and *_pipe.
        fmt = container.format.name
        is_still = fmt == "image2" or fmt.endswith("_pipe")
        if not is_still and container.format.name in RAW_STREAM_FORMATS:
            raise VideoOpenError(
                f"{path}: raw {container.format.name} elementary stream without a container "
                "(no timestamps); remux it into MP4 or MKV first"
            )
        stream = container.streams.video[0]
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
            raise CorruptVideoError(f"{path}: implausible frame size {width}x{height}")
        has_audio = bool(container.streams.audio)
        creation = _parse_creation_time(container.metadata.get("creation_time"))
        try:
            count, first_pts, last_end, decoded_one, pts, last_pts = _demux(container, stream, size)
        except (av.error.FFmpegError, ValueError) as exc:
            raise CorruptVideoError(f"{path}: damaged data ({_short(exc)})") from exc
        if count == 0 or not decoded_one:
            raise CorruptVideoError(f"{path}: no decodable frame (truncated or damaged)")
        codec = ctx.name
        if is_still:
            return MediaInfo("still", codec, width, height, None, 0.0, 1, creation, False)
        tb = stream.time_base
        rate = stream.average_rate or stream.guessed_rate
        fps = frame_rate_from_pts(pts, Fraction(tb), rate and Fraction(rate)) if tb else None
        if fps is None:
            fps = Fraction(rate) if rate else None
        elif last_end is not None and last_pts is not None:
            # AVI packets last one header tick: the last frame then lasts one frame interval.
            step = round(1 / (fps * tb))
            if last_end - last_pts < step / 4:
                last_end = last_pts + step
        if first_pts is not None and last_end is not None and tb:
            duration_s = float((last_end - first_pts) * tb)
        elif fps:
            duration_s = count / float(fps)
        else:
            raise CorruptVideoError(f"{path}: no timestamps and no frame rate")
        if fps is None and duration_s > 0:
            fps = Fraction(count / duration_s).limit_denominator(1001)
        return MediaInfo("video", codec, width, height, fps, duration_s, count, creation, has_audio)


def frame_rate_from_pts(
    pts: Sequence[int], time_base: Fraction, declared: Fraction | None = None
) -> Fraction | None:
    """The frame rate timestamps show: one over the mean step between consecutive frames,
    leaving out gaps over 4x the median step (a paused recording, a dropped second).

    Args:
        pts: presentation timestamps of frames, in any order (B-frames arrive out of order).
        time_base: seconds per timestamp unit.
        declared: the header's rate, returned instead when the timestamps agree with it within
            1 % (it is exact where they are rounded).

    Returns:
        Frames per second, or ``None`` from fewer than two distinct timestamps.
    """
    ordered = sorted(set(pts))
    steps = sorted(b - a for a, b in pairwise(ordered))
    if not steps or time_base <= 0:
        return None
    # The mean, not the median: containers round timestamps (Matroska to milliseconds, so
    # 30 fps steps are 33 and 34 ms).
    steps = [step for step in steps if step <= 4 * steps[(len(steps) - 1) // 2]]
    measured = (len(steps) / (sum(steps) * Fraction(time_base))).limit_denominator(1001)
    if declared and abs(measured / Fraction(declared) - 1) < Fraction(1, 100):
        return Fraction(declared)
    return measured


def _demux(container, stream, size: int) -> tuple[int, int | None, int | None, bool, list[int], int | None]:
    """Count video packets and their time span; decode the first frame; detect truncation; the
    first :data:`TIMING_PACKETS` timestamps and the latest one."""
    pts: list[int] = []
    last_pts: int | None = None
    count = 0
    first_pts: int | None = None
    last_end: int | None = None
    decoded_one = False
    default_dur = None
    if stream.average_rate and stream.time_base:
        default_dur = max(1, round(1 / (stream.average_rate * stream.time_base)))
    for packet in container.demux(stream):
        if packet.size == 0:  # flush packet at end of stream
            continue
        if packet.is_corrupt:
            raise ValueError("corrupt packet")
        if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > size:
            raise ValueError("packet beyond end of file")
        count += 1
        if packet.pts is not None:
            if len(pts) < TIMING_PACKETS:
                pts.append(packet.pts)
            last_pts = packet.pts if last_pts is None else max(last_pts, packet.pts)
            dur = packet.duration or default_dur or 0
            first_pts = packet.pts if first_pts is None else min(first_pts, packet.pts)
            end = packet.pts + dur
            last_end = end if last_end is None else max(last_end, end)
        if not decoded_one:
            for _frame in packet.decode():
                decoded_one = True
                break
    if not decoded_one and count:
        # Decoders with delay (B-frames, threads) emit the first frame only on flush.
        try:
            decoded_one = bool(stream.codec_context.decode(None))
        except av.error.FFmpegError:
            decoded_one = False
    return count, first_pts, last_end, decoded_one, pts, last_pts


def _short(exc: Exception) -> str:
    """FFmpeg's message without the file name it repeats (the caller names the file once)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    text = re.sub(r":\s*'[^']*'$", "", text)
    return text[:160]
