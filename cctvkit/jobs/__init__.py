"""Long redactions as chunk jobs: planned at keyframes, run on a process pool or Celery, joined exactly."""

from cctvkit.jobs.chunk import ChunkJob, run_chunk
from cctvkit.jobs.chunked import (
    ChunkedRun,
    ChunkRecord,
    ChunkRunner,
    chunk_length_s,
    clip_chunks,
    one_pass_record,
    plan_jobs,
    redact_chunked,
)
from cctvkit.jobs.plan import TRACK_ID_BLOCK, Chunk, context_frames, plan_chunks
from cctvkit.jobs.runner import Backend, CeleryBackend, LocalBackend, make_backend, run_jobs

__all__ = [
    "TRACK_ID_BLOCK",
    "Backend",
    "CeleryBackend",
    "Chunk",
    "ChunkJob",
    "ChunkRecord",
    "ChunkRunner",
    "ChunkedRun",
    "LocalBackend",
    "chunk_length_s",
    "clip_chunks",
    "context_frames",
    "make_backend",
    "one_pass_record",
    "plan_chunks",
    "plan_jobs",
    "redact_chunked",
    "run_chunk",
    "run_jobs",
]
