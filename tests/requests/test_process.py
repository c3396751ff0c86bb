"""Processing on real tiny footage: packages, verification, encryption, partial releases, police copies."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cctvkit.catalog import audit_store
from cctvkit.catalog import releases as relq
from cctvkit.catalog.reviews import insert_reviews
from cctvkit.config import ApproverConfig, SiteConfig
from cctvkit.errors import ArchivePathError, AuditError, PolicyError, UsageError
from cctvkit.keys import create_key, unlock_key
from cctvkit.redact import RedactOptions
from cctvkit.requests.approval import approve_unredacted
from cctvkit.requests.clips import plan_clips
from cctvkit.requests.coverage import find_coverage
from cctvkit.requests.keeping import review_records
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, get_request, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.verify import verify_path
from cctvkit.requests.windows import parse_window
from cctvkit.retention.restrictions import restrict_recording
from tests.requests.conftest import OPERATOR, IndexedSite

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"


def _open(site: IndexedSite, kind: RequestKind = RequestKind.SUBJECT, **kw):
    new = NewRequest(
        kind=kind,
        requester=kw.pop("requester", "Alex Doe"),
        windows=(parse_window("gate@2026-10-01T10:00:01/10:00:05", site.config),),
        received_on=date(2026, 10, 3),
        **kw,
    )
    return open_request(site.catalog, site.config, new, actor=OPERATOR, now=NOW)


def _subject(site: IndexedSite):
    req = _open(site)
    return identify_requester(site.catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)


def _modes(path: Path) -> set[int]:
    return {stat.S_IMODE(p.stat().st_mode) for p in [path, *path.rglob("*")]}


def test_subject_release_verifies_and_tampering_is_caught(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    result = process_request(
        site.catalog,
        site.config,
        req.id,
        actor=OPERATOR,
        options=ProcessOptions(passphrase=PASSPHRASE, mask_everyone=True),
        now=NOW,
    )
    pkg = result.path
    assert pkg.name == "R-2026-0001-r1" and pkg.parent == site.config.release_dir.resolve()
    assert _modes(pkg) <= {0o700, 0o600}
    assert not [p for p in pkg.parent.iterdir() if ".partial-" in p.name]
    manifest = json.loads((pkg / "manifest.json").read_text())
    (clip,) = manifest["clips"]
    assert clip["frame_count"] == 40 and clip["duration_s"] == 4.0 and clip["audio"] is False
    assert clip["start_local"] == "2026-10-01T10:00:01+01:00"
    assert [s["frames"] for s in clip["sources"]] == [10, 20, 10]
    assert manifest["request"]["id"] == req.id and manifest["recipient"]["category"].startswith(
        "data subject"
    )
    assert manifest["outcome"] == "released" and manifest["redacted"] is True
    assert clip["redaction"]["model"] == "centerface" and "faces_masked" in clip["redaction"]
    assert clip["redaction"]["keep"]["mask_everyone"] is True  # said on purpose (issue #13)
    assert verify_path(pkg).ok

    # The sealed archive opens with the passphrase and verifies; a wrong one is refused.
    assert result.archive_path is not None and stat.S_IMODE(result.archive_path.stat().st_mode) == 0o600
    assert verify_path(result.archive_path, passphrase=PASSPHRASE).ok
    with pytest.raises(AuditError, match="passphrase"):
        verify_path(result.archive_path, passphrase="not the passphrase")
    data = bytearray(result.archive_path.read_bytes())
    data[len(data) // 2] ^= 1
    result.archive_path.write_bytes(bytes(data))
    with pytest.raises(AuditError, match="altered"):
        verify_path(result.archive_path, passphrase=PASSPHRASE)

    with site.catalog.read() as conn:
        (disclosure,) = relq.list_disclosures(conn)
        actions = [r.action for r in audit_store.list_audit(conn)]
    assert disclosure.recipient == "Alex Doe" and disclosure.release_id == "R-2026-0001-r1"
    assert "gate 2026-10-01 10:00:01-10:00:05" in disclosure.summary
    assert actions[-2:] == ["release.create", "disclosure.record"]
    assert get_request(site.catalog, req.id).outcome == "released"

    clip_path = pkg / clip["file"]
    raw = bytearray(clip_path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    clip_path.write_bytes(bytes(raw))
    check = verify_path(pkg)
    assert not check.ok and any("altered" in p for p in check.problems)
    (pkg / "extra.txt").write_text("x")
    assert any("not listed" in p for p in verify_path(pkg).problems)


def test_partial_release_names_restricted_footage(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    with site.catalog.read() as conn:
        from cctvkit.catalog import recordings as rq

        middle = next(
            r for r in rq.list_recordings(conn, camera_ids=["gate"]) if r.path.endswith("100002.mp4")
        )
    restrict_recording(site.catalog, middle.id, actor=OPERATOR, reason="objection under 13.2.3", now=NOW)
    everyone = ProcessOptions(mask_everyone=True)
    result = process_request(site.catalog, site.config, req.id, actor=OPERATOR, options=everyone, now=NOW)
    manifest = result.manifest.to_dict()
    assert manifest["outcome"] == "partial" and len(manifest["clips"]) == 2
    assert all(middle.id not in [s["recording_id"] for s in c["sources"]] for c in manifest["clips"])
    (withheld,) = manifest["withheld"]
    assert withheld["reason"] == "restricted" and withheld["withheld"] is True
    assert get_request(site.catalog, req.id).outcome == "partial"
    assert verify_path(result.path).ok


def test_police_unredacted_copy_needs_a_second_person(
    indexed_site: IndexedSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = indexed_site
    jones = unlock_key(create_key("K. Jones", PASSPHRASE, directory=tmp_path / "jones"), PASSPHRASE)
    smith = unlock_key(create_key("J. Smith", PASSPHRASE, directory=tmp_path / "smith"), PASSPHRASE)
    listed = [ApproverConfig(name=k.name, public_key=k.public_key) for k in (jones, smith)]
    config = site.config.model_copy(update={"approvers": listed})
    monkeypatch.setenv("CCTVKIT_KEY_DIR", str(tmp_path / "smith"))  # the operator's own keys
    req = _open(site, RequestKind.POLICE, requester="Metropolitan Police", police_reference="CAD 1234/26")
    unredacted = ProcessOptions(unredacted=True)
    with pytest.raises(PolicyError, match="second person's approval"):
        process_request(site.catalog, config, req.id, actor=OPERATOR, options=unredacted, now=NOW)
    approve_unredacted(site.catalog, config, req.id, actor=OPERATOR, key=smith, now=NOW)
    with pytest.raises(PolicyError, match="signed with a key you hold"):
        process_request(site.catalog, config, req.id, actor=OPERATOR, options=unredacted, now=NOW)
    approve_unredacted(site.catalog, config, req.id, actor="k.jones", key=jones, now=NOW)
    result = process_request(site.catalog, config, req.id, actor=OPERATOR, options=unredacted, now=NOW)
    manifest = result.manifest.to_dict()
    assert manifest["redacted"] is False and manifest["approval"]["approved_by"] == "K. Jones"
    assert manifest["recipient"]["category"].startswith("law enforcement")
    assert verify_path(result.path).ok


def test_subject_requests_never_get_unredacted_copies(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    with pytest.raises(PolicyError, match="only allowed for police"):
        process_request(
            site.catalog,
            site.config,
            req.id,
            actor=OPERATOR,
            options=ProcessOptions(unredacted=True),
            now=NOW,
        )


def test_identity_must_be_verified_first(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _open(site)
    with pytest.raises(PolicyError, match="identity"):
        process_request(site.catalog, site.config, req.id, actor=OPERATOR, now=NOW)


def test_release_dir_inside_archive_root_refused(indexed_site: IndexedSite) -> None:
    site = indexed_site
    text = site.config_path.read_text().replace(
        'data_dir = "data"\n', 'data_dir = "data"\nrelease_dir = "archive/out"\n'
    )
    site.config_path.write_text(text)
    config = SiteConfig.from_toml(site.config_path)
    req = _subject(site)
    with pytest.raises(ArchivePathError, match="overlaps archive root"):
        process_request(
            site.catalog, config, req.id, actor=OPERATOR, options=ProcessOptions(mask_everyone=True), now=NOW
        )
    assert not os.path.exists(site.root / "archive" / "out" / "R-2026-0001-r1")


def test_failed_run_leaves_nothing_behind(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _subject(site)
    # A review that showed a track 99 the release's analysis does not find (the footage has
    # none): the run fails after redacting, before anything is published.
    clips = plan_clips(find_coverage(site.catalog, get_request(site.catalog, req.id)))
    with site.catalog.write() as conn:
        insert_reviews(
            conn, review_records(req.id, clips, {1: [99]}, RedactOptions(), actor=OPERATOR, now=NOW)
        )
    bad = ProcessOptions(keep_tracks={1: frozenset({99})})
    with pytest.raises(UsageError, match="do not exist"):
        process_request(site.catalog, site.config, req.id, actor=OPERATOR, options=bad, now=NOW)
    release_dir = site.config.release_dir
    assert list(release_dir.iterdir()) == []
    with site.catalog.read() as conn:
        assert relq.list_disclosures(conn) == [] and relq.list_releases(conn) == []
    assert get_request(site.catalog, req.id).outcome is None


def test_staging_directory_never_verifies(tmp_path: Path) -> None:
    stage = tmp_path / ".R-2026-0001-r1.partial-0a1b2c3d"
    (stage / "clips").mkdir(parents=True)
    (stage / "clips" / "01.mp4").write_bytes(b"not finished")
    result = verify_path(stage)
    assert not result.ok and any("unfinished run" in p for p in result.problems)
    assert any("SHA256SUMS is missing" in p for p in result.problems)
