"""Redact a clip as chunks on a job backend and join them into one output, frame-exactly."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cctvkit.config import JobsSection
from cctvkit.errors import UsageError
from cctvkit.files import atomic_path, sha256_file
from cctvkit.jobs.chunk import ChunkJob, job_state
from cctvkit.jobs.identity import worker_identity
from cctvkit.jobs.merge import joined_analysis, joined_report, write_review_from_report
from cctvkit.jobs.plan import TRACK_ID_BLOCK, Chunk, context_frames, plan_chunks
from cctvkit.jobs.runner import Backend, LocalBackend, run_jobs
from cctvkit.redact.analysis import StoredAnalysis
from cctvkit.redact.options import AuditOptions, RedactOptions
from cctvkit.redact.render import FrameBoxes
from cctvkit.redact.report import RedactionReport, write_json
from cctvkit.redact.zones import Polygon
from cctvkit.video.join import Segment, join_segments
from cctvkit.video.timeline import FrameTimeline, frame_timeline

__all__ = [
    "DEFAULT_CHUNK_S",
    "ChunkRecord",
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
release audit in the job; 5: no B-frames, see :data:`~cctvkit.jobs.chunk.DETERMINISTIC_X264`)."""

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


def plan_jobs(
    input_path: Path,
    *,
    options: RedactOptions,
    settings: JobsSection,
    directory: Path,
    owner: str,
    privacy_zones: Sequence[Polygon] = (),
    keep_tracks: Iterable[int] = (),
    chunk_s: float | None = None,
    timeline: FrameTimeline | None = None,
    input_sha256: str | None = None,
    extra_masks: FrameBoxes | None = None,
    audit: AuditOptions | None = None,
) -> tuple[list[ChunkJob], list[Chunk], FrameTimeline]:
    """Plan the chunks of ``input_path`` and name one job per chunk.

    A job's name ends in a digest of the input's content, its frames and every setting that
    changes its pixels (options, zones, its own kept tracks and manual masks, the audit), so a
    rerun with the same inputs finds the job done and a changed setting makes a new job.

    Args:
        input_path: the clip, on storage the workers share.
        options: the redaction parameters.
        settings: ``[jobs]`` (chunk length, context, attempts).
        directory: where the job directories go (shared storage).
        owner: the first part of job names (``R-0001/clip-01``).
        privacy_zones: polygons masked in every frame.
        keep_tracks: track ids (as a chunked run numbers them) left visible.
        chunk_s: chunk length, seconds (``math.inf``: one chunk); default ``settings.chunk_s`` or
            :data:`DEFAULT_CHUNK_S`.
        timeline: the clip's frames, if already read.
        input_sha256: the clip's digest, if already known.
        extra_masks: per clip frame, boxes masked whatever is kept (a reviewer's manual masks);
            each chunk gets those of its own frames, numbered in its span.
        audit: the release audit each chunk runs on its own frames (None or disabled: none).

    Returns:
        The jobs, the chunks and the timeline.
    """
    timeline = timeline or frame_timeline(input_path)
    chunks = clip_chunks(timeline, options=options, settings=settings, chunk_s=chunk_s)
    digest = input_sha256 or sha256_file(Path(input_path))
    keep = sorted({int(t) for t in keep_tracks})
    zones = [[[float(v) for v in point] for point in zone] for zone in privacy_zones]
    audit_fields = asdict(audit) if audit is not None and audit.enabled else None
    masks = {int(i): np.asarray(b, np.float32).reshape(-1, 4) for i, b in (extra_masks or {}).items()}
    jobs = []
    for chunk in chunks:
        whole = len(chunks) == 1
        span = None if whole else (timeline.start_s(chunk.context_first), timeline.end_s(chunk.context_end))
        frame_range = (
            None if whole else (chunk.first - chunk.context_first, chunk.end - chunk.context_first)
        )
        own_keep = [t for t in keep if chunk.track_id_offset <= t < chunk.track_id_offset + TRACK_ID_BLOCK]
        own_masks = [
            [index - chunk.context_first, *(round(float(v), 2) for v in box)]
            for index in sorted(i for i in masks if chunk.first <= i < chunk.end)
            for box in masks[index]
        ]
        settings_hash = ChunkJob.settings_hash(
            format=JOB_FORMAT,
            input=digest,
            span=span,
            frame_range=frame_range,
            offset=chunk.track_id_offset,
            options=options.to_dict(),
            zones=zones,
            keep=own_keep,
            masks=own_masks,
            audit=audit_fields,
        )
        name = f"{owner}/chunk-{chunk.index:03d}/{settings_hash}"
        jobs.append(
            ChunkJob(
                name=name,
                directory=str(Path(directory) / name),
                input_path=str(Path(input_path).resolve()),
                input_sha256=digest,
                chunk=chunk.index,
                span_s=span,
                frame_range=frame_range,
                track_id_offset=chunk.track_id_offset,
                options=options.to_dict(),
                privacy_zones=zones,
                keep_tracks=own_keep,
                max_attempts=settings.max_attempts,
                extra_masks=own_masks,
                audit=audit_fields,
            )
        )
    return jobs, chunks, timeline


