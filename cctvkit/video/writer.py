"""Encode RGB numpy frames to H.264 MP4 (no audio) with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from cctvkit.errors import VideoError
from cctvkit.video.probe import _short

__all__ = ["VideoWriter"]


class VideoWriter:
    """Write frames of one size to an H.264 (``libx264``) file; use as a context manager.

    Args:
        path: output file; the container is chosen from its suffix (``.mp4``, ``.mkv``).
        width: frame width; odd sizes are refused because yuv420p needs even ones.
        height: frame height.
        fps: nominal frame rate (used when frames carry no pts).
        time_base: time base for ``pts`` given to :meth:`write`; defaults to ``1/fps``.
        preset: x264 speed preset (``ultrafast``..``veryslow``).
        crf: x264 quality (lower is better, 18-23 typical).
        metadata: container tags (e.g. ``creation_time`` in ISO 8601 UTC, ``comment``).
        threads: encoder threads (0: FFmpeg decides).
    """

    def __init__(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        fps: Fraction,
        time_base: Fraction | None = None,
        preset: str = "veryfast",
        crf: int = 20,
        metadata: dict[str, str] | None = None,
        threads: int = 0,
    ) -> None:
        if width % 2 or height % 2:
            raise VideoError(f"H.264 output needs even dimensions, got {width}x{height}")
        self.path = Path(path)
        self._container = av.open(str(self.path), mode="w")
        for key, value in (metadata or {}).items():
            self._container.metadata[key] = value
        self._fps = Fraction(fps)
        self._stream = self._container.add_stream("libx264", rate=self._fps)
        self._stream.width = width
        self._stream.height = height
        self._stream.pix_fmt = "yuv420p"
        self._time_base = time_base or 1 / self._fps
        self._stream.codec_context.time_base = self._time_base
        self._stream.options = {"preset": preset, "crf": str(crf)}
        if threads:
            self._stream.codec_context.thread_count = threads
        self._count = 0

    @property
    def frames_written(self) -> int:
        return self._count

    def write(self, image: np.ndarray, pts: int | None = None) -> None:
        """Encode one RGB frame of shape (height, width, 3), uint8.

        Args:
            image: the pixels.
            pts: presentation time in ``time_base`` units; defaults to the frame's index.
        """
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = self._count if pts is None else pts
        frame.time_base = self._time_base
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except av.error.FFmpegError as exc:
            raise VideoError(f"{self.path}: encoding failed ({_short(exc)})") from exc
        self._count += 1

    def close(self) -> None:
        """Flush the encoder and finish the container."""
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._container.close()
