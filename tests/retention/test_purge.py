"""Purge on real files and a real catalog: what goes, what stays and why, the journal, the audit trail."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog.audit_store import list_audit
from cctvkit.errors import ConflictError, LockedError, UsageError
from cctvkit.retention import (
    lease_recordings,
    place_hold,
    purge_lock,
    release_hold,
    release_leases,
    restrict_recording,
    run_purge,
)
from tests.retention.conftest import Archive, assert_catalog_matches_disk

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
US = timedelta(microseconds=1)


def purge(arch: Archive, now: datetime = NOW, **kw):
    return run_purge(arch.catalog, arch.config, actor="tester", now=now, **kw)


def test_due_files_go_the_rest_stay(arch: Archive) -> None:
    gate_old = arch.add("gate", NOW - 31 * DAY)
    gate_edge = arch.add("gate", NOW - 30 * DAY)  # exactly at the limit: kept
    gate_past_edge = arch.add("gate", NOW - 30 * DAY - US)
    gate_new = arch.add("gate", NOW - 29 * DAY)
    hall_old = arch.add("hall", NOW - 8 * DAY)  # hall keeps 7 days
    hall_new = arch.add("hall", NOW - 6 * DAY)
    still_old = arch.add("hall", NOW - 10 * DAY, suffix=".jpg")
    quarantined = (
        arch.insert(arch.root / "gate" / "mystery.mp4", "gate", None, state="quarantined")
        if ((arch.root / "gate" / "mystery.mp4").write_bytes(b"?") or True)
        else None
    )

    summary = purge(arch)

    gone = {gate_old, gate_past_edge, hall_old, still_old}
    for rid in gone:
        assert arch.state_of(rid) == "purged" and not arch.exists(rid)
    for rid in (gate_edge, gate_new, hall_new, quarantined):
        assert arch.exists(rid)
    assert summary.deleted == 4 and summary.failed == [] and not summary.interrupted
    assert summary.plan is not None and summary.plan.quarantined == 1
    assert summary.plan.in_retention == {"gate": 2, "hall": 1}
    assert "4 quarantined" not in summary.line() and "1 quarantined need attention" in summary.line()
    # Emptied day directories are pruned, camera directories and the root stay.
    assert not (arch.root / "hall" / "2026" / "10" / "22").exists()
    assert (arch.root / "hall").is_dir() and (arch.root / "gate").is_dir()
    with arch.catalog.read() as conn:
        journal = jq.journal_entries(conn, run_id=summary.run_id)
        deletes = list_audit(conn, actions=["purge.delete"])
    assert {e.recording_id for e in journal} == gone and {e.state for e in journal} == {"purged"}
    assert {int(a.object_id) for a in deletes} == gone
    assert all('"reason":"due: started' in a.details for a in deletes)
    assert_catalog_matches_disk(arch)

    # A second run finds nothing due.
    again = purge(arch)
    assert again.deleted == 0 and again.plan is not None and again.plan.purge == ()


def test_hold_keeps_until_it_ends_then_purge_resumes(arch: Archive) -> None:
    start = NOW - 40 * DAY
    held = arch.add("gate", start + timedelta(minutes=10))
    next_door = arch.add("hall", start + timedelta(minutes=10))  # other camera: not held
    after = arch.add("gate", start + timedelta(hours=2))  # outside the hold's range
    hold = place_hold(
        arch.catalog,
        arch.config,
        actor="officer",
        cameras=["gate"],
        from_utc=start,
        to_utc=start + timedelta(hours=1),
        reason="theft at the gate",
        reference="CASE-7",
        ends_at=NOW + 3 * DAY,
        now=NOW - DAY,
    )

    first = purge(arch)
    assert arch.exists(held) and not arch.exists(next_door) and not arch.exists(after)
    kept = first.plan.kept_by("hold")
    assert [k.candidate.recording_id for k in kept] == [held]
    assert kept[0].reason == f"held by #{hold.id} (CASE-7: theft at the gate) until 2026-11-04T12:00:00Z"

    assert purge(arch, NOW + 2 * DAY).deleted == 0  # still within the hold
    assert purge(arch, NOW + 3 * DAY).deleted == 1  # the hold has ended
    assert not arch.exists(held)
    assert_catalog_matches_disk(arch)


def test_released_hold_and_place_hold(arch: Archive) -> None:
    start = NOW - 40 * DAY
    gate = arch.add("gate", start)
    hold = place_hold(
        arch.catalog,
        arch.config,
        actor="dpo",
        place="Test Site/gate",
        from_utc=start - DAY,
        to_utc=start + DAY,
        reason="access request",
        reference="R-2026-0001",  # a hold naming a request needs the request to exist (issue 28)
        now=NOW - DAY,
    )
    assert hold.camera_ids == ("gate",) and hold.ends_at is None
    assert purge(arch).deleted == 0
    with pytest.raises(UsageError, match="needs a reason"):
        release_hold(arch.catalog, hold.id, actor="dpo", reason=" ", now=NOW)
    release_hold(arch.catalog, hold.id, actor="dpo", reason="request answered", now=NOW + DAY)
    with pytest.raises(ConflictError, match="already released"):
        release_hold(arch.catalog, hold.id, actor="dpo", reason="again", now=NOW + DAY)
    assert purge(arch, NOW + DAY).deleted == 1 and not arch.exists(gate)
    with arch.catalog.read() as conn:
        actions = [a.action for a in list_audit(conn, actions=["hold.add", "hold.release"])]
    assert actions == ["hold.add", "hold.release"]


def test_restriction_does_not_extend_retention(arch: Archive) -> None:
    due = arch.add("gate", NOW - 31 * DAY)
    fresh = arch.add("gate", NOW - DAY)
    restrict_recording(arch.catalog, due, actor="dpo", reason="subject contests accuracy", now=NOW - DAY)
    restrict_recording(arch.catalog, fresh, actor="dpo", reason="subject objects", now=NOW - DAY)
    summary = purge(arch)
    assert not arch.exists(due) and arch.exists(fresh)
    assert "does not extend retention" in summary.plan.purge[0].reason


def test_leased_recording_is_skipped_and_a_deleting_one_cannot_be_leased(arch: Archive) -> None:
    rid = arch.add("gate", NOW - 31 * DAY)
    other = arch.add("gate", NOW - 32 * DAY)
    leases = lease_recordings(arch.catalog, [rid], holder="request R-1", now=NOW - timedelta(minutes=1))
    summary = purge(arch)
    assert arch.exists(rid) and not arch.exists(other)
    assert summary.plan.kept_by("lease")[0].candidate.recording_id == rid
    release_leases(arch.catalog, leases)
    with pytest.raises(ConflictError, match=r"not available: #\d+ \(purged\)"):
        lease_recordings(arch.catalog, [other], holder="request R-2", now=NOW)
    assert purge(arch, NOW + timedelta(minutes=1)).deleted == 1


def test_already_missing_file_is_recorded_as_missing(arch: Archive) -> None:
    rid = arch.add("gate", NOW - 31 * DAY)
    Path(arch.rows()[rid].path).unlink()
    summary = purge(arch, index_first=False)  # the index would notice first; here the purge does
    assert summary.already_missing == 1 and summary.deleted == 0
    assert arch.state_of(rid) == "missing"
    with arch.catalog.read() as conn:
        assert [a.action for a in list_audit(conn, actions=["purge.missing"])] == ["purge.missing"]
    assert_catalog_matches_disk(arch)


def test_never_deletes_outside_the_roots_nor_through_symlinks(arch: Archive, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious.mp4"
    target.write_bytes(b"keep me")
    # A symlinked file inside the archive: the link goes, the target stays.
    link = arch.root / "gate" / "gate_20260901_000000.mp4"
    link.symlink_to(target)
    link_id = arch.insert(link, "gate", NOW - 60 * DAY)
    # A symlinked directory leading out of the archive: refused, nothing deleted.
    (arch.root / "gate" / "escape").symlink_to(outside, target_is_directory=True)
    escaped = arch.insert(arch.root / "gate" / "escape" / "precious.mp4", "gate", NOW - 60 * DAY)

    summary = purge(arch, index_first=False)
    assert not os.path.lexists(link) and target.read_bytes() == b"keep me"
    assert arch.state_of(link_id) == "purged"
    assert arch.state_of(escaped) == "present"
    assert len(summary.failed) == 1 and "outside the archive roots" in summary.failed[0][1]
    with arch.catalog.read() as conn:
        failed = jq.journal_entries(conn, states=["failed"])
    assert [e.recording_id for e in failed] == [escaped]


def test_dry_run_changes_nothing(arch: Archive) -> None:
    rid = arch.add("gate", NOW - 31 * DAY)
    summary = purge(arch, dry_run=True)
    assert [p.candidate.recording_id for p in summary.plan.purge] == [rid]
    assert arch.exists(rid) and arch.state_of(rid) == "present"
    assert summary.line().startswith("purge (dry run): would delete 1")
    with arch.catalog.read() as conn:
        assert jq.journal_entries(conn) == []


def test_stop_between_batches_then_next_run_finishes(arch: Archive) -> None:
    ids = [arch.add("gate", NOW - 40 * DAY + i * timedelta(minutes=1)) for i in range(7)]
    calls = iter([False, True])
    summary = purge(arch, batch_size=3, stop=lambda: next(calls, True))
    assert summary.interrupted and summary.deleted == 3 and summary.cancelled == 4
    assert "INTERRUPTED" in summary.line()
    with arch.catalog.read() as conn:
        assert jq.open_entries(conn) == []
    assert purge(arch).deleted == 4
    assert all(arch.state_of(i) == "purged" for i in ids)
    assert_catalog_matches_disk(arch)


def test_second_purge_is_refused_while_the_lock_is_held(arch: Archive) -> None:
    rid = arch.add("gate", NOW - 40 * DAY)
    with purge_lock(arch.config, arch.catalog), pytest.raises(LockedError, match="another purge is running"):
        purge(arch)
    assert arch.exists(rid)
    assert purge(arch).deleted == 1  # the lock is free again
