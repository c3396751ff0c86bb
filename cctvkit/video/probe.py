"""Read a recording's metadata from its container without decoding the whole video."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

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

TS_PACKET_SIZES = (188, 192, 204)
"""MPEG-TS packet sizes FFmpeg reads: a file of none of their multiples ends inside a packet."""

DECLARED_SLACK_S = 0.5
"""How much longer than its packets a container may declare itself (audio tails, rounding)."""

TIMING_PACKETS = 250
"""Frames (packets) whose timestamps measure a video's frame rate: 10 s at 25 fps."""


def stream_time_base(stream: Any, path: object) -> Fraction:
    """The stream's time base; a stream without one cannot be timed, so the file is refused."""
    if stream.time_base is None:
        raise CorruptVideoError(f"{path}: the video stream has no time base")
    return Fraction(stream.time_base)


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
        damage: why the file is damaged (truncated, corrupt packets), ``None`` when sound; then
            ``duration_s`` and ``frame_count`` cover only the decodable span before the damage.
        declared_duration_s: the duration the container's header declares, if it declares one.
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
    damage: str | None = None
    declared_duration_s: float | None = None


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


def probe(path: Path, *, damaged_ok: bool = False) -> MediaInfo:
    """Probe ``path``: open the container, demux the video packets (no decoding) and decode one frame.

    Demuxing every packet costs little next to hashing the file and catches truncation that the
    header alone hides; decoding the first frame proves the stream is really decodable. Damage is
    judged without decoding more (issue 14): a packet that reaches past the end of the file or is
    flagged corrupt, a transport stream that ends inside a 188-byte packet, or a header that
    declares more time than the packets hold.

    Args:
        path: a video file (any container FFmpeg reads) or a still (JPEG/PNG).
        damaged_ok: return a damaged file's metadata with ``damage`` set and the span before the
            damage (the index keeps such files), instead of raising.

    Returns:
        The file's metadata.

    Raises:
        VideoOpenError: the file is empty, not a media file, or has no video stream.
        CorruptVideoError: the file opens but is damaged (unless ``damaged_ok``), has no decodable
            frame, or declares absurd sizes.
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
        index = _mp4_index_problem(path)
        if index:
            raise VideoOpenError(
                f"{path}: not a readable video: an MP4 {index}, cut off while recording; its frames "
                "cannot be placed in time"
            ) from exc
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
                "(no timestamps): redact it with --fps RATE, the rate it was recorded at"
            )
        stream = container.streams.video[0]
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
            raise CorruptVideoError(f"{path}: implausible frame size {width}x{height}")
        has_audio = bool(container.streams.audio)
        creation = _parse_creation_time(container.metadata.get("creation_time"))
        try:
            span = _demux(container, stream, size)
        except (av.error.FFmpegError, ValueError) as exc:
            raise CorruptVideoError(f"{path}: damaged data ({_short(exc)})") from exc
        if span.count == 0 or not span.decoded_one:
            raise CorruptVideoError(f"{path}: no decodable frame (truncated or damaged)")
        codec = ctx.name
        if is_still:
            return MediaInfo("still", codec, width, height, None, 0.0, 1, creation, False)
        tb = stream.time_base
        rate = stream.average_rate or stream.guessed_rate
        fps = frame_rate_from_pts(span.pts, Fraction(tb), rate and Fraction(rate)) if tb else None
        if fps is None:
            fps = Fraction(rate) if rate else None
        elif tb and span.last_end is not None and span.last_pts is not None:
            # AVI packets last one header tick: the last frame then lasts one frame interval.
            step = round(1 / (fps * tb))
            if span.last_end - span.last_pts < step / 4:
                span.last_end = span.last_pts + step
        if span.first_pts is not None and span.last_end is not None and tb:
            duration_s = float((span.last_end - span.first_pts) * tb)
        elif fps:
            duration_s = span.count / float(fps)
        else:
            raise CorruptVideoError(f"{path}: no timestamps and no frame rate")
        if fps is None and duration_s > 0:
            fps = Fraction(span.count / duration_s).limit_denominator(1001)
        declared, packets_end_s, whose = _declared(container, stream, duration_s, span)
        damage = span.damage
        if damage is None and fmt == "mpegts" and all(size % n for n in TS_PACKET_SIZES):
            damage = "the transport stream ends inside a packet (truncated)"
        if damage is None and declared is not None:
            slack = max(DECLARED_SLACK_S, 3 / float(fps)) if fps else DECLARED_SLACK_S
            if declared - packets_end_s > slack:
                end = f"{packets_end_s:.1f} s"
                damage = f"the container declares {declared:.1f} s{whose} but its frames end at {end}"
        if damage and not damaged_ok:
            raise CorruptVideoError(f"{path}: damaged: {damage}")
        return MediaInfo(
            "video", codec, width, height, fps, duration_s, span.count, creation, has_audio, damage, declared
        )


def _declared(container, stream, duration_s: float, span: _Span) -> tuple[float | None, float, str]:
    """The duration to hold the packets to, the seconds the packets cover, and what it is of.

    The video stream's own declared duration when the container keeps one (MP4, MOV, TS): an
    audio track that runs on after the pictures stop is common and is no damage (issue 27). Else
    the container's overall duration, held to the end of every stream's packets (Matroska keeps
    one duration for all its tracks).
    """
    if stream.duration and stream.duration > 0 and stream.time_base:
        return float(stream.duration * stream.time_base), duration_s, " of video"
    if not container.duration or container.duration <= 0:
        return None, duration_s, ""
    # Matroska counts its duration from time zero, not from a late first frame.
    tb = stream.time_base
    absolute = float(span.last_end * tb) if span.last_end is not None and tb else 0.0
    return container.duration / 1e6, max(duration_s, absolute, span.others_end_s), ""


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


@dataclass(slots=True)
class _Span:
    """What demuxing found: sound packets, their pts range, whether one decoded, why it stopped early."""

    count: int = 0
    first_pts: int | None = None
    last_end: int | None = None
    pts: list[int] = field(default_factory=list)  # the first TIMING_PACKETS, for the frame rate
    last_pts: int | None = None
    decoded_one: bool = False
    damage: str | None = None
    others_end_s: float = 0.0  # where the other streams' (audio's) packets end, from the video's start


def _demux(container, stream, size: int) -> _Span:
    """Count video packets and their time span; decode the first frame; stop at the first damage."""
    span = _Span()
    default_dur = None
    if stream.average_rate and stream.time_base:
        default_dur = max(1, round(1 / (stream.average_rate * stream.time_base)))
    tb = stream.time_base
    # Other streams are demuxed too (their packets cost little) only to learn where they end.
    others = [s for s in container.streams if s.index != stream.index and s.type in ("audio", "video")]
    other_end: float | None = None
    for packet in container.demux([stream, *others]):
        if packet.size == 0:  # flush packet at end of stream
            continue
        if packet.stream.index != stream.index:
            if packet.pts is not None and packet.time_base:
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                other_end = end if other_end is None else max(other_end, end)
            continue
        if packet.is_corrupt:
            span.damage = f"corrupt data at {_at(packet, span, tb):.1f} s"
            break
        if packet.pos is not None and packet.pos >= 0 and packet.pos + packet.size > size:
            span.damage = (
                f"the file is cut off at {_at(packet, span, tb):.1f} s (a frame reaches past its end)"
            )
            break
        if packet.is_discard:
            # Before an edit list's start: decoded (a later frame may need it), never shown.
            if not span.decoded_one:
                span.decoded_one = any(True for _frame in packet.decode())
            continue
        span.count += 1
        if packet.pts is not None:
            if len(span.pts) < TIMING_PACKETS:
                span.pts.append(packet.pts)
            span.last_pts = packet.pts if span.last_pts is None else max(span.last_pts, packet.pts)
            dur = packet.duration or default_dur or 0
            span.first_pts = packet.pts if span.first_pts is None else min(span.first_pts, packet.pts)
            end = packet.pts + dur
            span.last_end = end if span.last_end is None else max(span.last_end, end)
        if not span.decoded_one:
            for _frame in packet.decode():
                span.decoded_one = True
                break
    if other_end is not None and span.first_pts is not None and tb:
        span.others_end_s = other_end - float(span.first_pts * tb)
    if not span.decoded_one and span.count:
        # Decoders with delay (B-frames, threads) emit the first frame only on flush.
        try:
            span.decoded_one = bool(stream.codec_context.decode(None))
        except av.error.FFmpegError:
            span.decoded_one = False
    return span


def _at(packet, span: _Span, tb) -> float:
    """Seconds from the first frame to ``packet`` (for messages only)."""
    if packet.pts is None or not tb:
        return 0.0
    return float((packet.pts - (span.first_pts or 0)) * tb)


def _mp4_index_problem(path: Path) -> str | None:
    """For an ISO-BMFF file (``ftyp`` first): what is wrong with its ``moov`` index, if anything.

    Reads only the top-level box headers, to name the usual cause of an unreadable MP4: a recorder
    that writes the index last and was cut off.
    """
    boxes: list[tuple[bytes, int]] = []
    try:
        with open(path, "rb") as fh:
            pos, end = 0, path.stat().st_size
            while pos + 8 <= end and len(boxes) < 64:
                fh.seek(pos)
                head = fh.read(16)
                size, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if size == 1 and len(head) == 16:
                    size = int.from_bytes(head[8:16], "big")
                boxes.append((kind, pos + size - end))
                if size < 8:
                    break
                pos += size
    except OSError:
        return None
    if not boxes or boxes[0][0] != b"ftyp":
        return None
    moov = [past for kind, past in boxes if kind == b"moov"]
    if not moov:
        return "without its index (no moov box)"
    if moov[0] > 0:
        return "whose index (moov box) is cut short"
    return None


def _short(exc: Exception) -> str:
    """FFmpeg's message without the file name it repeats (the caller names the file once)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", text)
    text = re.sub(r":\s*'[^']*'$", "", text)
    return text[:160]
