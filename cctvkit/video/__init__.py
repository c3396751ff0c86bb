"""The only place that talks to FFmpeg's libraries (PyAV): probe, decode, seek and encode
(and, for stills, OpenCV's image codecs: :mod:`cctvkit.video.still`)."""

from cctvkit.video.audio import AudioSpan
from cctvkit.video.probe import STILL_SUFFIXES, MediaInfo, probe
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
