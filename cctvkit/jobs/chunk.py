"""One chunk's job: redact a span of a clip into its own segment, idempotent and safe to redo anywhere.

A job's files live in its own directory on storage every worker shares: a claim kept fresh by a
heartbeat while it runs, one line per attempt, the segment and report written atomically, and
``done.json`` last. A finished job is never redone; a job whose worker died is taken over once
its heartbeat is stale; a job that failed ``max_attempts`` times writes ``failed.json`` and stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from cctvkit.errors import JobError
from cctvkit.files import atomic_path, ensure_private_dir
from cctvkit.jobs.plan import TRACK_ID_BLOCK
from cctvkit.jobs.worker_id import worker_identity
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.report import write_json
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.video.writer import fill_fresh_memory

__all__ = [
    "STALE_S",
    "ChunkJob",
    "ChunkRetry",
    "JobState",
    "check_failed",
    "job_state",
    "reset_failed",
    "run_chunk",
]

log = logging.getLogger(__name__)

HEARTBEAT_S = 2.0
"""How often a running job touches its claim."""

STALE_S = 20.0
"""A claim untouched this long belongs to a dead worker (ten missed heartbeats: slow NFS included)."""

DETERMINISTIC_X264 = "bframes=0"
"""Appended to a chunk's x264 options (later options win), so that a chunk redone anywhere is the
same bytes. With B-frames, x264's macroblock-tree rate control (on by default,
:data:`~cctvkit.redact.options.DEFAULT_X264_PARAMS`) encoded the very same frames differently now
and then, even on one thread, depending on what the process had done before (issue 16: 4-8
different files from 5-8 encodes of a 6 s clip in one process; small differences spread over the
frame, the rate control's). Without B-frames every encode was identical; the files are ~35-40 %
larger (``mbtree=0`` also fixes it, at about twice the size)."""


class ChunkRetry(Exception):
    """This attempt failed and attempts remain: run the job again (Celery: ``task.retry``)."""


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """Everything a worker needs to redact one chunk (JSON-able: it travels through the broker).

    Attributes:
        name: ``<owner>/<clip>/chunk-NNN/<settings hash>``; also the Celery task id.
        directory: the job's directory on shared storage.
        input_path: the clip (a path every worker can read).
        input_sha256: its content hash (part of the settings hash: new frames, new job).
        chunk: position of the chunk in the clip.
        span_s: seconds of the clip decoded (the chunk with its context); None: the whole clip.
        frame_range: indices within the span written out (the chunk's own frames); None: all.
        track_id_offset: added to its track ids.
        options: :meth:`RedactOptions.to_dict`.
        privacy_zones: polygons, normalised.
        keep_tracks: track ids left visible (shifted ids).
        max_attempts: attempts before the job fails for good.
        extra_masks: ``[frame, x1, y1, x2, y2]`` rows masked whatever is kept (a reviewer's
            manual masks), frames numbered in the span.
        face_check: :class:`~cctvkit.redact.options.FaceCheckOptions` fields: the face check of the
            chunk's own frames, its re-mask rounds replaying the chunk with its context; None: off.
    """

    name: str
    directory: str
    input_path: str
    input_sha256: str
    chunk: int
    span_s: tuple[float, float] | None
    frame_range: tuple[int, int] | None
    track_id_offset: int
    options: dict[str, Any]
    privacy_zones: list[list[list[float]]] = field(default_factory=list)
    keep_tracks: list[int] = field(default_factory=list)
    max_attempts: int = 3
    extra_masks: list[list[float]] = field(default_factory=list)
    face_check: dict[str, Any] | None = None

    @staticmethod
    def settings_hash(**settings: Any) -> str:
        """A digest of what decides the output: the same digest means the same segment."""
        return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def path(self) -> Path:
        return Path(self.directory)

    def spec(self) -> MaskSpec:
        """What decides the chunk's pixels (its part of the clip's spec, as its name hashed it)."""
        return MaskSpec.from_settings(
            {
                "options": self.options,
                "zones": self.privacy_zones,
                "keep": self.keep_tracks,
                "masks": self.extra_masks,
                "audit": self.face_check,  # the settings' key before the rename: hashes stay valid
            }
        )

    @property
    def segment_path(self) -> Path:
        return self.path / "segment.mp4"

    @property
    def report_path(self) -> Path:
        return self.path / "report.json"

    @property
    def analysis_path(self) -> Path:
        """The chunk's stored analysis (every analysed frame, context included; its own ids)."""
        return self.path / "analysis.json"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkJob:
        data = dict(data)
        if "audit" in data:  # a job queued before the face check was renamed
            data["face_check"] = data.pop("audit")
        return cls(
            **{
                **data,
                "span_s": tuple(data["span_s"]) if data["span_s"] is not None else None,
                "frame_range": tuple(data["frame_range"]) if data["frame_range"] is not None else None,
            }
        )


@dataclass(frozen=True, slots=True)
class JobState:
    """What a job's directory says about it.

    Attributes:
        done: its ``done.json`` (worker, host, pid, attempts, seconds), if finished.
        failed: its ``failed.json`` (the message), if failed for good.
        frames_done: frames written by the attempt running now or the last one.
        running: a claim with a fresh heartbeat exists.
        claim: the claim's owner (worker, host, pid, started), fresh or stale; None: no claim
            (never started, or released after an attempt). A stale claim is a worker that died.
    """

    done: dict[str, Any] | None
    failed: dict[str, Any] | None
    frames_done: int
    running: bool
    claim: dict[str, Any] | None = None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _read_claim(path: Path) -> tuple[dict[str, Any] | None, bool]:
    """The owner of the claim at ``path`` (None: no claim) and whether it belongs to a live worker.

    Stale after :data:`STALE_S` without a heartbeat; on this host also as soon as its process
    is gone (a worker killed here is taken over at once, not after the timeout).
    """
    try:
        stale = time.time() - path.stat().st_mtime >= STALE_S
        owner = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, False
    except (json.JSONDecodeError, OSError):
        return {}, True  # being written: its writer is alive
    if not isinstance(owner, dict):
        return {}, not stale
    if stale:
        return owner, False
    if owner.get("host") == socket.gethostname():
        try:
            os.kill(int(owner["pid"]), 0)
        except ProcessLookupError:
            return owner, False
        except (PermissionError, KeyError, ValueError, TypeError):
            pass
    return owner, True


def _fresh(path: Path) -> bool:
    """Whether the claim at ``path`` belongs to a live worker (see :func:`_read_claim`)."""
    return _read_claim(path)[1]


def job_state(job: ChunkJob) -> JobState:
    """Read a job's state from its directory (cheap: a few stats; the coordinator polls it)."""
    done = _read_json(job.path / "done.json")
    failed = None if done else _read_json(job.path / "failed.json")
    try:
        frames = int((job.path / "progress").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        frames = 0
    if done:
        frames = int(done.get("frames", frames))
    claim, running = _read_claim(job.path / "claim")
    return JobState(done, failed, frames, running, claim)


def _attempts(job: ChunkJob) -> list[dict[str, Any]]:
    try:
        lines = (job.path / "attempts.jsonl").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def _append(path: Path, record: dict[str, Any]) -> None:
    # One short O_APPEND write per line: whole lines even with two writers.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, (json.dumps(record) + "\n").encode())
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _claim(job: ChunkJob) -> Iterator[bool]:
    """Claim the job for this process, kept fresh by a heartbeat thread; False if another has it.

    A stale claim (dead worker) is taken over. Two workers racing for a stale claim may both
    run the job: the outputs are identical and written atomically, so that wastes work only.
    """
    claim = job.path / "claim"
    if _fresh(claim):
        yield False
        return
    claim.unlink(missing_ok=True)
    try:
        descriptor = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        yield False
        return
    with os.fdopen(descriptor, "w") as handle:
        handle.write(json.dumps({**worker_identity(), "started": time.time()}))
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            with contextlib.suppress(FileNotFoundError):
                os.utime(claim)

    thread = threading.Thread(target=beat, name="chunk-heartbeat", daemon=True)
    thread.start()
    try:
        yield True
    finally:
        stop.set()
        thread.join()
        claim.unlink(missing_ok=True)


def _detector(options: RedactOptions) -> Any:
    """A new detector for each job (~0.3 s): one reused across jobs was measured to change the
    next job's output after other footage (issue 16), and a job must be a function of its inputs."""
    from cctvkit.redact.pipeline import build_detector

    return build_detector(options)


def run_chunk(job: ChunkJob) -> str:
    """Run ``job`` unless it is finished, failed for good or running elsewhere.

    Returns:
        ``"done"`` (now or before), ``"failed"`` (for good: see ``failed.json``) or ``"busy"``
        (another live worker has it).

    Raises:
        ChunkRetry: this attempt failed and attempts remain.
    """
    from cctvkit.redact.pipeline import redact_clip

    ensure_private_dir(job.path)
    state = job_state(job)
    if state.done:
        return "done"
    if state.failed:
        return "failed"
    with _claim(job) as mine:
        if not mine:
            return "busy"
        attempts = _attempts(job)
        if len(attempts) >= job.max_attempts:
            return _fail(job, attempts)
        me = worker_identity()
        host = me["host"]
        _append(job.path / "attempts.jsonl", {**me, "started": time.time()})
        log.info("chunk %s: attempt %d on %s pid %d", job.name, len(attempts) + 1, me["worker"], me["pid"])
        started = time.perf_counter()
        progress_path = job.path / "progress"
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5 or done >= total:
                last[0] = now
                progress_path.write_text(f"{done} {total}\n")

        try:
            fill_fresh_memory()  # with DETERMINISTIC_X264: the same bytes wherever it runs
            spec = job.spec()
            x264 = ":".join(filter(None, (spec.options.x264_params, DETERMINISTIC_X264)))
            spec = replace(spec, options=replace(spec.options, x264_params=x264))
            report = redact_clip(
                Path(job.input_path),
                spec,
                Engines(detector=_detector(spec.options)),
                # Deterministic encoding: a chunk redone elsewhere is the same bytes (the
                # parallelism is across chunks; one encoder thread keeps up with detection).
                Outputs(
                    job.segment_path,
                    report_path=job.report_path,
                    progress=progress,
                    analysis_path=job.analysis_path,
                    encoder_threads=1,
                ),
                span_s=job.span_s,
                frame_range=job.frame_range,
                track_id_offset=job.track_id_offset,
            )
        except Exception as exc:  # any failure of the chunk (a bug too) is an attempt that failed
            _append(job.path / "errors.jsonl", {"host": host, "error": f"{type(exc).__name__}: {exc}"})
            log.warning("chunk %s failed on %s: %s", job.name, host, exc)
            if len(attempts) + 1 >= job.max_attempts:
                return _fail(job, [*attempts, me])
            raise ChunkRetry(str(exc)) from exc
        if any(t.track_id - job.track_id_offset >= TRACK_ID_BLOCK for t in report.tracks):
            return _fail(job, [*attempts, me], reason="more tracks than a chunk's id block")
        write_json(
            {
                **me,
                "attempts": len(attempts) + 1,
                "frames": report.frame_count,
                "elapsed_s": round(time.perf_counter() - started, 3),
            },
            job.path / "done.json",
        )
        return "done"


def _fail(job: ChunkJob, attempts: list[dict[str, Any]], *, reason: str | None = None) -> str:
    errors: list[dict[str, Any]] = []
    with contextlib.suppress(FileNotFoundError):
        errors = [json.loads(x) for x in (job.path / "errors.jsonl").read_text().splitlines() if x.strip()]
    if reason is None:
        reason = errors[-1]["error"] if errors else "its worker died every time (killed or out of memory)"
    hosts = sorted({str(a.get("worker") or a.get("host", "?")) for a in attempts})
    message = f"failed {len(attempts)} time(s) on {', '.join(hosts)}: {reason}"
    with atomic_path(job.path / "failed.json") as partial:
        partial.write_text(json.dumps({"message": message, "attempts": len(attempts)}))
    log.warning("chunk %s %s", job.name, message)
    return "failed"


def reset_failed(job: ChunkJob) -> None:
    """Forget a failed job's attempts, so a new run tries it again (``request process`` rerun)."""
    for name in ("failed.json", "attempts.jsonl", "errors.jsonl"):
        (job.path / name).unlink(missing_ok=True)


def check_failed(jobs: list[ChunkJob], label: str) -> None:
    """Raise for the first job that failed for good, naming it.

    Raises:
        JobError: a chunk failed every attempt.
    """
    for job in jobs:
        state = job_state(job)
        if state.failed:
            raise JobError(
                f"{label} chunk {job.chunk + 1} ({job.name}) {state.failed['message']}; "
                "run again to redo only the missing chunks"
            )
