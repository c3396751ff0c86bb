"""Write the sample archive: site config, per-camera segments, a still, a corrupt file, ground truth."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from cctvkit.errors import UsageError
from cctvkit.samplegen.clip import write_scene
from cctvkit.samplegen.scene import FaceTrack, GroundTruth, Keyframe, Scene

__all__ = ["GROUND_TRUTH_FORMAT", "SEGMENT_S", "SUBJECT_ID", "sample_scenes", "write_archive"]

log = logging.getLogger(__name__)

GROUND_TRUTH_FORMAT = "cctvkit-sample-ground-truth/1"
SUBJECT_ID = "subject"
"""The person who makes the subject access request in tests; every other face is a third party."""

SITE_NAME = "Riverside Depot"
SITE_TZ = "Europe/London"
SIZE_WH = (640, 360)
FPS = Fraction(10)
SEGMENT_S = 6
GATE_PRIVACY_ZONE = ((0.70, 0.0), (1.0, 0.0), (1.0, 0.40), (0.70, 0.40))
"""The neighbour's house in the gate camera's view; no face ever enters it."""


@dataclass(frozen=True, slots=True)
class _Camera:
    id: str
    area: str
    background: str
    directory: str
    pattern: str
    timezone: str | None  # None: the site's
    retention_days: int
    justification: str
    privacy_zones: tuple[tuple[tuple[float, float], ...], ...] = ()
    segments: int = 0
    start_local: datetime | None = None
    tracks: tuple[FaceTrack, ...] = field(default=())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or SITE_TZ)


def _jitter(rng: np.random.Generator, face_id: str, portrait: str, keys) -> FaceTrack:
    """A scripted path moved by a little seeded noise (positions +-1.5 %, sizes +-4 %)."""
    out = []
    for t, x, y, size in keys:
        out.append(
            Keyframe(
                t,
                x + float(rng.uniform(-0.015, 0.015)),
                y + float(rng.uniform(-0.015, 0.015)),
                size * float(rng.uniform(0.96, 1.04)),
            )
        )
    return FaceTrack(face_id, portrait, tuple(out))


def _cameras(seed: int) -> tuple[_Camera, _Camera, _Camera]:
    rng = np.random.default_rng(seed)
    gate_tracks = (
        # The subject walks in from the left across two segment boundaries, pauses, leaves right.
        _jitter(
            rng,
            SUBJECT_ID,
            "collins",
            [
                (3.0, -0.08, 0.62, 0.17),
                (9.0, 0.50, 0.64, 0.22),
                (10.5, 0.52, 0.64, 0.22),
                (15.0, 1.08, 0.70, 0.24),
            ],
        ),
        # A guard stands still by the gate for the whole recording.
        _jitter(rng, "guard", "collins-dark", [(0.0, 0.20, 0.52, 0.10)]),
        # Someone far away (24-27 px faces) walks along the gate.
        _jitter(rng, "walker", "collins-cap", [(0.0, 0.34, 0.49, 0.067), (12.0, 0.62, 0.49, 0.075)]),
        # Someone close to the lens enters bottom right, lingers, and leaves (110-120 px faces).
        _jitter(
            rng,
            "visitor",
            "collins-grey",
            [
                (1.0, 1.12, 0.80, 0.31),
                (2.5, 0.80, 0.73, 0.33),
                (4.0, 0.80, 0.73, 0.33),
                (5.5, 1.12, 0.78, 0.31),
            ],
        ),
        # A runner flashes through in front of the camera: 3 frames on screen.
        _jitter(rng, "runner", "collins-warm", [(13.0, 1.15, 0.72, 0.30), (13.4, -0.15, 0.72, 0.30)]),
    )
    reception_tracks = (
        # The subject walks from the back of the corridor towards the camera, then out left.
        _jitter(
            rng,
            SUBJECT_ID,
            "collins",
            [(1.0, 0.50, 0.45, 0.09), (9.0, 0.44, 0.60, 0.30), (11.0, -0.20, 0.64, 0.32)],
        ),
        # The receptionist sits at the desk at the back.
        _jitter(rng, "receptionist", "collins-grey", [(0.0, 0.57, 0.46, 0.075)]),
        # A visitor crosses right to left at mid distance.
        _jitter(rng, "courier", "collins-cap", [(4.0, 1.08, 0.54, 0.15), (10.0, -0.08, 0.54, 0.15)]),
    )
    yard_tracks = (
        _jitter(rng, "contractor", "collins-dark", [(0.0, 0.15, 0.60, 0.11), (6.0, 0.85, 0.62, 0.12)]),
    )
    gate = _Camera(
        "gate",
        "Vehicle gate",
        "gate",
        "gate",
        "gate_%Y%m%d_%H%M%S",
        None,
        30,
        "Gate incidents are reported within days; 30 days covers the insurer's claim window.",
        (GATE_PRIVACY_ZONE,),
        3,
        datetime(2026, 10, 1, 9, 0, 0),
        gate_tracks,
    )
    reception = _Camera(
        "reception",
        "Reception corridor",
        "corridor",
        "reception",
        "reception-%Y%m%d-%H%M%S",
        SITE_TZ,
        14,
        "Visitor complaints arrive within a week; 14 days allows one follow-up.",
        (),
        2,
        datetime(2026, 10, 2, 14, 30, 0),
        reception_tracks,
    )
    # This recorder's clock runs on UTC (common on NVRs), hence the camera's own timezone.
    yard = _Camera(
        "yard",
        "Storage yard",
        "yard",
        "yard",
        "yard_%Y%m%d_%H%M%S",
        "UTC",
        7,
        "Theft from the yard is noticed at the weekly stock check; 7 days is enough.",
        (),
        1,
        datetime(2026, 10, 3, 10, 0, 0),
        yard_tracks,
    )
    return gate, reception, yard


def _scene(cam: _Camera, index: int, seed: int) -> Scene:
    return Scene(
        size_wh=SIZE_WH, fps=FPS, tracks=cam.tracks, background=cam.background, seed=seed * 100 + index
    )


def sample_scenes(seed: int = 0) -> dict[str, Scene]:
    """The scene behind each camera's video segments, by camera id.

    Segment ``s`` of a camera holds the scene's frames ``s * 60`` .. ``s * 60 + 59`` (6 s at 10 fps),
    so ground truth can be recomputed without decoding: ``scene.ground_truth(60 * s, 60 * s + 60)``.
    """
    return {cam.id: _scene(cam, k, seed) for k, cam in enumerate(_cameras(seed))}


def _toml(cameras: tuple[_Camera, ...]) -> str:
    def q(text: str) -> str:
        return json.dumps(text)  # a TOML basic string is JSON-escaped for this ASCII text

    lines = [
        "# Sample site for cctvkit, written by `python -m cctvkit.samplegen` (do not edit by hand).",
        "[site]",
        f"name = {q(SITE_NAME)}",
        f"timezone = {q(SITE_TZ)}",
        'archive_roots = ["archive"]',
        'data_dir = ".cctvkit"',
    ]
    for cam in cameras:
        lines += [
            "",
            "[[cameras]]",
            f"id = {q(cam.id)}",
            f"site = {q(SITE_NAME)}",
            f"area = {q(cam.area)}",
            f"directory = {q(cam.directory)}",
            f"filename_pattern = {q(cam.pattern)}",
        ]
        if cam.timezone:
            lines.append(f"timezone = {q(cam.timezone)}")
        lines += [
            f"retention_days = {cam.retention_days}",
            f"retention_justification = {q(cam.justification)}",
        ]
        if cam.privacy_zones:
            polys = ", ".join(
                "[" + ", ".join(f"[{x:.2f}, {y:.2f}]" for x, y in poly) + "]" for poly in cam.privacy_zones
            )
            lines.append(f"privacy_zones = [{polys}]")
    return "\n".join(lines) + "\n"


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat()


def _entry(
    path: str, cam: _Camera, kind: str, start: datetime | None, end: datetime | None, gt: GroundTruth | None
) -> dict[str, object]:
    return {
        "path": path,
        "camera_id": cam.id,
        "kind": kind,
        "start_utc": _iso(start),
        "end_utc": _iso(end),
        "fps": None if gt is None or kind != "video" else int(gt.fps),
        "frame_count": None if gt is None else gt.frame_count,
        "width": None if gt is None else gt.size_wh[0],
        "height": None if gt is None else gt.size_wh[1],
        "faces": None if gt is None else gt.frames_json(),
    }


def _overlay(cam: _Camera, start_local: datetime, count: int) -> list[str]:
    label = cam.id.upper()
    return [
        f"{(start_local + timedelta(seconds=float(i / FPS))):%Y-%m-%d %H:%M:%S}  {label}"
        for i in range(count)
    ]


def _check_privacy_zone(cam: _Camera, gt: GroundTruth, name: str) -> None:
    for poly in cam.privacy_zones:
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        w, h = SIZE_WH
        zx1, zy1, zx2, zy2 = min(xs) * w, min(ys) * h, max(xs) * w, max(ys) * h
        for boxes in gt.frames:
            for b in boxes:
                x1, y1, x2, y2 = b.xyxy
                if x1 < zx2 and x2 > zx1 and y1 < zy2 and y2 > zy1:
                    raise RuntimeError(f"{name}: face {b.face_id} enters the privacy zone")


def _clear(outdir: Path) -> None:
    """Remove a previous run's output, refusing to touch a directory that is not a sample."""
    archive = outdir / "archive"
    if archive.exists():
        if not (outdir / "ground_truth.json").is_file():
            raise UsageError(f"{outdir}: has an archive/ but no ground_truth.json; not overwriting")
        shutil.rmtree(archive)