def redact_chunked(
    input_path: Path,
    output_path: Path,
    *,
    options: RedactOptions,
    settings: JobsSection,
    backend: Backend,
    directory: Path,
    owner: str,
    privacy_zones: Sequence[Polygon] = (),
    keep_tracks: Iterable[int] = (),
    chunk_s: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    report_path: Path | None = None,
    metadata: dict[str, str] | None = None,
    label: str = "clip",
    detector: Any = None,
    input_sha256: str | None = None,
    review: bool = False,
    extra_masks: FrameBoxes | None = None,
    audit: AuditOptions | None = None,
    audit_detectors: tuple[Any, Any] | None = None,
    analysis_path: Path | None = None,
) -> ChunkedRun:
    """Redact ``input_path`` into ``output_path`` as chunk jobs on ``backend``, joined frame-exactly.

    Each chunk decodes, detects and tracks its context before and after (see
    :func:`~cctvkit.jobs.plan.context_frames`) and writes only its own frames, starting with a
    keyframe; the join copies the segments' packets with their timestamps shifted to the
    clip's, so the output has every frame of the input once, each with the input's timestamp.
    The same clip, settings and chunk length give the same pixels whichever backend, worker or
    attempt made each chunk. A clip of one chunk on the local backend is redacted in this
    process by :func:`~cctvkit.redact.audited.redact_audited` directly.

    The release audit (``audit``) runs in each chunk job on the chunk's own frames, its re-mask
    rounds replaying the chunk's analysis with its context; the joined report's ``audit``
    object sums the chunks' figures, with the remaining findings' frames in the joined clip.

    Args:
        input_path: the clip.
        output_path: the joined MP4 (written under a temporary name, renamed when complete).
        options: redaction parameters.
        settings: ``[jobs]``.
        backend: where the chunks run.
        directory: job directories (shared storage); finished jobs there are reused.
        owner: first part of the job names.
        privacy_zones: polygons masked in every frame.
        keep_tracks: track ids left visible (a chunk's ids start at its index times
            :data:`~cctvkit.jobs.plan.TRACK_ID_BLOCK`).
        chunk_s: chunk length (``math.inf``: one chunk); default :func:`chunk_length_s`.
        progress: called with (frames done, frames in the clip).
        report_path: the joined report; default ``<output stem>.redaction.json``.
        metadata: the output's container tags.
        label: names the clip in messages.
        detector: a ready detector for the in-process path.
        input_sha256: the clip's digest, if known.
        review: also write the contact sheet and tracks JSON beside the output (see
            :func:`~cctvkit.redact.review_paths`), from the joined tracks.
        extra_masks: per clip frame, boxes masked whatever is kept (manual masks).
        audit: the release audit (default: :class:`AuditOptions`, on).
        audit_detectors: the audit's detectors, loaded, for the in-process path (chunk jobs
            load their own).
        analysis_path: also write the clip's stored analysis here (the chunks' analyses
            joined, see :func:`~cctvkit.jobs.merge.joined_analysis`; what the review page reads).

    Returns:
        The joined report and where each chunk ran.

    Raises:
        JobError: a chunk failed every attempt (named); the output is not written.
        VideoError: a segment is missing frames or cannot be joined.
        UsageError: as :func:`~cctvkit.redact.redact_video`.
    """
    from cctvkit.redact.audited import redact_audited

    audit = audit or AuditOptions()
    started = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    if output_path.resolve() == input_path.resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    jobs, chunks, timeline = plan_jobs(
        input_path,
        options=options,
        settings=settings,
        directory=directory,
        owner=owner,
        privacy_zones=privacy_zones,
        keep_tracks=keep_tracks,
        chunk_s=chunk_s or chunk_length_s(settings, backend),
        input_sha256=input_sha256,
        extra_masks=extra_masks,
        audit=audit,
    )
    if report_path is None:
        stem = output_path.with_suffix("")
        report_path = stem.with_name(stem.name + ".redaction.json")
    if len(jobs) == 1 and isinstance(backend, LocalBackend):
        report = redact_audited(
            input_path,
            output_path,
            options=options,
            audit=audit,
            audit_detectors=audit_detectors,
            extra_masks=extra_masks,
            on_stored=None if analysis_path is None else lambda s: write_json(s.to_dict(), analysis_path),
            privacy_zones=privacy_zones,
            keep_tracks=keep_tracks,
            detector=detector,
            progress=progress,
            report_path=report_path,
            metadata=metadata,
            review=review,
        )
        return ChunkedRun(report, (one_pass_record(report),), backend.name)
    run_jobs(
        jobs,
        backend,
        label=label,
        progress=progress,
        total_frames=timeline.frame_count,
        report_interval_s=settings.report_interval_s,
    )
    base = timeline.pts[0]
    segments = [
        Segment(job.segment_path, (timeline.pts[chunk.first] - base) * timeline.time_base, chunk.frames)
        for job, chunk in zip(jobs, chunks, strict=True)
    ]
    from cctvkit.redact.pipeline import REDACTED_COMMENT

    with atomic_path(output_path) as partial:
        join_segments(segments, partial, metadata={"comment": REDACTED_COMMENT, **(metadata or {})})
    reports = [RedactionReport.from_dict(_load(job.report_path)) for job in jobs]
    report = joined_report(
        reports, chunks, timeline, input_path, output_path, keep_tracks, time.perf_counter() - started
    )
    if audit.enabled and report.audit_remaining:
        log.warning("audit: %d face(s) still visible in %s", report.audit_remaining, output_path)
    write_json(report.to_dict(), report_path)
    if analysis_path is not None:
        stored = [StoredAnalysis.from_dict(_load(job.analysis_path)) for job in jobs]
        write_json(joined_analysis(stored, chunks, report).to_dict(), analysis_path)
    if review:
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
        label,
        len(chunks),
        output_path,
        report.frame_count,
        backend.name,
    )
    return ChunkedRun(report, tuple(records), backend.name)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
