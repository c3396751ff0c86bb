"""Decode frames as RGB numpy arrays, optionally from a start time to an end time."""

from __future__ import annotations

import queue
import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from cctvkit.errors import CorruptVideoError, SeekError, VideoOpenError
from cctvkit.video.probe import TIMING_PACKETS, _short, frame_rate_from_pts, stream_time_base

__all__ = ["VideoFrame", "VideoReader"]


@dataclass(slots=True)
class VideoFrame:
    """One decoded frame.

    Attributes:
        index: 0-based index among the frames this reader yielded.
        pts: presentation timestamp in ``time_base`` units of the source stream.
        time_s: presentation time in seconds from the start of the file.
        image: RGB pixels, shape (height, width, 3), dtype uint8.
    """

    index: int
    pts: int | None
    time_s: float
    image: np.ndarray


class VideoReader:
    """Open a video for decoding; use as a context manager.

    Raises:
        VideoOpenError: the file cannot be opened or has no video stream.
    """

    def __init__(self, path: Path, *, threads: int = 0) -> None:
        self.path = Path(path)
        try:
            self._container = av.open(str(self.path), mode="r")
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            raise VideoOpenError(f"{self.path}: cannot open ({_short(exc)})") from exc
        if not self._container.streams.video:
            self._container.close()
            raise VideoOpenError(f"{self.path}: no video stream")
        self._stream = self._container.streams.video[0]
        self._fps: Fraction | None = None
        # Frame-threaded decoding: PyAV releases the GIL, so this uses every core.
        self._stream.thread_type = "AUTO"
        if threads:
            self._stream.codec_context.thread_count = threads

    @property
    def width(self) -> int:
        return int(self._stream.codec_context.width)

    @property
    def height(self) -> int:
        return int(self._stream.codec_context.height)

    @property
    def fps(self) -> Fraction:
        """Frames per second, from the frames' timestamps (see :func:`frame_rate_from_pts`);
        the header's rate only for frames without them."""
        if self._fps is None:
            self._fps = self._measured_fps()
            if self._fps is None:
                rate = self._stream.average_rate or self._stream.guessed_rate or Fraction(25)
                self._fps = Fraction(rate)
        return self._fps

    def _measured_fps(self) -> Fraction | None:
        # A container of its own: demuxing this one would move its read position.
        try:
            with av.open(str(self.path), mode="r") as container:
                stream = container.streams.video[0]
                pts = []
                for packet in container.demux(stream):
                    if packet.pts is not None and packet.size:
                        pts.append(packet.pts)
                    if len(pts) >= TIMING_PACKETS:
                        break
                if not stream.time_base:
                    return None
                declared = stream.average_rate or stream.guessed_rate
                return frame_rate_from_pts(pts, Fraction(stream.time_base), declared and Fraction(declared))
        except (av.error.FFmpegError, ValueError):
            return None  # damage surfaces where the frames are decoded

    @property
    def time_base(self) -> Fraction:
        return stream_time_base(self._stream, self.path)

    @property
    def has_audio(self) -> bool:
        return bool(self._container.streams.audio)

    def frames(
        self,
        start_s: float | None = None,
        end_s: float | None = None,
        *,
        prefetch: int = 0,
        only: Container[int] | None = None,
    ) -> Iterator[VideoFrame]:
        """Yield frames whose presentation time t satisfies ``start_s <= t < end_s``.

        Seeks to the keyframe before ``start_s`` and decodes from there, so only the span needed
        is decoded (frame-accurate, not keyframe-accurate).

        Args:
            start_s: first time wanted, seconds (``None``: from the start).
            end_s: end time (exclusive), seconds (``None``: to the end).
            prefetch: decode on a worker thread up to this many frames ahead (0: decode in the
                caller's thread). PyAV releases the GIL while decoding and converting, so
                decoding then overlaps the caller's work.
            only: yield only the frames with these indices (counted from the first frame
                yielded without it); the others are decoded, as they must be, but never converted
                to RGB (a third of a 1080p frame's decode time).

        Raises:
            SeekError: ``start_s`` is beyond the end of the file.
            CorruptVideoError: the data is damaged mid-stream.
        """
        if prefetch > 0:
            return _prefetched(self._frames(start_s, end_s, only), prefetch)
        return self._frames(start_s, end_s, only)

    def _frames(
        self, start_s: float | None, end_s: float | None, only: Container[int] | None = None
    ) -> Iterator[VideoFrame]:
        stream = self._stream
        tb = self.time_base
        start_ts = stream.start_time or 0
        if start_s is not None and start_s > 0:
            try:
                self._container.seek(start_ts + int(start_s / tb), stream=stream, backward=True)
            except av.error.FFmpegError as exc:
                raise SeekError(f"{self.path}: cannot seek to {start_s:.3f}s ({_short(exc)})") from exc
        index = 0
        try:
            for frame in self._container.decode(stream):
                pts = frame.pts
                t = float((pts - start_ts) * tb) if pts is not None else index / float(self.fps)
                # Half a frame of slack absorbs rounding of pts to the time base.
                half = 0.5 / float(self.fps)
                if start_s is not None and t < start_s - half:
                    continue
                if end_s is not None and t >= end_s - half:
                    break
                if only is None or index in only:
                    yield VideoFrame(index, pts, t, frame.to_ndarray(format="rgb24"))
                index += 1
        except av.error.FFmpegError as exc:
            raise CorruptVideoError(f"{self.path}: damaged data at frame {index} ({_short(exc)})") from exc
        if start_s is not None and index == 0:
            raise SeekError(f"{self.path}: no frames at or after {start_s:.3f}s")

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DONE = object()


def _prefetched(frames: Iterator[VideoFrame], depth: int) -> Iterator[VideoFrame]:
    """Run ``frames`` on a worker thread, ``depth`` items ahead; errors surface in the caller."""
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for frame in frames:
                if not put(frame):
                    return
        except BaseException as exc:  # handed to the consumer
            put(exc)
            return
        put(_DONE)

    worker = threading.Thread(target=work, name="video-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]  # neither the end marker nor an error: a frame
    finally:
        stop.set()
        worker.join()