def write_archive(outdir: Path, *, seed: int = 0) -> dict[str, object]:
    """Write the sample archive under ``outdir`` (created if missing, earlier output replaced).

    Layout: ``cctvkit.toml`` (3 cameras), ``archive/<camera>/<files>`` and ``ground_truth.json``.
    ``outdir/README.md`` and ``outdir/.cctvkit/`` are left alone.

    Args:
        outdir: target directory.
        seed: seeds every path jitter, texture and noise; same seed, same ground truth.

    Returns:
        The ground truth that was written to ``ground_truth.json``.

    Raises:
        UsageError: ``outdir`` holds an ``archive/`` that this generator did not write.
        VideoError: encoding failed.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    _clear(outdir)
    cameras = _cameras(seed)
    files: list[dict[str, object]] = []
    people: dict[str, str] = {}
    per_segment = int(SEGMENT_S * FPS)
    for k, cam in enumerate(cameras):
        camdir = outdir / "archive" / cam.directory
        camdir.mkdir(parents=True, exist_ok=True)
        people.update({t.face_id: t.portrait for t in cam.tracks})
        scene = _scene(cam, k, seed)
        start_local = cam.start_local.replace(tzinfo=cam.tz)
        for s in range(cam.segments):
            t0 = start_local + timedelta(seconds=s * SEGMENT_S)
            name = f"{t0:{cam.pattern}}.mp4"
            start_utc = t0.astimezone(UTC)
            gt = write_scene(
                camdir / name,
                scene,
                start=s * per_segment,
                stop=(s + 1) * per_segment,
                creation_time_utc=start_utc,
                overlay=_overlay(cam, t0, per_segment),
            )
            _check_privacy_zone(cam, gt, name)
            rel = f"archive/{cam.directory}/{name}"
            files.append(_entry(rel, cam, "video", start_utc, start_utc + timedelta(seconds=SEGMENT_S), gt))
        if cam.id == "yard":
            files += _yard_extras(outdir, cam, seed, people)
    subject_and_others = sorted(people)
    truth: dict[str, object] = {
        "format": GROUND_TRUTH_FORMAT,
        "seed": seed,
        "site": {"name": SITE_NAME, "timezone": SITE_TZ},
        "size_wh": list(SIZE_WH),
        "subject_face_id": SUBJECT_ID,
        "third_party_face_ids": [p for p in subject_and_others if p != SUBJECT_ID],
        "people": {
            p: {"look": people[p], "role": "subject" if p == SUBJECT_ID else "third_party"}
            for p in subject_and_others
        },
        "files": files,
    }
    (outdir / "cctvkit.toml").write_text(_toml(cameras), encoding="utf-8")
    (outdir / "ground_truth.json").write_text(
        json.dumps(truth, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    log.info("sample archive written to %s: %d files, seed %d", outdir, len(files), seed)
    return truth


def _yard_extras(outdir: Path, cam: _Camera, seed: int, people: dict[str, str]) -> list[dict]:
    """The yard camera's JPEG snapshot and its truncated (corrupt) segment."""
    camdir = outdir / "archive" / cam.directory
    rng = np.random.default_rng(seed + 7)
    still_tracks = (
        _jitter(rng, SUBJECT_ID, "collins", [(0.0, 0.38, 0.56, 0.20)]),
        _jitter(rng, "contractor", "collins-dark", [(0.0, 0.72, 0.60, 0.12)]),
    )
    people.update({t.face_id: t.portrait for t in still_tracks})
    scene = Scene(
        size_wh=SIZE_WH, fps=FPS, tracks=still_tracks, background=cam.background, seed=seed * 100 + 2
    )
    t_still = cam.start_local.replace(tzinfo=cam.tz) + timedelta(minutes=15)
    image, faces = scene.render(0, f"{t_still:%Y-%m-%d %H:%M:%S}  {cam.id.upper()}")
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    still_name = f"{t_still:{cam.pattern}}.jpg"
    (camdir / still_name).write_bytes(jpeg.tobytes())
    gt_still = GroundTruth(SIZE_WH, FPS, (faces,))
    t_still_utc = t_still.astimezone(UTC)
    entries = [
        _entry(f"archive/{cam.directory}/{still_name}", cam, "still", t_still_utc, t_still_utc, gt_still)
    ]
    # A recording cut off by a power loss: the first half of a real segment, no moov atom.
    t_bad = cam.start_local.replace(tzinfo=cam.tz) + timedelta(minutes=20)
    bad_name = f"{t_bad:{cam.pattern}}.mp4"
    bad_path = camdir / bad_name
    write_scene(
        bad_path,
        Scene(size_wh=SIZE_WH, fps=FPS, tracks=cam.tracks, background=cam.background, seed=seed * 100 + 3),
        start=0,
        stop=int(SEGMENT_S * FPS),
        creation_time_utc=t_bad.astimezone(UTC),
    )
    data = bad_path.read_bytes()
    bad_path.write_bytes(data[: len(data) // 2])
    entries.append(
        _entry(f"archive/{cam.directory}/{bad_name}", cam, "corrupt", t_bad.astimezone(UTC), None, None)
    )
    return entries
