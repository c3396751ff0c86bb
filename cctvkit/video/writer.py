"""Encode RGB numpy frames to H.264 MP4 with PyAV, optionally on a worker thread and with audio."""

from __future__ import annotations

import ctypes
import platform
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

from cctvkit._worker import OrderedWorker
from cctvkit.errors import VideoError
from cctvkit.video.audio import AudioSpan, add_aac_stream, encode_audio_span
from cctvkit.video.probe import _short

__all__ = ["VideoWriter", "even_size", "fill_fresh_memory", "pad_to_even"]


def even_size(width: int, height: int) -> tuple[int, int]:
    """The output size for a ``width`` x ``height`` input: odd sides grow by one (yuv420p needs even)."""
    return width + width % 2, height + height % 2


def pad_to_even(image: np.ndarray) -> np.ndarray:
    """``image`` itself when its sides are even, else a new copy padded by one black row/column."""
    height, width = image.shape[:2]
    if width % 2 == 0 and height % 2 == 0:
        return image
    out_w, out_h = even_size(width, height)
    out = np.zeros((out_h, out_w, *image.shape[2:]), image.dtype)
    out[:height, :width] = image
    return out


_M_PERTURB = -6
"""glibc's ``mallopt`` parameter: fill every block it hands out (and takes back) with one byte."""


@cache
def fill_fresh_memory() -> bool:
    """Make memory that x264 reads before writing it the same bytes in every process.

    With macroblock-tree rate control, x264 reads memory it has not written when the height is
    not a multiple of 16 (measured: 270 and 266 rows; 1080, 360 and 272 were not affected;
    ``mbtree=0`` avoids it but makes files 2-3x larger): what the process's heap held before
    then decides the bottom-right macroblock, so the same frames encoded twice differed there
    (a 480x270 clip: 2-6 distinct files in 20-60 encodes in one process; CI failed on it). Filling fresh heap
    blocks with a constant byte (glibc's ``M_PERTURB``) made 160 encodes in 3 processes one
    file. Called by chunk jobs, whose segments must be the same bytes wherever they run; it
    holds for the rest of the process. Returns False where it is not glibc (nothing changed).
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    return bool(ctypes.CDLL("libc.so.6").mallopt(_M_PERTURB, 0x5A))


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
        x264_params: ``key=value`` pairs joined by ``:`` applied after the preset (x264's
            ``--x264-params``); empty for the plain preset.
        metadata: container tags (e.g. ``creation_time`` in ISO 8601 UTC, ``comment``).
        threads: encoder threads (0: FFmpeg decides).
        queue_frames: encode on a worker thread, holding up to this many frames (0: encode in
            :meth:`write`). x264 and the colour conversion release the GIL, so encoding then
            overlaps the caller's work (detection); frames must not be modified after
            :meth:`write` returns.
        audio: an audio span to encode as AAC into the output when the video is finished
            (``None``: no audio track).
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
        x264_params: str = "",
        metadata: dict[str, str] | None = None,
        threads: int = 0,
        queue_frames: int = 0,
        audio: AudioSpan | None = None,
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
        self._stream.options = {
            "preset": preset,
            "crf": str(crf),
            **({"x264-params": x264_params} if x264_params else {}),
        }
        if threads:
            self._stream.codec_context.thread_count = threads
        self._audio = audio
        try:
            self._audio_stream = add_aac_stream(self._container, audio) if audio is not None else None
        except BaseException:
            self._container.close()
            self.path.unlink(missing_ok=True)
            raise
        self._count = 0
        self._worker: OrderedWorker[tuple[np.ndarray, int]] | None = None
        if queue_frames > 0:
            self._worker = OrderedWorker(
                lambda item: self._encode(*item), capacity=queue_frames, name="video-encode"
            )

    @property
    def frames_written(self) -> int:
        return self._count

    def write(self, image: np.ndarray, pts: int | None = None) -> None:
        """Encode one RGB frame of shape (height, width, 3), uint8.

        Args:
            image: the pixels.
            pts: presentation time in ``time_base`` units; defaults to the frame's index.

        Raises:
            VideoError: the encoder failed (on a worker thread: raised by a later call).
        """
        pts = self._count if pts is None else pts
        self._count += 1
        if self._worker is None:
            self._encode(image, pts)
        else:
            self._worker.put((image, pts))

    def _encode(self, image: np.ndarray, pts: int) -> None:
        height, width = image.shape[:2]
        if width % 2 == 0 and height % 2 == 0:
            # OpenCV's BT.601 limited-range conversion equals swscale's default to +-1 level and
            # takes ~1.7 ms at 1080p against ~8 ms (issue #6).
            frame = av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
        else:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = pts
        frame.time_base = self._time_base
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (av.error.FFmpegError, ValueError) as exc:
            raise VideoError(f"{self.path}: encoding failed ({_short(exc)})") from exc

    def close(self) -> None:
        """Flush the encoder, add the audio span if any, and finish the container.

        Raises:
            VideoError: encoding failed.
            CorruptVideoError: the audio source is damaged.
        """
        try:
            if self._worker is not None:
                self._worker.stop()
                self._worker.raise_error()
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            if self._audio is not None and self._audio_stream is not None:
                encode_audio_span(self._audio, self._container, self._audio_stream)
        finally:
            self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            if self._worker is not None:
                self._worker.stop()
            self._container.close()
