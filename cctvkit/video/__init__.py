"""The only place that talks to FFmpeg's libraries (PyAV): probe, decode, seek and encode
(and, for stills, OpenCV's image codecs: :mod:`cctvkit.video.still`).

Probing (PyAV alone) is imported with the package; frames, stills and encoding (numpy, OpenCV) on
first use (PEP 562), so indexing new files in a cron purge never loads OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr
from cctvkit.video.audio import AudioSpan
from cctvkit.video.probe import STILL_SUFFIXES, MediaInfo, probe

if TYPE_CHECKING:
    from cctvkit.video.reader import VideoFrame, VideoReader
    from cctvkit.video.still import (
        STILL_JPEG_QUALITY,
        decode_still,
        encode_jpeg,
        is_still_image,
        read_still,
        write_jpeg,
    )
    from cctvkit.video.writer import VideoWriter, even_size, pad_to_even

__all__ = [
    "STILL_JPEG_QUALITY",
    "STILL_SUFFIXES",
    "AudioSpan",
    "MediaInfo",
    "VideoFrame",
    "VideoReader",
    "VideoWriter",
    "decode_still",
    "encode_jpeg",
    "even_size",
    "is_still_image",
    "pad_to_even",
    "probe",
    "read_still",
    "write_jpeg",
]

__getattr__ = lazy_getattr(
    __name__,
    {
        "VideoFrame": "cctvkit.video.reader",
        "VideoReader": "cctvkit.video.reader",
        **{
            name: "cctvkit.video.still"
            for name in (
                "STILL_JPEG_QUALITY",
                "decode_still",
                "encode_jpeg",
                "is_still_image",
                "read_still",
                "write_jpeg",
            )
        },
        "VideoWriter": "cctvkit.video.writer",
        "even_size": "cctvkit.video.writer",
        "pad_to_even": "cctvkit.video.writer",
    },
)
