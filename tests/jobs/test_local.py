"""Chunked redaction on this machine: frame-exact joins, faces masked across seams, one process or a
pool with a killed process giving the same bytes, failures named, reruns redoing only what is missing."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from cctvkit.config import JobsSection
from cctvkit.errors import JobError
from cctvkit.jobs import ChunkedRun, ChunkRunner, LocalBackend, plan_jobs
from cctvkit.redact import RedactOptions
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.spec import MaskSpec
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, write_clip
from cctvkit.video import VideoReader
from tests.jobs.segments import assert_same_segments
from tests.redaction import chunked_with

SETTINGS = JobsSection(chunk_s=2.0, overlap_s=0.5)
OPTIONS = RedactOptions()
NO_FACE_CHECK = FaceCheckOptions(enabled=False)  # chunks have their own face check tests
TRACKS = (
    # Walks across the whole clip: in every chunk and across both seams.
    FaceTrack("walker", "collins", (Keyframe(0.0, 0.10, 0.50, 0.30), Keyframe(6.0, 0.90, 0.50, 0.30))),
    # Stands on the left from 1.8 s: first seen just before the first seam.
    FaceTrack("late", "collins-dark", (Keyframe(1.8, 0.25, 0.35, 0.22), Keyframe(6.0, 0.25, 0.35, 0.22))),
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """6 s at 10 fps, 480x270: three chunks of 2 s."""
    path = tmp_path_factory.mktemp("chunks") / "walk.mp4"
    return path, write_clip(path, seconds=6, fps=10, size_wh=(480, 270), seed=11, faces=TRACKS)


def _frames(path: Path) -> list[tuple[int | None, np.ndarray]]:
    with VideoReader(path) as reader:
        return [(f.pts, f.image) for f in reader.frames()]


def _run(clip: Path, out: Path, backend: LocalBackend, **kwargs: object) -> ChunkedRun:
    runner = ChunkRunner(SETTINGS, backend, out.parent / "jobs", "test/clip-01")
    if "label" in kwargs:
        runner = replace(runner, label=str(kwargs.pop("label")))
    return chunked_with(clip, out, runner, **{"options": OPTIONS, "face_check": NO_FACE_CHECK, **kwargs})


@pytest.fixture(scope="module")
def serial(clip: tuple[Path, GroundTruth], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clip redacted in three chunks, one after the other in this process."""
    out = tmp_path_factory.mktemp("serial") / "out.mp4"
    run = _run(clip[0], out, LocalBackend(1))
    assert [c.frames for c in run.chunks] == [20, 20, 20]
    return out


def _attempts(job: object) -> int:
    path = job.path / "attempts.jsonl"  # type: ignore[attr-defined]
    return len(path.read_text().splitlines()) if path.exists() else 0


