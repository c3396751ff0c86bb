"""Redact a clip as chunks on a job backend and join them into one output, frame-exactly."""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cctvkit.config import JobsSection
from cctvkit.errors import UsageError
from cctvkit.files import atomic_path, sha256_file
from cctvkit.jobs.chunk import ChunkJob, job_state
from cctvkit.jobs.merge import gathered_evidence, joined_analysis, joined_report, write_review_from_report
from cctvkit.jobs.plan import TRACK_ID_BLOCK, Chunk, context_frames, plan_chunks
from cctvkit.jobs.runner import Backend, LocalBackend, run_jobs
from cctvkit.jobs.worker_id import worker_identity
from cctvkit.redact.analysis import StoredAnalysis
from cctvkit.redact.boxes import FrameBoxes
from cctvkit.redact.face_checker import face_check_identity
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.report import RedactionReport, write_json
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.video.join import Segment, join_segments
from cctvkit.video.timeline import FrameTimeline, frame_timeline

__all__ = [
    "DEFAULT_CHUNK_S",
    "ChunkRecord",
    "ChunkRunner",
    "ChunkedRun",
    "chunk_length_s",
    "clip_chunks",
    "one_pass_record",
    "plan_jobs",
    "redact_chunked",
]

log = logging.getLogger(__name__)

JOB_FORMAT = 5
"""Part of every job's settings hash: bumped when a job's output changes for the same settings
(2: segments encoded with one x264 thread; 3: a fresh detector per job; 4: manual masks and the
face check in the job; 5: no B-frames, see :data:`~cctvkit.jobs.chunk.DETERMINISTIC_X264`)."""

DEFAULT_CHUNK_S = 60.0
"""Chunk length when chunks run in parallel and ``[jobs] chunk_s`` is not set: the context
around each chunk (about 3 s at the defaults) costs ~5 %, and a lost chunk ~1 minute of work."""


def chunk_length_s(settings: JobsSection, backend: Backend) -> float:
    """``[jobs] chunk_s``, else :data:`DEFAULT_CHUNK_S` on a parallel backend, else one chunk (inf)."""
    if settings.chunk_s is not None:
        return settings.chunk_s
    parallel = not isinstance(backend, LocalBackend) or backend.processes > 1
    return DEFAULT_CHUNK_S if parallel else math.inf


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    """One chunk of a finished run, for the manifest.

    Attributes:
        index: 0-based position in the clip.
        first_frame: its first frame in the clip.
        frames: its frames.
        host: the host that redacted it.
        attempts: attempts it took (more than one: a worker died or an attempt failed).
        elapsed_s: seconds its successful attempt took.
        job: the job's name (request/clip/chunk/settings hash).
        worker: the Celery worker's name (``-n``), or ``local@<host>`` (issue 30: two workers
            on one host, or containers sharing a host name, are told apart).
        pid: the process that redacted it.
    """

    index: int
    first_frame: int
    frames: int
    host: str
    attempts: int
    elapsed_s: float
    job: str
    worker: str = "?"
    pid: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "first_frame": self.first_frame,
            "frames": self.frames,
            "host": self.host,
            "attempts": self.attempts,
            "elapsed_s": self.elapsed_s,
            "job": self.job,
            "worker": self.worker,
            "pid": self.pid,
        }


@dataclass(frozen=True, slots=True)
class ChunkedRun:
    """A clip redacted in chunks: the joined report and where each chunk ran."""

    report: RedactionReport
    chunks: tuple[ChunkRecord, ...]
    backend: str


def clip_chunks(
    timeline: FrameTimeline, *, options: RedactOptions, settings: JobsSection, chunk_s: float | None = None
) -> list[Chunk]:
    """The chunks of a clip with these settings (see :func:`plan_jobs`); one for ``chunk_s = inf``."""
    before, after, align = context_frames(options, float(timeline.fps), settings.overlap_s)
    size_s = chunk_s or settings.chunk_s or DEFAULT_CHUNK_S
    if options.keep_audio:
        size_s = math.inf  # the audio span is encoded whole: one chunk
    if not math.isfinite(size_s):
        return [Chunk(0, 0, timeline.frame_count, 0, timeline.frame_count)]
    return plan_chunks(timeline, chunk_s=size_s, before=before, after=after, align=align)


def one_pass_record(report: RedactionReport) -> ChunkRecord:
    """The record of a clip redacted in one pass in this process (no job)."""
    me = worker_identity()
    return ChunkRecord(
        0, 0, report.frame_count, me["host"], 1, report.elapsed_s, "one pass", me["worker"], me["pid"]
    )


