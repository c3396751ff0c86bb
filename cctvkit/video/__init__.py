"""The only place that talks to FFmpeg's libraries (PyAV): probe, decode, seek and encode."""

from cctvkit.video.audio import AudioSpan
from cctvkit.video.probe import STILL_SUFFIXES, MediaInfo, probe
from cctvkit.video.reader import VideoFrame, VideoReader
from cctvkit.video.writer import VideoWriter, even_size, pad_to_even

__all__ = [
    "STILL_SUFFIXES",
    "AudioSpan",
    "MediaInfo",
    "VideoFrame",
    "VideoReader",
    "VideoWriter",
    "even_size",
    "pad_to_even",
    "probe",
]
