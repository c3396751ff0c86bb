"""Cut a stretch of footage exactly, across segment boundaries, into one near-lossless working clip.

The redaction engine reads one file and runs one tracker over it, so the spans of consecutive
segments are decoded frame-accurately and concatenated into a working clip first (H.264 at
CRF 0, ``ultrafast``). That costs one extra encode but keeps the engine's contract intact and
makes the review run and the release run read the very same frames, so track ids agree.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from cctvkit.errors import CorruptVideoError, UsageError
from cctvkit.files import atomic_path
from cctvkit.requests.coverage import SourceSpan
from cctvkit.video import VideoReader, VideoWriter, even_size, pad_to_even

__all__ = ["CutClip", "CutPart", "cut_key", "cut_run"]

log = logging.getLogger(__name__)

WORKING_CRF = 0
"""x264 quality of the working clip: 0 is lossless on the YUV planes (only RGB rounding is lost)."""


@dataclass(frozen=True, slots=True)
class CutPart:
    """The frames one source recording contributed.

    Attributes:
        recording_id: catalog id of the source.
        path: the source file.
        sha256: the source's content hash, checked before cutting.
        span_start_s: requested start within the source, seconds from its first frame.
        span_end_s: requested end (exclusive), seconds.
        first_frame_s: presentation time of the first frame used, seconds in the source.
        last_frame_s: presentation time of the last frame used.
        frames: frames used.
        first_frame_utc: wall-clock time of the first frame used (ISO 8601, UTC).
    """

    recording_id: int
    path: str
    sha256: str
    span_start_s: float
    span_end_s: float
    first_frame_s: float
    last_frame_s: float
    frames: int
    first_frame_utc: str


@dataclass(frozen=True, slots=True)
class CutClip:
    """A working clip: consecutive parts of source recordings, frame-accurate, timestamps continuous.

    Attributes:
        path: the working file.
        start_utc: wall-clock time of its first frame.
        end_utc: wall-clock end of its last frame (start + frames / fps).
        fps: frame rate as a fraction string (``"10/1"``).
        frame_count: frames in the clip.
        width: frame width.
        height: frame height.
        parts: the sources in order.
    """

    path: str
    start_utc: datetime
    end_utc: datetime
    fps: str
    frame_count: int
    width: int
    height: int
    parts: tuple[CutPart, ...]

    @property
    def duration_s(self) -> float:
        return self.frame_count / float(Fraction(self.fps))

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["start_utc"] = self.start_utc.isoformat()
        data["end_utc"] = self.end_utc.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CutClip:
        return cls(
            **{
                **data,
                "start_utc": datetime.fromisoformat(data["start_utc"]),
                "end_utc": datetime.fromisoformat(data["end_utc"]),
                "parts": tuple(CutPart(**p) for p in data["parts"]),
            }
        )


def cut_key(spans: Sequence[SourceSpan], hashes: dict[int, str]) -> str:
    """A short digest of the sources and spans: the same key means the same working clip."""
    data = [[s.recording.id, hashes[s.recording.id], round(s.start_s, 6), round(s.end_s, 6)] for s in spans]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def cut_run(
    spans: Sequence[SourceSpan],
    output: Path,
    *,
    hashes: dict[int, str],
    progress: Callable[[int, int], None] | None = None,
) -> CutClip:
    """Decode exactly ``spans`` (in order) and write them as one clip to ``output``.

    A clip already cut to ``output`` (with its JSON sidecar) is reused as is: it was written
    atomically, so it is complete.

    Args:
        spans: consecutive parts of recordings of one camera.
        output: the working clip (``.mp4``), written owner-only and atomically.
        hashes: verified sha256 of each source recording, by id.
        progress: called with (frames done, frames expected).

    Returns:
        What the clip holds, frame for frame.

    Raises:
        UsageError: no spans, or sources of different frame sizes or rates.
        VideoOpenError, CorruptVideoError, SeekError: a source cannot be read.
    """
    if not spans:
        raise UsageError("nothing to cut")
    output = Path(output)
    sidecar = _sidecar(output)
    if output.exists() and sidecar.exists():
        return CutClip.from_dict(json.loads(sidecar.read_text(encoding="utf-8")))
    expected = sum(round(s.duration_s * s.fps) for s in spans)
    parts: list[CutPart] = []
    written = 0
    first_time: datetime | None = None
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_path(output) as partial, ExitStack() as stack:
        writer: VideoWriter | None = None
        fps = Fraction(0)
        for span in spans:
            with VideoReader(Path(span.recording.path)) as reader:
                if writer is None:
                    fps = reader.fps
                    width, height = reader.width, reader.height
                    writer = stack.enter_context(
                        VideoWriter(
                            partial,
                            width=even_size(width, height)[0],
                            height=even_size(width, height)[1],
                            fps=fps,
                            preset="ultrafast",
                            crf=WORKING_CRF,
                            metadata={"comment": "cctvkit working clip (unredacted; never released)"},
                        )
                    )
                elif (reader.width, reader.height) != (width, height) or reader.fps != fps:
                    raise UsageError(
                        f"{span.recording.path}: {reader.width}x{reader.height} at {reader.fps} fps "
                        f"cannot be joined to {width}x{height} at {fps} fps; request the windows "
                        "separately"
                    )
                count, first_s, last_s = 0, 0.0, 0.0
                start_s = span.start_s if span.start_s > 0 else None
                for frame in reader.frames(start_s, span.end_s):
                    if count == 0:
                        first_s = frame.time_s
                    last_s = frame.time_s
                    writer.write(pad_to_even(frame.image))
                    count += 1
                    written += 1
                    if progress is not None:
                        progress(written, max(expected, written))
                if count == 0:
                    raise CorruptVideoError(
                        f"{span.recording.path}: no frames between {span.start_s:.3f}s and {span.end_s:.3f}s"
                    )
                assert span.recording.start_utc is not None
                part_start = span.recording.start_utc + timedelta(seconds=first_s)
                first_time = first_time or part_start
                parts.append(
                    CutPart(
                        recording_id=span.recording.id,
                        path=span.recording.path,
                        sha256=hashes[span.recording.id],
                        span_start_s=round(span.start_s, 6),
                        span_end_s=round(span.end_s, 6),
                        first_frame_s=round(first_s, 6),
                        last_frame_s=round(last_s, 6),
                        frames=count,
                        first_frame_utc=part_start.astimezone(UTC).isoformat(),
                    )
                )
        stack.close()  # flush the encoder and finish the file before it is renamed
    assert first_time is not None
    clip = CutClip(
        path=str(output),
        start_utc=first_time.astimezone(UTC),
        end_utc=(first_time + timedelta(seconds=written / float(fps))).astimezone(UTC),
        fps=str(fps),
        frame_count=written,
        width=even_size(width, height)[0],
        height=even_size(width, height)[1],
        parts=tuple(parts),
    )
    with atomic_path(sidecar) as partial:
        partial.write_text(json.dumps(clip.to_dict(), indent=1), encoding="utf-8")
    log.info("cut %d frames from %d recording(s) to %s", written, len(parts), output)
    return clip