@dataclass(frozen=True, slots=True)
class ChunkRunner:
    """Where and how a clip's chunk jobs run (a :class:`~cctvkit.redact.spec.ClipRunner`: given
    as :attr:`Engines.runner <cctvkit.redact.spec.Engines.runner>`, whole clips go here).

    Attributes:
        settings: ``[jobs]`` (chunk length, context, attempts).
        backend: where the chunks run.
        directory: job directories (shared storage); finished jobs there are reused.
        owner: the first part of job names (``R-0001/clip-01``).
        chunk_s: chunk length, seconds (``math.inf``: one chunk); None: :func:`chunk_length_s`.
        label: names the clip in messages.
        input_sha256: the clip's digest, if already known.
    """

    settings: JobsSection
    backend: Backend
    directory: Path
    owner: str
    chunk_s: float | None = None
    label: str = "clip"
    input_sha256: str | None = None

    def redact_clip(
        self, input_path: Path, spec: MaskSpec, engines: Engines, outputs: Outputs
    ) -> RedactionReport:
        """:func:`redact_chunked`'s joined report."""
        return redact_chunked(input_path, spec, engines, outputs, self).report


def plan_jobs(
    input_path: Path, spec: MaskSpec, runner: ChunkRunner, *, timeline: FrameTimeline | None = None
) -> tuple[list[ChunkJob], list[Chunk], FrameTimeline]:
    """Plan the chunks of ``input_path`` and name one job per chunk.

    A job's name ends in a digest of the input's content, its frames and its own part of the
    spec (:meth:`MaskSpec.settings <cctvkit.redact.spec.MaskSpec.settings>`: options, zones, its
    own kept tracks and manual masks, the face check), so a rerun with the same inputs finds the
    job done and a changed setting makes a new job.

    Args:
        input_path: the clip, on storage the workers share.
        spec: what decides the pixels; ``keep_tracks`` as a chunked run numbers them (a chunk's
            ids start at its index times :data:`~cctvkit.jobs.plan.TRACK_ID_BLOCK`), manual masks
            per clip frame (each chunk gets those of its own frames, numbered in its span).
        runner: the settings, job directory, owner and chunk length (default
            ``settings.chunk_s`` or :data:`DEFAULT_CHUNK_S`).
        timeline: the clip's frames, if already read.

    Returns:
        The jobs, the chunks and the timeline.
    """
    spec.check()
    timeline = timeline or frame_timeline(input_path)
    options, settings = spec.options, runner.settings
    chunks = clip_chunks(timeline, options=options, settings=settings, chunk_s=runner.chunk_s)
    digest = runner.input_sha256 or sha256_file(Path(input_path))
    masks = FrameBoxes(spec.manual_masks)
    # which models check (not only how): added only when the check runs, so unchecked jobs keep their names
    checked_by = {"check_models": face_check_identity()} if spec.face_check.enabled else {}
    jobs = []
    for chunk in chunks:
        whole = len(chunks) == 1
        span = None if whole else (timeline.start_s(chunk.context_first), timeline.end_s(chunk.context_end))
        frame_range = None if whole else (chunk.first - chunk.context_first, chunk.end - chunk.context_first)
        own = replace(
            spec,
            keep_tracks=tuple(
                t
                for t in spec.keep_tracks
                if chunk.track_id_offset <= t < chunk.track_id_offset + TRACK_ID_BLOCK
            ),
            manual_masks=masks.window(chunk.first, chunk.end, shift=chunk.context_first),
        ).settings()
        settings_hash = ChunkJob.settings_hash(
            format=JOB_FORMAT,
            input=digest,
            span=span,
            frame_range=frame_range,
            offset=chunk.track_id_offset,
            **own,
            **checked_by,
        )
        name = f"{runner.owner}/chunk-{chunk.index:03d}/{settings_hash}"
        jobs.append(
            ChunkJob(
                name=name,
                directory=str(Path(runner.directory) / name),
                input_path=str(Path(input_path).resolve()),
                input_sha256=digest,
                chunk=chunk.index,
                span_s=span,
                frame_range=frame_range,
                track_id_offset=chunk.track_id_offset,
                options=own["options"],
                privacy_zones=own["zones"],
                keep_tracks=own["keep"],
                max_attempts=settings.max_attempts,
                extra_masks=own["masks"],
                face_check=own["audit"],
            )
        )
    return jobs, chunks, timeline


