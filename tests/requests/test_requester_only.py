"""`request process --requester-only` (issue 26): a subject request answered with the requester alone
in view, recorded in the manifest, the catalog (`request show`) and the disclosure log; the site's
default; what it refuses; and the exit-9 message that offers it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cctvkit.catalog import open_catalog
from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from cctvkit.errors import FacesRemainError, UsageError
from cctvkit.ingest import scan_archive
from cctvkit.redact import RedactOptions
from cctvkit.redact.evaluation import detail_correlation
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.review import review_request
from cctvkit.requests.windows import parse_window
from cctvkit.samplegen import FaceTrack, GroundTruth, Keyframe, write_clip
from cctvkit.video import VideoReader

OPERATOR = "j.smith"
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
TRACKS = (
    FaceTrack("requester", "collins", (Keyframe(0.0, 0.22, 0.4, 0.13), Keyframe(2.0, 0.30, 0.4, 0.13))),
    FaceTrack("stranger", "collins-dark", (Keyframe(0.0, 0.75, 0.4, 0.13),)),
)


def _request(catalog, config: SiteConfig, kind: RequestKind = RequestKind.SUBJECT) -> str:
    new = NewRequest(
        kind=kind,
        requester="Alex Doe" if kind is RequestKind.SUBJECT else "Acme Insurance",
        windows=(parse_window("gate@2026-10-01T10:00:00/10:00:01", config),),
        received_on=date(2026, 10, 3),
        legal_basis=None if kind is RequestKind.SUBJECT else "claim 77",
    )
    req = open_request(catalog, config, new, actor=OPERATOR, now=NOW)
    identify_requester(catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)
    return req.id


@pytest.fixture
def yard_site(site: Path):
    """Gate: 2 s (10 fps, 640x360), the requester walking beside a standing stranger; one subject
    request on its first second."""
    truth = write_clip(
        site.parent / "archive" / "gate" / "gate_20261001_100000.mp4",
        seconds=2,
        fps=10,
        size_wh=(640, 360),
        background="yard",
        faces=TRACKS,
    )
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    scan_archive(catalog, config, actor=OPERATOR)
    yield site, config, catalog, _request(catalog, config), truth
    catalog.dispose()


def _requester_track(catalog, config: SiteConfig, rid: str, truth: GroundTruth) -> int:
    (sheet,) = review_request(catalog, config, rid, actor=OPERATOR, now=NOW)
    face = next(b for b in truth.frames[0] if b.face_id == "requester").xyxy
    return min(sheet.tracks, key=lambda t: abs(t.best_xyxy[0] - face[0])).track_id


def _frames(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [f.image for f in reader.frames()]


def test_a_subject_request_released_requester_only(yard_site) -> None:
    site, config, catalog, rid, truth = yard_site
    track = _requester_track(catalog, config, rid, truth)
    options = ProcessOptions(keep_tracks={1: frozenset({track})}, requester_only=True)
    result = process_request(catalog, config, rid, actor=OPERATOR, options=options, now=NOW)

    (clip,) = result.manifest.clips
    assert clip.redaction["mode"] == "requester-only"
    region = clip.redaction["requester_only"]
    assert region["spans"] == [[0, 9]] and region["frames"] == 10 and region["findings_outside_region"] == 0
    assert clip.redaction["face_check"]["remaining"] == 0
    (row,) = result.release.clips
    assert (row.mode, row.region_frames) == ("requester-only", 10)

    # The pixels: the requester's face as it was, the stranger's gone, and the scene's detail.
    source = config.archive_roots[0] / "gate" / "gate_20261001_100000.mp4"
    originals, released = _frames(source)[:10], _frames(result.path / clip.file)
    for index in (0, 5, 9):
        boxes = {b.face_id: b.xyxy for b in truth.frames[index]}
        x1, y1, x2, y2 = boxes["requester"]
        assert detail_correlation(originals[index][y1:y2, x1:x2], released[index][y1:y2, x1:x2]) > 0.8
        x1, y1, x2, y2 = boxes["stranger"]
        assert detail_correlation(originals[index][y1:y2, x1:x2], released[index][y1:y2, x1:x2]) < 0.3
        # The ground far from the requester: its texture averaged away.
        ground = (slice(260, 360), slice(560, 640))
        assert detail_correlation(originals[index][ground], released[index][ground]) < 0.3

    env = {"CCTVKIT_OPERATOR": OPERATOR}
    shown = CliRunner().invoke(app, ["-c", str(site), "request", "show", rid], env=env)
    assert shown.exit_code == 0, shown.output
    assert (
        "requester-only (the requester alone in view, all else masked): their region on 10 of 10 frames"
        in (" ".join(shown.stdout.split()))
    )
    logged = CliRunner().invoke(app, ["-c", str(site), "disclosures", "--json"], env=env)
    assert logged.exit_code == 0, logged.output
    (entry,) = json.loads(logged.stdout)
    assert "requester-only in 1 clip(s)" in entry["what"]


def test_the_site_default_and_the_run_s_choice(yard_site) -> None:
    _site, config, catalog, rid, truth = yard_site
    track = _requester_track(catalog, config, rid, truth)
    redaction = config.redaction.model_copy(update={"requester_only_for_subject_requests": True})
    site_default = config.model_copy(update={"redaction": redaction})
    keep = ProcessOptions(keep_tracks={1: frozenset({track})}, face_check=FaceCheckOptions(enabled=False))
    result = process_request(catalog, site_default, rid, actor=OPERATOR, options=keep, now=NOW)
    assert result.manifest.clips[0].redaction["mode"] == "requester-only"
    # Opting out is another release of the same footage: a different package, not a repeat.
    faces = replace(keep, requester_only=False)
    result = process_request(catalog, site_default, rid, actor=OPERATOR, options=faces, now=NOW)
    assert "mode" not in result.manifest.clips[0].redaction
    assert result.release.clips[0].mode == "faces"


def test_the_setting_is_read_from_the_site_config(site: Path) -> None:
    site.write_text(site.read_text() + "\n[redaction]\nrequester_only_for_subject_requests = true\n")
    config = SiteConfig.from_toml(site)
    assert config.redaction.requester_only_for_subject_requests is True
    assert config.redaction.options() == RedactOptions()


def test_what_requester_only_refuses(yard_site) -> None:
    _site, config, catalog, _rid, _truth = yard_site
    insurer = _request(catalog, config, RequestKind.INSURER)
    with pytest.raises(UsageError, match="is of type insurer"):
        process_request(
            catalog, config, insurer, actor=OPERATOR, options=ProcessOptions(requester_only=True), now=NOW
        )
    subject = _request(catalog, config)
    with pytest.raises(UsageError, match="cannot go with --mask-everyone"):
        process_request(
            catalog,
            config,
            subject,
            actor=OPERATOR,
            options=ProcessOptions(requester_only=True, mask_everyone=True),
            now=NOW,
        )
    assert not config.release_dir.exists() or not any(config.release_dir.iterdir())


def test_exit_9_offers_requester_only_for_a_subject_request(yard_site) -> None:
    _site, config, catalog, rid, _truth = yard_site
    blind = ProcessOptions(
        redact=RedactOptions(threshold=0.99, min_score=0.25),
        face_check=FaceCheckOptions(rounds=0),
        mask_everyone=True,
    )
    with pytest.raises(FacesRemainError) as caught:
        process_request(catalog, config, rid, actor=OPERATOR, options=blind, now=NOW)
    message = str(caught.value)
    assert "--withhold CLIP=REASON" in message and "--accept-faces CLIP=REASON" in message
    assert message.endswith(
        ", or release the requester alone in view (--requester-only: their face and body kept, "
        "everything else masked so that nobody else is identifiable)"
    )


def test_cli_process_and_estimate_know_the_mode(yard_site) -> None:
    site, config, catalog, rid, _truth = yard_site
    env = {"CCTVKIT_OPERATOR": OPERATOR}

    def run(*args: str):
        return CliRunner().invoke(app, ["-c", str(site), *args], env=env)

    insurer = _request(catalog, config, RequestKind.INSURER)
    refused = run("request", "process", insurer, "--requester-only")
    assert refused.exit_code == 2
    assert refused.stderr.strip().splitlines() == [
        "cctvkit: error: --requester-only keeps the requester alone in view: it is for subject access "
        f"requests (13.1.1), and {insurer} is of type insurer"
    ]
    plain = run("request", "estimate", rid, "--json")
    assert plain.exit_code == 0, plain.output
    assert json.loads(plain.stdout)["requester_only"] is False
    asked = run("request", "estimate", rid, "--requester-only")
    assert asked.exit_code == 0, asked.output
    assert "requester-only (the requester alone in view, all else masked): about the normal" in asked.stdout


@pytest.mark.parametrize(
    ("redaction", "reason", "kept"),
    [
        ({}, "crowd far away", "crowd far away"),
        ({"mode": "requester-only", "requester_only": {"remaining_outside_region": 0}}, "near", "near"),
        # A face seen outside the region is a defect of the mask: no reason accepts it.
        ({"mode": "requester-only", "requester_only": {"remaining_outside_region": 1}}, "far", None),
    ],
)
def test_findings_outside_the_region_cannot_be_accepted(
    redaction: dict[str, object], reason: str, kept: str | None
) -> None:
    from cctvkit.requests.requester_mode import acceptable

    assert acceptable(redaction, reason) == kept
