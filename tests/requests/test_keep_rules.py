"""Whose face stays (issue #13): a subject release must keep someone or say it masks everyone, and
`--keep-track` needs a review of the same footage with the same redaction settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.catalog import open_catalog
from cctvkit.catalog import releases as relq
from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from cctvkit.errors import UsageError
from cctvkit.redact import RedactOptions
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.review import review_request
from cctvkit.requests.windows import parse_window
from cctvkit.samplegen import write_clip

runner = CliRunner()
WINDOW = "gate@2026-10-01T10:00:00/10:00:02"
NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def face_site(site: Path) -> Path:
    """One 2 s gate segment with one person walking through it, indexed."""
    write_clip(
        site.parent / "archive" / "gate" / "gate_20261001_100000.mp4",
        seconds=2,
        fps=10,
        size_wh=(320, 180),
        seed=4,
        faces=1,
    )
    code, _out, err = run(site, "index", "scan")
    assert code == 0, err
    return site


def _subject_request(site: Path, kind: str = "subject") -> str:
    args = ["request", "new", "--type", kind, "--requester", "Alex Doe", "--window", WINDOW]
    if kind == "subject":
        args += ["--identity-method", "in person, passport", "--identity-verified", "now"]
    code, out, err = run(site, *args, "--json")
    assert code == 0, err
    return json.loads(out)["id"]


def _no_release(site: Path) -> None:
    code, out, _ = run(site, "disclosures", "--json")
    assert code == 0 and json.loads(out) == []
    assert not any((site.parent / "data" / "releases").glob("R-*"))


def test_subject_release_must_say_whose_face_stays(face_site: Path) -> None:
    rid = _subject_request(face_site)
    code, _out, err = run(face_site, "request", "process", rid)
    assert code == 2
    assert "subject access request" in err and "--keep-track" in err and "--mask-everyone" in err
    assert "Traceback" not in err
    _no_release(face_site)

    code, _out, err = run(face_site, "request", "process", rid, "--mask-everyone", "--keep-track", "1:0")
    assert code == 2 and "--mask-everyone" in err

    code, out, err = run(face_site, "request", "process", rid, "--mask-everyone", "--json")
    assert code == 0, err
    (clip,) = json.loads(out)["manifest"]["clips"]
    assert clip["redaction"]["keep"]["mask_everyone"] is True
    assert clip["redaction"]["kept_track_ids"] == [] and clip["redaction"]["faces_masked"] >= 1


def test_other_requests_need_no_keep(face_site: Path) -> None:
    code, out, err = run(
        face_site,
        "request",
        "new",
        "--type",
        "insurer",
        "--requester",
        "Acme Insurance",
        "--legal-basis",
        "claim 77",
        "--identity-method",
        "letter on company paper",
        "--identity-verified",
        "now",
        "--window",
        WINDOW,
        "--json",
    )
    assert code == 0, err
    code, out, err = run(face_site, "request", "process", json.loads(out)["id"], "--json")
    assert code == 0, err
    (clip,) = json.loads(out)["manifest"]["clips"]
    assert clip["redaction"]["keep"]["mask_everyone"] is False


def test_keep_track_needs_a_review_that_showed_it(face_site: Path) -> None:
    rid = _subject_request(face_site)
    code, _out, err = run(face_site, "request", "process", rid, "--keep-track", "1:0")
    assert code == 2 and "never reviewed" in err and f"request review {rid}" in err
    _no_release(face_site)

    code, out, err = run(face_site, "request", "review", rid, "--json")
    assert code == 0, err
    (sheet,) = json.loads(out)
    ids = [t["track_id"] for t in sheet["tracks"]]
    assert ids, "the review found the walking face"
    code, _out, err = run(face_site, "request", "process", rid, "--keep-track", f"1:{max(ids) + 5}")
    assert code == 2 and "showed no track" in err
    _no_release(face_site)

    code, out, err = run(face_site, "request", "process", rid, "--keep-track", f"1:{ids[0]}", "--json")
    assert code == 0, err
    (clip,) = json.loads(out)["manifest"]["clips"]
    keep = clip["redaction"]["keep"]
    assert keep["kept_by_track"] == [ids[0]] and keep["mask_everyone"] is False
    assert keep["review"]["reviewed_by"] == "j.smith" and keep["review"]["track_ids"] == ids
    assert clip["redaction"]["kept_track_ids"] == [ids[0]]


def test_keep_track_refused_after_a_review_with_other_settings(face_site: Path) -> None:
    config = SiteConfig.from_toml(face_site)
    catalog = open_catalog(config.database_url)
    try:
        new = NewRequest(
            kind=RequestKind.SUBJECT,
            requester="Alex Doe",
            windows=(parse_window(WINDOW, config),),
            received_on=date(2026, 10, 3),
        )
        req = open_request(catalog, config, new, actor="j.smith", now=NOW)
        identify_requester(catalog, req.id, actor="j.smith", method="in person", now=NOW)
        (sheet,) = review_request(catalog, config, req.id, actor="j.smith", now=NOW)
        keep = ProcessOptions(
            keep_tracks={1: frozenset({sheet.tracks[0].track_id})}, redact=RedactOptions(threshold=0.6)
        )
        with pytest.raises(UsageError, match=r"other redaction settings \(threshold\)"):
            process_request(catalog, config, req.id, actor="j.smith", options=keep, now=NOW)
        with catalog.read() as conn:
            assert relq.list_releases(conn) == []
        # Render-only settings (how masks look, how it is encoded) do not change track ids.
        keep = ProcessOptions(
            keep_tracks={1: frozenset({sheet.tracks[0].track_id})}, redact=RedactOptions(crf=28)
        )
        assert process_request(catalog, config, req.id, actor="j.smith", options=keep, now=NOW).release
    finally:
        catalog.dispose()