def _detail_kept(original: np.ndarray, released: np.ndarray, xyxy: tuple[int, ...]) -> float:
    x1, y1, x2, y2 = xyxy

    def energy(img: np.ndarray) -> float:
        gray = cv2.cvtColor(img[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY).astype(np.float64)
        return float(np.abs(cv2.Laplacian(gray, cv2.CV_64F)).mean())

    return energy(released) / max(energy(original), 1e-6)


def test_join_is_frame_exact_and_masks_across_seams(clip: tuple[Path, GroundTruth], serial: Path) -> None:
    source, truth = clip
    original, released = _frames(source), _frames(serial)
    # Every frame once, with its own timestamp: no frame lost or doubled at a seam.
    assert [p for p, _ in released] == [p for p, _ in original]
    for index, (_, image) in enumerate(released):
        near = range(max(0, index - 1), min(len(original), index + 2))
        errors = {j: float(np.mean((original[j][1].astype(float) - image) ** 2)) for j in near}
        # Frames differ from their neighbours (people walk): the closest source frame is its own.
        assert min(errors, key=errors.__getitem__) == index, f"frame {index} is not the source's"
    for index, boxes in enumerate(truth.frames):
        for box in boxes:
            if box.visible_fraction >= 0.5:
                kept = _detail_kept(original[index][1], released[index][1], box.xyxy)
                assert kept < 0.5, f"frame {index}: {box.face_id} not masked ({kept:.2f})"
    report = json.loads(serial.with_name("out.redaction.json").read_text())
    assert [f["index"] for f in report["frames"]] == list(range(60))
    ids = [t["track_id"] for t in report["tracks"]]
    assert len(ids) == len(set(ids)) and {i // 10_000 for i in ids} == {0, 1, 2}


def test_pool_with_a_killed_process_gives_the_serial_masks(
    clip: tuple[Path, GroundTruth], serial: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.mp4"
    killed: list[Path] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for claim in (tmp_path / "jobs").glob("**/claim"):
                if (claim.parent / "progress").exists():
                    try:
                        os.kill(json.loads(claim.read_text())["pid"], signal.SIGKILL)
                    except (OSError, ValueError, KeyError):
                        continue
                    killed.append(claim.parent)
                    return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one)
    killer.start()
    backend = LocalBackend(2)
    try:
        run = _run(clip[0], out, backend)
    finally:
        backend.close()
        killer.join()
    assert killed, "no pool process was killed"
    assert len((killed[0] / "attempts.jsonl").read_text().splitlines()) == 2
    assert max(c.attempts for c in run.chunks) == 2
    # Every frame once with its timestamp, and the same pixels as the serial run: the segments
    # are the same bytes (deterministic encoding, see DETERMINISTIC_X264).
    got, want = _frames(out), _frames(serial)
    assert [p for p, _ in got] == [p for p, _ in want] and len(got) == 60
    for index, ((_, a), (_, b)) in enumerate(zip(got, want, strict=True)):
        assert np.array_equal(a, b), f"frame {index} differs from the serial run"
    assert_same_segments(tmp_path / "jobs", serial.parent / "jobs", 3)


def test_failing_chunk_is_named_and_a_rerun_does_only_it(
    clip: tuple[Path, GroundTruth], serial: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.mp4"
    jobs, _, _ = plan_jobs(
        clip[0],
        MaskSpec.of(OPTIONS, NO_FACE_CHECK),
        ChunkRunner(SETTINGS, LocalBackend(1), tmp_path / "jobs", "test/clip-01"),
    )
    # A storage fault: the second chunk's segment cannot be renamed into place.
    blocker = jobs[1].segment_path
    blocker.mkdir(parents=True)
    (blocker / "in-the-way").write_text("x")
    with pytest.raises(JobError, match=r"clip chunk 2 \(test/clip-01/chunk-001/.*failed 3 time"):
        _run(clip[0], out, LocalBackend(1), label="clip")
    assert not out.exists()
    assert [_attempts(j) for j in jobs] == [1, 3, 0]  # the third was never reached

    (blocker / "in-the-way").unlink()
    blocker.rmdir()
    run = _run(clip[0], out, LocalBackend(1))
    # The first chunk was not redone; the failed one was retried from scratch, the third ran once.
    assert [_attempts(j) for j in jobs] == [1, 1, 1]
    assert [c.attempts for c in run.chunks] == [1, 1, 1]
    # Every frame once, with its timestamp, and the same segments, byte for byte, as the serial
    # run made earlier in this process (before B-frames were turned off in chunks, x264's
    # macroblock tree made this one differ now and then).
    assert [p for p, _ in _frames(out)] == [p for p, _ in _frames(serial)]
    assert_same_segments(tmp_path / "jobs", serial.parent / "jobs", 3)


def test_job_names_change_only_with_what_changes_their_pixels(
    clip: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    def names(**kwargs: object) -> list[str]:
        spec = MaskSpec.of(OPTIONS, NO_FACE_CHECK, **kwargs)  # type: ignore[arg-type]
        jobs, _, _ = plan_jobs(clip[0], spec, ChunkRunner(SETTINGS, LocalBackend(1), tmp_path, "R/clip-01"))
        return [j.name for j in jobs]

    plain = names()
    assert [n.split("/")[:3] for n in plain] == [["R", "clip-01", f"chunk-00{i}"] for i in range(3)]
    kept = names(keep_tracks=[10_001])  # a track of the second chunk
    assert [a == b for a, b in zip(plain, kept, strict=True)] == [True, False, True]
    zoned = names(zones=[[(0, 0), (0.2, 0), (0.2, 0.2)]])
    assert not set(zoned) & set(plain)
