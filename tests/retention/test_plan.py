"""Pure purge planning: the rule at its boundary, per-camera periods, DST, holds, leases, restrictions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cctvkit.catalog.holds import Hold
from cctvkit.catalog.leases import Lease
from cctvkit.catalog.purge_candidates import Candidate
from cctvkit.retention.plan import HoldIndex, plan_purge
from cctvkit.retention.policy import RetentionPolicy

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
POLICY = RetentionPolicy({"gate": 30, "hall": 7, "yard": 90})
US = timedelta(microseconds=1)


def cand(rid: int, camera: str, start: datetime, seconds: float = 60.0) -> Candidate:
    return Candidate(
        rid, camera, f"/a/{camera}/{rid}.mp4", start, start + timedelta(seconds=seconds), None, 10
    )


def hold(
    hid: int,
    cameras: tuple[str, ...],
    start: datetime,
    end: datetime,
    *,
    ends_at: datetime | None = None,
    released_at: datetime | None = None,
) -> Hold:
    return Hold(
        hid, "investigation", f"CASE-{hid}", "officer", NOW - timedelta(days=100), None, start, end,
        ends_at, None, released_at, "officer" if released_at else None, "done" if released_at else None,
        cameras,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("camera", "start", "due"),
    [
        ("gate", NOW - timedelta(days=30), False),  # exactly at the limit: kept
        ("gate", NOW - timedelta(days=30) - US, True),  # one microsecond older: due
        ("gate", NOW - timedelta(days=29, hours=23), False),
        ("hall", NOW - timedelta(days=7) - US, True),  # per-camera period
        ("hall", NOW - timedelta(days=7), False),
        ("yard", NOW - timedelta(days=90) - US, True),
        ("yard", NOW - timedelta(days=89), False),
        ("gone", NOW - timedelta(days=90) - US, True),  # camera no longer configured: ceiling
        ("gone", NOW - timedelta(days=89), False),
    ],
)
def test_rule_boundary_per_camera(camera: str, start: datetime, due: bool) -> None:
    plan = plan_purge([cand(1, camera, start)], policy=POLICY, now=NOW)
    assert (len(plan.purge) == 1) is due
    if not due:
        assert plan.kept[0].rule == "retention"
        assert "in retention" in plan.kept[0].reason


def test_start_not_end_counts() -> None:
    # Started 1 h before the cutoff, still recording 1 h after it: due, so no frame outlives 30 days.
    start = NOW - timedelta(days=30, hours=1)
    plan = plan_purge([cand(1, "gate", start, seconds=7200)], policy=POLICY, now=NOW)
    assert [p.candidate.recording_id for p in plan.purge] == [1]
    assert "before the cutoff 2026-10-02T12:00:00Z (gate: 30 days)" in plan.purge[0].reason


@pytest.mark.parametrize(
    ("now_local", "start_local", "days", "due"),
    [
        # Spring forward (29 Mar 2026, London): a local day is 23 h, retention is exact 24 h days.
        (datetime(2026, 3, 30, 12, 0, tzinfo=LONDON), datetime(2026, 3, 29, 12, 0, tzinfo=LONDON), 1, False),
        (datetime(2026, 3, 30, 12, 0, tzinfo=LONDON), datetime(2026, 3, 29, 11, 59, tzinfo=LONDON), 1, True),
        # 00:30 GMT on the 29th to 00:30 BST on the 30th is only 23 h: not yet due.
        (datetime(2026, 3, 30, 0, 30, tzinfo=LONDON), datetime(2026, 3, 29, 0, 30, tzinfo=LONDON), 1, False),
        # Fall back (25 Oct 2026): a local day is 25 h.
        (datetime(2026, 10, 26, 0, 30, tzinfo=LONDON), datetime(2026, 10, 25, 0, 30, tzinfo=LONDON), 1, True),
        (
            datetime(2026, 10, 26, 0, 30, tzinfo=LONDON),
            datetime(2026, 10, 25, 1, 30, tzinfo=LONDON),
            1,
            False,
        ),
        # The two 01:30s of 25 Oct: the first (BST) is an hour older than the second (GMT).
        (
            datetime(2026, 10, 26, 1, 30, fold=1, tzinfo=LONDON),
            datetime(2026, 10, 25, 1, 30, fold=0, tzinfo=LONDON),
            1,
            True,
        ),
        (
            datetime(2026, 10, 26, 1, 30, fold=1, tzinfo=LONDON),
            datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON),
            1,
            False,
        ),
    ],
)
def test_dst_periods_are_exact_days(now_local: datetime, start_local: datetime, days: int, due: bool) -> None:
    policy = RetentionPolicy({"gate": days})
    plan = plan_purge(
        [cand(1, "gate", start_local.astimezone(UTC))], policy=policy, now=now_local.astimezone(UTC)
    )
    assert (len(plan.purge) == 1) is due


OLD = NOW - timedelta(days=40)


@pytest.mark.parametrize(
    ("holds", "rec_start", "rec_seconds", "kept_by"),
    [
        ([hold(1, ("gate",), OLD, OLD + timedelta(hours=1))], OLD + timedelta(minutes=10), 60, (1,)),
        # Touching the hold's range at either end counts (closed intervals; keep when in doubt).
        ([hold(1, ("gate",), OLD, OLD + timedelta(hours=1))], OLD - timedelta(seconds=60), 60, (1,)),
        ([hold(1, ("gate",), OLD, OLD + timedelta(hours=1))], OLD + timedelta(hours=1), 60, (1,)),
        ([hold(1, ("gate",), OLD, OLD + timedelta(hours=1))], OLD + timedelta(hours=1) + US, 60, ()),
        ([hold(1, ("gate",), OLD, OLD + timedelta(hours=1))], OLD - timedelta(seconds=61), 60, ()),
        # A recording spanning the whole hold.
        ([hold(1, ("gate",), OLD, OLD + timedelta(minutes=1))], OLD - timedelta(hours=1), 7200, (1,)),
        # Other camera: not covered.
        ([hold(1, ("hall",), OLD, OLD + timedelta(hours=1))], OLD + timedelta(minutes=10), 60, ()),
        # Released, or lapsed: no longer keeps.
        (
            [hold(1, ("gate",), OLD, OLD + timedelta(hours=1), released_at=NOW - timedelta(days=1))],
            OLD + timedelta(minutes=10),
            60,
            (),
        ),
        (
            [hold(1, ("gate",), OLD, OLD + timedelta(hours=1), ends_at=NOW)],
            OLD + timedelta(minutes=10),
            60,
            (),
        ),
        (
            [hold(1, ("gate",), OLD, OLD + timedelta(hours=1), ends_at=NOW + US)],
            OLD + timedelta(minutes=10),
            60,
            (1,),
        ),
        # Overlapping holds merge in the index, yet only those that really cover are named.
        (
            [
                hold(1, ("gate",), OLD, OLD + timedelta(hours=2)),
                hold(2, ("gate", "hall"), OLD + timedelta(hours=1), OLD + timedelta(hours=5)),
                hold(3, ("gate",), OLD - timedelta(days=1), OLD + timedelta(hours=3)),
            ],
            OLD + timedelta(hours=4),
            60,
            (2,),
        ),
    ],
)
def test_holds(holds: list[Hold], rec_start: datetime, rec_seconds: float, kept_by: tuple[int, ...]) -> None:
    plan = plan_purge([cand(7, "gate", rec_start, rec_seconds)], policy=POLICY, now=NOW, holds=holds)
    if kept_by:
        assert plan.purge == ()
        assert plan.kept[0].rule == "hold"
        assert plan.kept[0].hold_ids == kept_by
        assert plan.kept[0].reason.startswith(f"held by #{kept_by[0]} (CASE-{kept_by[0]}: investigation)")
    else:
        assert [p.candidate.recording_id for p in plan.purge] == [7]


def test_still_is_a_point_in_time() -> None:
    still = Candidate(1, "gate", "/a/gate/1.jpg", OLD, OLD, None, 5)
    inside = plan_purge([still], policy=POLICY, now=NOW, holds=[hold(1, ("gate",), OLD, OLD + US)])
    outside = plan_purge([still], policy=POLICY, now=NOW, holds=[hold(1, ("gate",), OLD + US, OLD + US * 2)])
    assert inside.kept[0].rule == "hold" and outside.purge[0].candidate == still


def test_leases_keep_for_this_run_and_restrictions_do_not() -> None:
    lease = Lease(1, 2, "request R-1 pid 9", NOW - timedelta(minutes=5), NOW + timedelta(hours=1))
    expired = Lease(2, 3, "request R-2", NOW - timedelta(hours=3), NOW)
    plan = plan_purge(
        [cand(1, "gate", OLD), cand(2, "gate", OLD), cand(3, "gate", OLD)],
        policy=POLICY,
        now=NOW,
        leases=[lease, expired],
        restrictions={1: 44},
    )
    assert [p.candidate.recording_id for p in plan.purge] == [1, 3]
    assert "restriction #44" in plan.purge[0].reason and "does not extend retention" in plan.purge[0].reason
    assert (
        plan.kept_by("lease")[0].reason
        == "in use this run: leased by request R-1 pid 9 until 2026-11-01T13:00:00Z"
    )


def test_hold_index_matches_brute_force() -> None:
    """The bisect sweep agrees with checking every hold, over a dense random layout."""
    import random

    rng = random.Random(7)
    holds = []
    for i in range(60):
        a = OLD + timedelta(minutes=rng.randrange(0, 3000))
        holds.append(
            hold(i, (rng.choice(["gate", "hall"]),), a, a + timedelta(minutes=rng.randrange(0, 300)),
                 released_at=NOW if rng.random() < 0.2 else None)
        )  # fmt: skip
    index = HoldIndex(holds, NOW)
    for _ in range(2000):
        s = OLD + timedelta(minutes=rng.randrange(-100, 3400))
        e = s + timedelta(minutes=rng.choice([0, 1, 30, 500]))
        cam = rng.choice(["gate", "hall", "yard"])
        expect = sorted(h.id for h in holds if h.is_active(NOW) and h.covers(cam, s, e))
        assert sorted(h.id for h in index.covering(cam, s, e)) == expect


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_purge([], policy=POLICY, now=datetime(2026, 1, 1))


def test_policy_refuses_periods_over_the_ceiling() -> None:
    with pytest.raises(ValueError, match=r"outside 1\.\.90"):
        RetentionPolicy({"gate": 91})
