"""Retention: the rule, holds and restrictions, purge planning and journaled execution."""

from cctvkit.retention.holds import active_holds_covering, list_holds, place_hold, release_hold
from cctvkit.retention.leases import lease_recordings, leased, release_leases
from cctvkit.retention.lock import PurgeLock, purge_lock
from cctvkit.retention.plan import KeptRecording, PlannedDeletion, PurgePlan, plan_purge
from cctvkit.retention.policy import RetentionPolicy, retention_cutoff
from cctvkit.retention.purge import PurgeSummary, build_plan, run_purge
from cctvkit.retention.restrictions import (
    check_not_restricted,
    lift_restriction,
    list_restrictions,
    restrict_recording,
    restricted_recordings,
)

__all__ = [
    "KeptRecording",
    "PlannedDeletion",
    "PurgeLock",
    "PurgePlan",
    "PurgeSummary",
    "RetentionPolicy",
    "active_holds_covering",
    "build_plan",
    "check_not_restricted",
    "lease_recordings",
    "leased",
    "lift_restriction",
    "list_holds",
    "list_restrictions",
    "place_hold",
    "plan_purge",
    "purge_lock",
    "release_hold",
    "release_leases",
    "restrict_recording",
    "restricted_recordings",
    "retention_cutoff",
    "run_purge",
]
