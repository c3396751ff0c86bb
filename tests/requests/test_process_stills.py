"""Stills in releases (issue 18, policy 12.6): a snapshot inside a request window is redacted,
audited and released as a metadata-free JPEG with its own manifest entry, not withheld.

The gate camera has a 2 s video (10:00:00-10:00:02 local, faceless) and a 640x360 JPEG snapshot
at 10:00:03 carrying EXIF (camera make, GPS position) with two generated faces.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
from PIL import Image
from typer.testing import CliRunner

from cctvkit.catalog import open_catalog
from cctvkit.catalog import releases as relq
from cctvkit.cli.main import app
from cctvkit.config import ApproverConfig, SiteConfig
from cctvkit.errors import FacesRemainError, UsageError
from cctvkit.ingest import scan_archive
from cctvkit.keys import create_key, unlock_key
from cctvkit.redact import RedactOptions
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests.approval import approve_unredacted
from cctvkit.requests.estimate import DEFAULT_STILL_S
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, get_request, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.verify import verify_path
from cctvkit.requests.views import release_json
from cctvkit.requests.windows import parse_window
from cctvkit.samplegen import FaceTrack, Keyframe, Scene
from tests.conftest import write_tiny_video
from tests.redact.test_identity import _hopper, _write_rgb, needs_faces

OPERATOR = "j.smith"
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
STILL = "gate_20261001_100003.jpg"
BLIND = RedactOptions(threshold=0.99, min_score=0.25)
"""A first pass that masks nothing: every face is left to the audit."""
runner = CliRunner()


def _write_jpeg_with_exif(path: Path, image: np.ndarray) -> None:
    """A camera-like snapshot: JPEG with EXIF make/model, original time and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "AcmeCam"  # Make
    exif[0x0110] = "DVR-9000 serial 123456"  # Model
    exif[0x0132] = "2026:10:01 10:00:03"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    Image.fromarray(image).save(path, "JPEG", quality=95, exif=exif)
    assert b"AcmeCam" in path.read_bytes() and Image.open(path).getexif().get_ifd(0x8825)


def _scene_still() -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    tracks = (
        FaceTrack("a", "collins", (Keyframe(0.0, 0.30, 0.5, 0.15),)),
        FaceTrack("b", "collins-dark", (Keyframe(0.0, 0.72, 0.5, 0.13),)),
    )
    image, faces = Scene(size_wh=(640, 360), fps=Fraction(10), tracks=tracks, seed=3).render(0)
    return image, [tuple(int(v) for v in f.xyxy) for f in faces]


def _site(site: Path, image: np.ndarray):
    root = site.parent / "archive"
    write_tiny_video(root / "gate" / "gate_20261001_100000.mp4", seconds=2)
    _write_jpeg_with_exif(root / "gate" / STILL, image)
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    scan_archive(catalog, config, actor=OPERATOR)
    return config, catalog


def _request(config, catalog, window: str = "gate@2026-10-01T10:00:01/10:00:05") -> str:
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Alex Doe",
        windows=(parse_window(window, config),),
        received_on=date(2026, 10, 3),
    )
    req = open_request(catalog, config, new, actor=OPERATOR, now=NOW)
    identify_requester(catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)
    return req.id


@pytest.fixture
def still_site(site: Path):
    image, faces = _scene_still()
    config, catalog = _site(site, image)
    yield site, config, catalog, _request(config, catalog), faces
    catalog.dispose()


def _change(a: np.ndarray, b: np.ndarray, xyxy) -> float:
    x1, y1, x2, y2 = xyxy
    return float(np.abs(a[y1:y2, x1:x2].astype(int) - b[y1:y2, x1:x2]).mean())


