"""`request process` with the release audit: faces still visible stop the run, publishing nothing,
until the clip is withheld or its findings are accepted with a reason (recorded).

The first pass is made to miss every face (threshold 0.99) and the face check to re-mask nothing
(0 rounds), so the real audit's findings remain.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.catalog import audit_store, open_catalog
from cctvkit.catalog import releases as relq
from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from cctvkit.errors import FacesRemainError, UsageError
from cctvkit.ingest import scan_archive
from cctvkit.redact import RedactOptions
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.windows import parse_window
from cctvkit.samplegen import FaceTrack, Keyframe, write_clip
from tests.conftest import write_tiny_video

OPERATOR = "j.smith"
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
BLIND = RedactOptions(threshold=0.99, min_score=0.25)
"""A first pass that masks nothing: every face is left to the face check."""
NO_ROUNDS = FaceCheckOptions(rounds=0)


@pytest.fixture
def faces_site(site: Path):
    """Gate: 2 s (10 fps, 640x360) with two ~47 px faces; hall: a tiny faceless clip. One request
    with a window on each (clip 1: gate, clip 2: hall)."""
    root = site.parent / "archive"
    tracks = (
        FaceTrack("a", "collins", (Keyframe(0.0, 0.22, 0.5, 0.13), Keyframe(2.0, 0.30, 0.5, 0.13))),
        FaceTrack("b", "collins-dark", (Keyframe(0.0, 0.75, 0.5, 0.13),)),
    )
    write_clip(
        root / "gate" / "gate_20261001_100000.mp4", seconds=2, fps=10, size_wh=(640, 360), faces=tracks
    )
    write_tiny_video(root / "hall" / "hall_2026-10-01T10-00-00.mp4", seconds=2)
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    scan_archive(catalog, config, actor=OPERATOR)
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Alex Doe",
        windows=(
            parse_window("gate@2026-10-01T10:00:00/10:00:01", config),
            parse_window("hall@2026-10-01T10:00:00/10:00:01", config),
        ),
        received_on=date(2026, 10, 3),
    )
    req = open_request(catalog, config, new, actor=OPERATOR, now=NOW)
    identify_requester(catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)
    yield site, config, catalog, req.id
    catalog.dispose()


def test_remaining_faces_publish_nothing_until_withheld_or_accepted(faces_site) -> None:
    site, config, catalog, rid = faces_site
    with pytest.raises(FacesRemainError) as caught:
        process_request(
            catalog,
            config,
            rid,
            actor=OPERATOR,
            options=ProcessOptions(redact=BLIND, face_check=NO_ROUNDS, mask_everyone=True),
            now=NOW,
        )
    assert caught.value.exit_code == 9
    message = str(caught.value)
    assert message.startswith("the face check still sees faces: clip 1: ")
    assert "frame 0 [" in message and "clip 2" not in message
    assert list(config.release_dir.iterdir()) == []  # no package, staged or final
    with catalog.read() as conn:
        assert relq.list_releases(conn) == []

    # Withholding the clip releases the rest (partial), naming the reason.
    withheld = ProcessOptions(
        redact=BLIND,
        face_check=NO_ROUNDS,
        mask_everyone=True,
        withhold={1: "faces the face check still sees"},
    )
    result = process_request(catalog, config, rid, actor=OPERATOR, options=withheld, now=NOW)
    assert result.release.outcome == "partial"
    assert [c.window_seq for c in result.manifest.clips] == [2]
    assert result.manifest.clips[0].redaction["face_check"]["remaining"] == 0

    # Accepting the findings releases the clip; the acceptance is in the manifest, the catalog
    # (request show) and the audit log.
    accepted = ProcessOptions(
        redact=BLIND,
        face_check=NO_ROUNDS,
        mask_everyone=True,
        accept_faces={1: "crowd far away, not identifiable"},
    )
    result = process_request(catalog, config, rid, actor=OPERATOR, options=accepted, now=NOW)
    audit = result.manifest.clips[0].redaction["face_check"]
    assert audit["remaining"] >= 2 and audit["accepted"] == {
        "by": OPERATOR,
        "reason": "crowd far away, not identifiable",
    }
    assert audit["remaining_findings"][0]["frame"] == 0
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert (
        manifest["clips"][0]["redaction"]["face_check"]["accepted"]["reason"]
        == "crowd far away, not identifiable"
    )
    clip = result.release.clips[0]
    assert (
        clip.faces_remaining == audit["remaining"]
        and clip.faces_accepted == "crowd far away, not identifiable"
    )
    with catalog.read() as conn:
        record = [r for r in audit_store.list_audit(conn) if r.action == "release.create"][-1]
    assert json.loads(record.details)["clips"][0]["faces_accepted"] == "crowd far away, not identifiable"

    result = CliRunner().invoke(
        app, ["-c", str(site), "request", "show", rid], env={"CCTVKIT_OPERATOR": OPERATOR}
    )
    assert result.exit_code == 0, result.output
    accepted = "face(s) the face check still saw, accepted by j.smith: crowd far away, not identifiable"
    assert accepted in result.stdout


def test_choices_are_checked(faces_site) -> None:
    _site, config, catalog, rid = faces_site
    both = ProcessOptions(withhold={1: "x"}, accept_faces={1: "y"})
    with pytest.raises(UsageError, match="both withheld and accepted"):
        process_request(catalog, config, rid, actor=OPERATOR, options=both, now=NOW)
    with pytest.raises(UsageError, match="clip 3 does not exist"):
        process_request(
            catalog, config, rid, actor=OPERATOR, options=ProcessOptions(accept_faces={3: "y"}), now=NOW
        )


def test_default_run_masks_and_audits(faces_site) -> None:
    site, _config, _catalog, rid = faces_site
    result = CliRunner().invoke(
        app,
        ["-c", str(site), "request", "process", rid, "--mask-everyone"],
        env={"CCTVKIT_OPERATOR": OPERATOR},
    )
    assert result.exit_code == 0, result.output
    assert " 0 remaining" in result.stdout