def redact_chunked(
    input_path: Path, spec: MaskSpec, engines: Engines, outputs: Outputs, runner: ChunkRunner
) -> ChunkedRun:
    """Redact ``input_path`` into ``outputs.path`` as chunk jobs on ``runner.backend``, joined frame-exactly.

    Each chunk decodes, detects and tracks its context before and after (see
    :func:`~cctvkit.jobs.plan.context_frames`) and writes only its own frames, starting with a
    keyframe; the join copies the segments' packets with their timestamps shifted to the
    clip's, so the output has every frame of the input once, each with the input's timestamp.
    The same clip, spec and chunk length give the same pixels whichever backend, worker or
    attempt made each chunk. A clip of one chunk on the local backend is redacted in this
    process by :func:`~cctvkit.redact.pipeline.redact_clip` directly (with ``engines``; chunk
    jobs load their own).

    The face check (``spec.face_check``) runs in each chunk job on the chunk's own frames, its
    re-mask rounds replaying the chunk's analysis with its context; the joined report's ``face_check``
    object sums the chunks' figures, with the remaining findings' frames in the joined clip.
    ``outputs.analysis_path`` gets the chunks' analyses joined
    (:func:`~cctvkit.jobs.merge.joined_analysis`; what the review page reads).

    Returns:
        The joined report and where each chunk ran.

    Raises:
        JobError: a chunk failed every attempt (named); the output is not written.
        VideoError: a segment is missing frames or cannot be joined.
        UsageError: as :func:`~cctvkit.redact.pipeline.redact`.
    """
    from cctvkit.redact.pipeline import REDACTED_COMMENT, redact_clip

    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(outputs.path)
    if output_path.resolve() == input_path.resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    runner = replace(runner, chunk_s=runner.chunk_s or chunk_length_s(runner.settings, runner.backend))
    jobs, chunks, timeline = plan_jobs(input_path, spec, runner)
    if len(jobs) == 1 and isinstance(runner.backend, LocalBackend):
        report = redact_clip(input_path, spec, replace(engines, runner=None), outputs)
        return ChunkedRun(report, (one_pass_record(report),), runner.backend.name)
    run_jobs(
        jobs,
        runner.backend,
        label=runner.label,
        progress=outputs.progress,
        total_frames=timeline.frame_count,
        report_interval_s=runner.settings.report_interval_s,
    )
    base = timeline.pts[0]
    segments = [
        Segment(job.segment_path, (timeline.pts[chunk.first] - base) * timeline.time_base, chunk.frames)
        for job, chunk in zip(jobs, chunks, strict=True)
    ]
    with atomic_path(output_path) as partial:
        join_segments(segments, partial, metadata={"comment": REDACTED_COMMENT, **(outputs.metadata or {})})
    reports = [RedactionReport.from_dict(_load(job.report_path)) for job in jobs]
    report = joined_report(
        reports, chunks, timeline, input_path, output_path, spec.keep_tracks, time.perf_counter() - started
    )
    if spec.face_check.enabled and report.faces_remaining:
        log.warning("face check: %d face(s) still visible in %s", report.faces_remaining, output_path)
    if report.face_check is not None:  # the chunks' evidence beside the clip's report
        parts = [r.face_check for r in reports if r.face_check is not None]
        dirs = [Path(job.report_path).parent for job in jobs]
        report = replace(report, face_check=gathered_evidence(parts, dirs, report.face_check, outputs.report))
    write_json(report.to_dict(), outputs.report)
    if outputs.analysis_path is not None:
        stored = [StoredAnalysis.from_dict(_load(job.analysis_path)) for job in jobs]
        write_json(joined_analysis(stored, chunks, report).to_dict(), outputs.analysis_path)
    if outputs.review:
        write_review_from_report(input_path, output_path, report)
    records = []
    for job, chunk in zip(jobs, chunks, strict=True):
        done = job_state(job).done or {}
        records.append(
            ChunkRecord(
                chunk.index,
                chunk.first,
                chunk.frames,
                str(done.get("host", "?")),
                int(done.get("attempts", 1)),
                float(done.get("elapsed_s", 0.0)),
                job.name,
                str(done.get("worker") or done.get("host", "?")),
                done.get("pid"),
            )
        )
    log.info(
        "%s: %d chunk(s) joined into %s (%d frames) on %s",
        runner.label,
        len(chunks),
        output_path,
        report.frame_count,
        runner.backend.name,
    )
    return ChunkedRun(report, tuple(records), runner.backend.name)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data