def _decoded(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def test_still_is_redacted_released_and_verified(still_site) -> None:
    site, config, catalog, rid, faces = still_site
    result = process_request(
        catalog, config, rid, actor=OPERATOR, options=ProcessOptions(mask_everyone=True), now=NOW
    )
    pkg = result.path
    manifest = json.loads((pkg / "manifest.json").read_text())
    assert manifest["outcome"] == "released"  # the still is no longer withheld
    assert not [w for w in manifest["withheld"] if w["withheld"]]
    (clip,) = manifest["clips"]
    (still,) = manifest["stills"]
    assert still["file"] == "stills/01-gate-20261001T100003.jpg" and still["still"] == "still-1"
    released = pkg / still["file"]
    assert still["sha256"] == hashlib.sha256(released.read_bytes()).hexdigest()
    original = site.parent / "archive" / "gate" / STILL
    assert still["source"]["sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    assert still["source"]["file"] == STILL and isinstance(still["source"]["recording_id"], int)
    assert still["taken_local"] == "2026-10-01T10:00:03+01:00"
    assert still["taken_utc"] == "2026-10-01T09:00:03+00:00"
    redaction = still["redaction"]
    assert redaction["model"] == "centerface" and redaction["parameters"]["threshold"] == 0.5
    assert redaction["faces_detected"] == 2 and redaction["faces_masked"] == 2
    assert redaction["keep"] == {"mask_everyone": True, "kept_by_track": [], "kept_by_face": False}
    assert redaction["face_check"]["enabled"] and redaction["face_check"]["remaining"] == 0
    # No metadata leaves: EXIF, GPS and the camera's make are gone (re-encoded from pixels).
    data = released.read_bytes()
    assert b"Exif" not in data and b"AcmeCam" not in data and not Image.open(released).getexif()
    assert "exif" not in Image.open(released).info
    # The faces are masked in the released pixels, the rest of the picture is not.
    before, after = _decoded(original), _decoded(released)
    assert after.shape == before.shape == (360, 640, 3)
    for box in faces:
        assert _change(before, after, box) > 15, box
    assert _change(before, after, (0, 300, 640, 360)) < 4  # the ground below the faces: untouched
    assert verify_path(pkg).ok
    # The catalog, `request show` and the disclosure log name the still.
    with catalog.read() as conn:
        (release,) = relq.list_releases(conn, rid)
        (disclosure,) = relq.list_disclosures(conn, request_id=rid)
    shown = release_json(release, config.tz)
    assert [s["file"] for s in shown["stills"]] == [still["file"]] and len(shown["clips"]) == 1
    assert shown["stills"][0]["faces_masked"] == 2 and shown["stills"][0]["sha256"] == still["sha256"]
    assert "1 still(s) [gate 2026-10-01 10:00:03]" in disclosure.summary
    # Altering the released still breaks the package.
    released.chmod(0o600)
    released.write_bytes(data[:-10] + bytes(10))
    problems = verify_path(pkg).problems
    assert any(still["file"] in p and "altered" in p for p in problems), problems
    assert clip["file"].startswith("clips/01-gate-")


def _run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": OPERATOR})
    return result.exit_code, result.stdout, result.stderr


def test_still_with_faces_the_audit_sees_stops_the_run_until_withheld_or_accepted(still_site) -> None:
    site, config, catalog, rid, _faces = still_site
    blind = ["--threshold", "0.99", "--face-check-rounds", "0", "--mask-everyone"]
    code, out, err = _run(site, "request", "find", rid)
    assert code == 0 and "still-1: #" in out and STILL in out, err
    code, _, err = _run(site, "request", "process", rid, *blind)
    assert code == FacesRemainError.exit_code == 9, err
    assert "still-1: 2 face(s)" in err and "--accept-faces still-N=REASON" in err
    assert not [p for p in config.release_dir.iterdir() if p.name.startswith("R-")]
    assert get_request(catalog, rid).outcome is None
    code, _, err = _run(site, "request", "process", rid, *blind, "--withhold", "still-2=x")
    assert code == 2 and "still 'still-2' does not exist (stills: still-1..still-1)" in err
    code, _, err = _run(site, "request", "process", rid, *blind, "--keep-track", "still-1:0")
    assert code == 2 and "a still has no tracks" in err
    # Withheld: the clip is released, the still named as withheld (a partial release).
    result = process_request(
        catalog,
        config,
        rid,
        actor=OPERATOR,
        options=ProcessOptions(
            redact=BLIND,
            face_check=FaceCheckOptions(rounds=0),
            mask_everyone=True,
            withhold_stills={1: "faces the face check still sees"},
        ),
        now=NOW,
    )
    assert result.release.outcome == "partial" and not result.manifest.stills
    (part,) = [w for w in result.manifest.withheld if w.withheld]
    assert part.detail.startswith("still-1 (#") and "faces the face check still sees" in part.detail
    # Accepted: released with the staff's reason in the manifest and `request show`.
    reason = "faces on a poster, not people"
    accept = ["--accept-faces", f"still-1={reason}", "--json"]
    code, out, err = _run(site, "request", "process", rid, *blind, *accept)
    assert code == 0, err
    (still,) = json.loads(out)["manifest"]["stills"]
    assert still["redaction"]["face_check"]["remaining"] == 2
    assert still["redaction"]["face_check"]["accepted"] == {"by": OPERATOR, "reason": reason}
    code, out, err = _run(site, "request", "show", rid)
    assert code == 0 and "1 clip(s), 1 still(s)" in out and f"accepted by {OPERATOR}: {reason}" in out, err


@pytest.fixture
def two_people_still(site: Path):
    """A still of Collins (the requester, left) and Hopper (right); a window holding only the still."""
    subject = cv2.resize(skimage.data.astronaut()[0:240, 120:340], None, fx=0.9, fy=0.9)
    stranger = cv2.resize(_hopper()[60:420, 110:420], None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
    image = np.repeat(np.repeat(np.linspace(60, 140, 640)[None, :, None], 360, 0), 3, 2).astype(np.uint8)
    boxes = {"subject": (40, 60), "stranger": (400, 90)}
    for (x, y), face in zip(boxes.values(), (subject, stranger), strict=True):
        image[y : y + face.shape[0], x : x + face.shape[1]] = face
    areas = {
        "subject": (40, 60, 40 + subject.shape[1], 60 + subject.shape[0]),
        "stranger": (400, 90, 400 + stranger.shape[1], 90 + stranger.shape[0]),
    }
    config, catalog = _site(site, image)
    rid = _request(config, catalog, "gate@2026-10-01T10:00:03/10:00:05")
    yield site, config, catalog, rid, areas
    catalog.dispose()


@needs_faces
def test_keep_face_keeps_the_requester_visible_in_a_still(two_people_still, tmp_path: Path) -> None:
    site, config, catalog, rid, areas = two_people_still
    # Only a still: --keep-track cannot apply, so issue 13's rule asks for a face or --mask-everyone.
    with pytest.raises(UsageError, match="--keep-face PHOTO, or pass --mask-everyone"):
        process_request(catalog, config, rid, actor=OPERATOR, now=NOW)
    photo = _write_rgb(tmp_path / "passport.jpg", skimage.data.astronaut())
    result = process_request(
        catalog, config, rid, actor=OPERATOR, options=ProcessOptions(keep_face=photo), now=NOW
    )
    assert not result.manifest.clips
    (still,) = result.manifest.stills
    identity = still.redaction["identity"]
    assert identity["reference"]["file"] == "passport.jpg"
    assert sorted(t["decision"] for t in identity["tracks"]) == ["different person", "match"]
    assert still.redaction["faces_kept"] == 1 and still.redaction["faces_masked"] == 1
    assert (
        still.redaction["face_check"]["remaining"] == 0 and still.redaction["face_check"]["kept_skipped"] >= 1
    )
    before = _decoded(site.parent / "archive" / "gate" / STILL)
    after = _decoded(result.path / still.file)
    assert _change(before, after, areas["subject"]) < 3  # the requester stays visible
    assert _change(before, after, areas["stranger"]) > 10  # the stranger is masked
    assert verify_path(result.path).ok


def test_estimate_counts_stills(still_site) -> None:
    site, _config, _catalog, rid, _faces = still_site
    code, out, err = _run(site, "request", "estimate", rid, "--json")
    assert code == 0, err
    est = json.loads(out)
    assert est["stills"] == 1 and est["clips"] == 1 and est["still_s"] == DEFAULT_STILL_S
    assert est["still_source"].startswith(f"{DEFAULT_STILL_S:.1f} s each, default")
    assert est["processing_s"] >= DEFAULT_STILL_S
    code, out, err = _run(site, "request", "estimate", rid)
    assert code == 0 and "in 1 clip(s) and 1 still(s)" in out, err


def test_police_unredacted_copy_of_a_still_keeps_faces_masks_zones_drops_metadata(
    still_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, config, catalog, _rid, faces = still_site
    jones = unlock_key(
        create_key("K. Jones", "correct horse battery", directory=tmp_path / "k"), "correct horse battery"
    )
    zone = [(0.0, 0.85), (1.0, 0.85), (1.0, 1.0), (0.0, 1.0)]
    cameras = [
        c.model_copy(update={"privacy_zones": [zone]}) if c.id == "gate" else c for c in config.cameras
    ]
    config = config.model_copy(
        update={
            "approvers": [ApproverConfig(name=jones.name, public_key=jones.public_key)],
            "cameras": cameras,
        }
    )
    monkeypatch.setenv("CCTVKIT_KEY_DIR", str(tmp_path / "own"))
    new = NewRequest(
        kind=RequestKind.POLICE,
        requester="Metropolitan Police",
        police_reference="CAD 1234/26",
        windows=(parse_window("gate@2026-10-01T10:00:03/10:00:05", config),),
        received_on=date(2026, 10, 3),
    )
    req = open_request(catalog, config, new, actor=OPERATOR, now=NOW)
    identify_requester(catalog, req.id, actor=OPERATOR, method="warrant card", now=NOW)
    approve_unredacted(catalog, config, req.id, actor="k.jones", key=jones, now=NOW)
    result = process_request(
        catalog, config, req.id, actor=OPERATOR, options=ProcessOptions(unredacted=True), now=NOW
    )
    (still,) = result.manifest.stills
    assert still.redaction["engine"].startswith("none") and still.redaction["privacy_zones"] == 1
    before = _decoded(site.parent / "archive" / "gate" / STILL)
    after = _decoded(result.path / still.file)
    for box in faces:
        assert _change(before, after, box) < 4  # faces visible: an approved unredacted copy
    assert _change(before, after, (0, 320, 640, 360)) > 2 and after[320:360].std() < before[320:360].std()
    assert b"Exif" not in (result.path / still.file).read_bytes()
    assert verify_path(result.path).ok


@needs_faces
def test_a_requester_only_still_keeps_the_requester_and_pixelates_the_rest(
    site: Path, tmp_path: Path
) -> None:
    """Issue 26 on a still: the reference face's body box stays, everything else is averaged into cells."""
    image = np.random.default_rng(7).integers(40, 200, (360, 640, 3), dtype=np.uint8)  # texture: cells show
    subject = cv2.resize(skimage.data.astronaut()[0:240, 120:340], None, fx=0.9, fy=0.9)
    image[60 : 60 + subject.shape[0], 40 : 40 + subject.shape[1]] = subject
    config, catalog = _site(site, image)
    try:
        rid = _request(config, catalog, "gate@2026-10-01T10:00:03/10:00:05")
        photo = _write_rgb(tmp_path / "passport.jpg", skimage.data.astronaut())
        options = ProcessOptions(keep_face=photo, requester_only=True)
        result = process_request(catalog, config, rid, actor=OPERATOR, options=options, now=NOW)
        (still,) = result.manifest.stills
        assert still.redaction["mode"] == "requester-only" and still.redaction["faces_kept"] == 1
        (region,) = still.redaction["requester_only"]["region"]
        assert still.redaction["requester_only"]["frames"] == 1
        before = _decoded(site.parent / "archive" / "gate" / STILL)
        after = _decoded(result.path / still.file)
        face = (40, 60, 40 + subject.shape[1], 60 + subject.shape[0])
        assert region[0] <= face[0] + 20 and region[2] >= face[2] - 20  # the region holds the face
        assert _change(before, after, face) < 3  # the requester stays visible
        right = (int(np.ceil(region[2])) + 12, 0, 640, 360)  # outside the region: noise averaged away
        assert right[0] < 600 and _change(before, after, right) > 20
        cells = after[:, right[0] :].astype(float)
        assert (
            np.abs(np.diff(cells, axis=1)).mean()
            < 0.3 * np.abs(np.diff(before[:, right[0] :].astype(float), axis=1)).mean()
        )
        assert verify_path(result.path).ok
    finally:
        catalog.dispose()
