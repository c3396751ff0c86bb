"""`--keep-face`: the subject's tracks chosen by dlib face embeddings, on real public-domain faces.

Faces: Eileen Collins (``skimage.data.astronaut()``, NASA) is the subject; Grace Hopper
(matplotlib's ``sample_data/grace_hopper.jpg``, US Navy) and the cameraman
(``skimage.data.camera()``) are other people. Both photos are public domain and ship in
packages the project already installs.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
import supervision as sv
from typer.testing import CliRunner

from cctvkit.cli.main import app
from cctvkit.errors import UsageError
from cctvkit.redact import FaceDetector, RedactOptions
from cctvkit.redact.identity import (
    DEFAULT_MAX_DISTANCE,
    EMBEDDING_SIZE,
    Decision,
    FaceEmbedder,
    TrackCandidate,
    decide_tracks,
    embedder_available,
    face_distance,
    load_reference,
    pick_subject_face,
)
from cctvkit.video import VideoReader, VideoWriter
from tests.redaction import redact_with

needs_faces = pytest.mark.skipif(
    not embedder_available(),
    reason="optional extra `faces` not installed (pip install -e '.[faces]')",
)

HOPPER_JPG = Path(__import__("matplotlib").get_data_path()) / "sample_data" / "grace_hopper.jpg"


def _hopper() -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(HOPPER_JPG)), cv2.COLOR_BGR2RGB)


def _write_rgb(path: Path, image: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return path


# --- pure decision rules -------------------------------------------------------------------------

REF = np.zeros(EMBEDDING_SIZE)


def _candidate(
    track_id: int, distance: float | None, *, frames=(0, 9), face_px: float = 80
) -> TrackCandidate:
    embedding = None if distance is None else np.r_[distance, np.zeros(EMBEDDING_SIZE - 1)]
    return TrackCandidate(track_id, frames[0], frames[1], face_px, embedding)


MATCH, DIFFERENT, OVERLAPS = Decision.MATCH, Decision.DIFFERENT, Decision.OVERLAPS


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([_candidate(1, 0.3)], {1: MATCH}),
        ([_candidate(1, 0.6)], {1: DIFFERENT}),  # the threshold itself is not a match
        ([_candidate(1, 0.59), _candidate(2, 0.7)], {1: MATCH, 2: DIFFERENT}),
        ([_candidate(1, 0.2, face_px=20)], {1: Decision.TOO_SMALL}),
        ([_candidate(1, None, face_px=0)], {1: Decision.NO_SIGHTING}),
        # One person, two tracks in turn (lost and found again): both kept.
        ([_candidate(1, 0.3, frames=(0, 9)), _candidate(2, 0.4, frames=(10, 19))], {1: MATCH, 2: MATCH}),
        # Two people at once cannot both be the subject: the closer one is kept.
        ([_candidate(1, 0.5, frames=(0, 19)), _candidate(2, 0.3, frames=(5, 14))], {1: OVERLAPS, 2: MATCH}),
        # ... unless they share only the carry frames of a hand-over.
        ([_candidate(1, 0.3, frames=(0, 12)), _candidate(2, 0.4, frames=(10, 19))], {1: MATCH, 2: MATCH}),
    ],
)
def test_decide_tracks(candidates: list[TrackCandidate], expected: dict[int, Decision]) -> None:
    decided = decide_tracks(REF, candidates, overlap_tolerance_frames=3)
    assert {m.track_id: m.decision for m in decided} == expected
    assert [m.track_id for m in decided] == sorted(expected)
    for match, candidate in zip(decided, sorted(candidates, key=lambda c: c.track_id), strict=True):
        if candidate.embedding is not None:
            assert match.distance == pytest.approx(float(candidate.embedding[0]))
        assert match.kept == (match.decision is Decision.MATCH)


@pytest.mark.parametrize(
    ("boxes", "confidence", "expected"),
    [
        ([[0, 0, 100, 100]], [0.9], 0),
        ([[0, 0, 30, 30], [100, 100, 200, 200]], [0.9, 0.9], 1),  # a small face in the background
        ([[0, 0, 100, 100], [200, 0, 290, 90]], [0.9, 0.3], 0),  # the other is below the threshold
        ([[0, 0, 100, 100], [200, 0, 290, 90]], [0.9, 0.9], "similar size"),
        ([], [], "no face"),
    ],
)
def test_pick_subject_face(boxes: list, confidence: list, expected: int | str) -> None:
    faces = sv.Detections(xyxy=np.array(boxes, float).reshape(-1, 4), confidence=np.array(confidence, float))
    if isinstance(expected, str):
        with pytest.raises(UsageError, match=expected):
            pick_subject_face(faces, threshold=0.5)
    else:
        assert pick_subject_face(faces, threshold=0.5) == expected


# --- real embeddings -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedder() -> FaceEmbedder:
    return FaceEmbedder()


def _reference(tmp_path: Path, name: str, image: np.ndarray, detector: FaceDetector, embedder: FaceEmbedder):
    return load_reference(_write_rgb(tmp_path / name, image), detector=detector, embedder=embedder)


@needs_faces
def test_same_person_across_crops_and_scales(
    tmp_path: Path, detector: FaceDetector, embedder: FaceEmbedder
) -> None:
    portrait = skimage.data.astronaut()
    whole = _reference(tmp_path, "whole.jpg", portrait, detector, embedder)
    head = cv2.resize(portrait[20:260, 120:340], None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    small = _reference(tmp_path, "small.png", head, detector, embedder)
    assert whole.embedding.shape == (EMBEDDING_SIZE,)
    assert small.face_xyxy[2] - small.face_xyxy[0] < 45  # a ~38 px face, as in CCTV
    distance = face_distance(whole.embedding, small.embedding)
    assert distance < 0.4 < DEFAULT_MAX_DISTANCE  # measured 0.27


@needs_faces
@pytest.mark.parametrize("other", ["hopper", "cameraman"])
def test_different_people(tmp_path: Path, detector: FaceDetector, embedder: FaceEmbedder, other: str) -> None:
    subject = _reference(tmp_path, "subject.jpg", skimage.data.astronaut(), detector, embedder)
    image = _hopper() if other == "hopper" else np.repeat(skimage.data.camera()[..., None], 3, axis=2)
    stranger = _reference(tmp_path, f"{other}.jpg", image, detector, embedder)
    assert face_distance(subject.embedding, stranger.embedding) > DEFAULT_MAX_DISTANCE  # measured 0.69, 0.84


@needs_faces
def test_photo_without_a_face_or_with_two(
    tmp_path: Path, detector: FaceDetector, embedder: FaceEmbedder
) -> None:
    with pytest.raises(UsageError, match="no face"):
        _reference(tmp_path, "coffee.png", skimage.data.coffee(), detector, embedder)
    astronaut = cv2.resize(skimage.data.astronaut()[0:300, 100:360], (260, 300))
    hopper = cv2.resize(_hopper()[60:520, 90:440], (175, 230))
    pair = np.full((320, 460, 3), 255, np.uint8)
    pair[:300, :260] = astronaut
    pair[:230, 280:455] = hopper
    with pytest.raises(UsageError, match="similar size"):
        _reference(tmp_path, "pair.jpg", pair, detector, embedder)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(UsageError, match="not a readable image"):
        load_reference(text, detector=detector, embedder=embedder)


# --- end to end ----------------------------------------------------------------------------------

CLIP_WH = (640, 360)
SUBJECT_AT = (60, 70)  # top-left of the subject's head crop at frame 0 (moves 2 px a frame right)
STRANGER_AT = (430, 90)


def _write_two_people(path: Path, frames: int = 20) -> None:
    """Collins walks right on the left, Hopper stands on the right; 10 fps, real H.264."""
    subject = cv2.resize(skimage.data.astronaut()[0:240, 120:340], None, fx=0.9, fy=0.9)
    stranger = cv2.resize(_hopper()[60:420, 110:420], None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
    width, height = CLIP_WH
    ramp = np.linspace(60, 140, width, dtype=np.float32)
    background = np.repeat(np.repeat(ramp[None, :, None], height, 0), 3, 2).astype(np.uint8)
    with VideoWriter(path, width=width, height=height, fps=Fraction(10), preset="ultrafast", crf=18) as out:
        for i in range(frames):
            frame = background.copy()
            x, y = SUBJECT_AT[0] + 2 * i, SUBJECT_AT[1]
            frame[y : y + subject.shape[0], x : x + subject.shape[1]] = subject
            x, y = STRANGER_AT
            frame[y : y + stranger.shape[0], x : x + stranger.shape[1]] = stranger
            out.write(frame)


def _face_change(original: Path, redacted: Path, xyxy: tuple[float, float, float, float]) -> float:
    """Mean absolute pixel change inside a face box over the clip (0: untouched, ~20+: blurred)."""
    x1, y1, x2, y2 = (round(v) for v in xyxy)
    with VideoReader(original) as a, VideoReader(redacted) as b:
        pairs = zip(a.frames(), b.frames(), strict=True)
        diffs = [
            np.abs(fa.image[y1:y2, x1:x2].astype(int) - fb.image[y1:y2, x1:x2]).mean() for fa, fb in pairs
        ]
    return float(np.mean(diffs))


@pytest.fixture(scope="module")
def two_people(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keep-face")
    clip = folder / "two.mp4"
    _write_two_people(clip)
    subject = _write_rgb(folder / "subject.jpg", skimage.data.astronaut())  # another crop and scale
    return clip, subject


@needs_faces
def test_redact_keeping_face(two_people: tuple[Path, Path], tmp_path: Path, detector: FaceDetector) -> None:
    clip, subject = two_people
    out = tmp_path / "out.mp4"
    seen: list[tuple[int, int]] = []
    embedder = FaceEmbedder()
    report = redact_with(
        clip,
        out,
        options=RedactOptions(),
        detector=detector,
        reference=load_reference(
            subject, detector=detector, embedder=embedder, threshold=RedactOptions().threshold
        ),
        embedder=embedder,
        progress=lambda d, t: seen.append((d, t)),
    )
    match = report.identity
    assert match is not None
    assert len(match.tracks) == 2
    kept = [t for t in match.tracks if t.kept]
    masked = [t for t in match.tracks if not t.kept]
    assert len(kept) == 1 and kept[0].distance < 0.45  # measured 0.11
    assert (
        masked[0].decision is Decision.DIFFERENT and masked[0].distance > DEFAULT_MAX_DISTANCE
    )  # measured 0.67
    assert report.kept_tracks == match.kept_tracks
    assert seen[-1] == (40, 40)  # both passes count into one progress
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "out.redaction.json"]  # no scratch left

    data = json.loads((tmp_path / "out.redaction.json").read_text())
    assert data["kept_tracks"] == list(match.kept_tracks)
    assert data["identity"]["max_distance"] == DEFAULT_MAX_DISTANCE
    assert data["identity"]["reference"]["file"] == "subject.jpg"
    assert {t["decision"] for t in data["identity"]["tracks"]} == {"match", "different person"}

    by_id = {t.track_id: t for t in report.tracks}
    assert _face_change(clip, out, by_id[kept[0].track_id].best_xyxy) < 6  # visible (codec noise only)
    assert _face_change(clip, out, by_id[masked[0].track_id].best_xyxy) > 15  # blurred


@needs_faces
def test_cli_keep_face(two_people: tuple[Path, Path], tmp_path: Path) -> None:
    clip, subject = two_people
    out = tmp_path / "out.mp4"
    result = CliRunner().invoke(app, ["redact", str(clip), "-o", str(out), "--keep-face", str(subject)])
    assert result.exit_code == 0, result.output
    assert "max distance 0.60" in result.output
    assert "match" in result.output and "different person" in result.output
    assert "1 kept" in result.output

    strict = CliRunner().invoke(
        app,
        [
            "redact",
            str(clip),
            "-o",
            str(out),
            "--keep-face",
            str(subject),
            "--max-face-distance",
            "0.02",  # far below the same face's distance (measured 0.09-0.11 across dlib builds)
            "--json",
            "--force",  # the same output again (issue 18: refused without it)
        ],
    )
    assert strict.exit_code == 0, strict.output
    data = json.loads(strict.stdout)
    assert data["kept_tracks"] == [] and data["identity"]["max_distance"] == 0.02


@needs_faces
def test_cli_keep_face_errors(two_people: tuple[Path, Path], tmp_path: Path) -> None:
    clip, _ = two_people
    missing = CliRunner().invoke(
        app, ["redact", str(clip), "-o", str(tmp_path / "o.mp4"), "--keep-face", "no.jpg"]
    )
    assert missing.exit_code == 4
    assert "no.jpg" in missing.output and len(missing.output.strip().splitlines()) == 1
    faceless = _write_rgb(tmp_path / "coffee.jpg", skimage.data.coffee())
    nobody = CliRunner().invoke(
        app, ["redact", str(clip), "-o", str(tmp_path / "o.mp4"), "--keep-face", str(faceless)]
    )
    assert nobody.exit_code == 2 and "no face found" in nobody.output
    assert not (tmp_path / "o.mp4").exists()
