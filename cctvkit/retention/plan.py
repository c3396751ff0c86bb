"""Purge planning, pure: candidates, holds, leases, restrictions and the rule map to a PurgePlan.

Every candidate ends up either in ``purge`` or in ``kept``, each with the reason (borg's
``kept_because``). Nothing here does I/O, so the rules are tested with plain records.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cctvkit.catalog.holds import Hold
from cctvkit.catalog.leases import Lease
from cctvkit.catalog.purge_candidates import Candidate
from cctvkit.retention.policy import RetentionPolicy

__all__ = ["HoldIndex", "KeptRecording", "PlannedDeletion", "PurgePlan", "plan_purge"]

RESTRICTION_NOTE = "restricted; a restriction alone does not extend retention (12.5 ceiling)"


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class PlannedDeletion:
    """A recording the plan deletes. ``reason`` is built on demand (plans can be large)."""

    candidate: Candidate
    cutoff_utc: datetime
    retention_days: int
    restriction_id: int | None = None

    @property
    def reason(self) -> str:
        c = self.candidate
        text = (
            f"due: started {_iso(c.start_utc)}, before the cutoff {_iso(self.cutoff_utc)} "
            f"({c.camera_id}: {self.retention_days} days)"
        )
        if self.restriction_id is not None:
            text += f"; {RESTRICTION_NOTE} (restriction #{self.restriction_id})"
        return text


@dataclass(frozen=True, slots=True)
class KeptRecording:
    """A candidate the plan keeps, and why (``rule`` is ``retention``, ``hold`` or ``lease``)."""

    candidate: Candidate
    rule: str
    reason: str
    hold_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """What a purge at ``now`` will delete and keep.

    Attributes:
        now: the planning instant.
        cutoffs: ``{camera_id: cutoff_utc}`` of every configured camera.
        purge: deletions, by camera then start.
        kept: candidates kept by a hold, a lease or (when the input was not pre-filtered) the rule.
        in_retention: per camera, present recordings the rule keeps that were not candidates.
        quarantined: files whose time or camera is unknown: never deleted, need a person.
    """

    now: datetime
    cutoffs: Mapping[str, datetime]
    purge: tuple[PlannedDeletion, ...]
    kept: tuple[KeptRecording, ...]
    in_retention: Mapping[str, int] = field(default_factory=dict)
    quarantined: int = 0

    def kept_by(self, rule: str) -> list[KeptRecording]:
        return [k for k in self.kept if k.rule == rule]

    @property
    def purge_bytes(self) -> int:
        return sum(p.candidate.size_bytes for p in self.purge)


class HoldIndex:
    """Active holds per camera as sorted, merged ``[from, to]`` intervals, for a sorted sweep.

    ``covering`` costs one ``bisect`` per recording, whatever the number of holds.
    """

    def __init__(self, holds: Iterable[Hold], now: datetime) -> None:
        per_camera: dict[str, list[Hold]] = {}
        for hold in holds:
            if hold.is_active(now):
                for cam in hold.camera_ids:
                    per_camera.setdefault(cam, []).append(hold)
        self._index: dict[str, tuple[list[datetime], list[datetime], list[list[Hold]]]] = {}
        for cam, cam_holds in per_camera.items():
            froms: list[datetime] = []
            tos: list[datetime] = []
            groups: list[list[Hold]] = []
            for hold in sorted(cam_holds, key=lambda h: (h.from_utc, h.to_utc)):
                if groups and hold.from_utc <= tos[-1]:
                    groups[-1].append(hold)
                    tos[-1] = max(tos[-1], hold.to_utc)
                else:
                    froms.append(hold.from_utc)
                    tos.append(hold.to_utc)
                    groups.append([hold])
            self._index[cam] = (froms, tos, groups)

    def covering(self, camera_id: str | None, start_utc: datetime, end_utc: datetime | None) -> list[Hold]:
        """Active holds naming the camera whose range overlaps ``[start_utc, end_utc]`` (closed)."""
        entry = self._index.get(camera_id or "")
        if entry is None:
            return []
        froms, tos, groups = entry
        end = end_utc or start_utc
        out: list[Hold] = []
        i = bisect.bisect_left(tos, start_utc)  # first merged interval ending at or after the start
        while i < len(tos) and froms[i] <= end:  # a long recording may reach several intervals
            out.extend(h for h in groups[i] if h.from_utc <= end and h.to_utc >= start_utc)
            i += 1
        return out


def _hold_reason(holds: Sequence[Hold]) -> str:
    parts = []
    for h in holds:
        until = f" until {_iso(h.ends_at)}" if h.ends_at else " until released"
        parts.append(f"#{h.id} ({h.reference}: {h.reason}){until}")
    return "held by " + ", ".join(parts)


def plan_purge(
    candidates: Iterable[Candidate],
    *,
    policy: RetentionPolicy,
    now: datetime,
    holds: Iterable[Hold] = (),
    leases: Iterable[Lease] = (),
    restrictions: Mapping[int, int] | None = None,
    in_retention: Mapping[str, int] | None = None,
    quarantined: int = 0,
) -> PurgePlan:
    """Decide for every candidate: delete (due, not held, not leased) or keep, with the reason.

    A hold keeps a recording when it is active at ``now`` (not released, ``ends_at`` unset or
    later), names the recording's camera, and its footage range overlaps the recording's
    ``[start, end]``. A lease (a clip being cut) keeps it for this run. A restriction does not keep
    it: restriction (13.2.2) stops release and export, not the 90-day ceiling; footage needed for a
    legal claim gets a hold as well.

    Args:
        candidates: present recordings with a known start (typically pre-filtered to those due).
        policy: each camera's period.
        now: the planning instant (tz-aware).
        holds: holds to consider (inactive ones are ignored).
        leases: leases to consider (expired ones are ignored).
        restrictions: ``{recording_id: restriction_id}`` of active restrictions.
        in_retention: per camera, counts of recordings the rule keeps that were not candidates.
        quarantined: count of quarantined files, for the report.

    Returns:
        The plan; ``purge`` keeps the order of ``candidates``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    restrictions = restrictions or {}
    hold_index = HoldIndex(holds, now)
    leased: dict[int, list[Lease]] = {}
    for lease in leases:
        if lease.expires_at > now:
            leased.setdefault(lease.recording_id, []).append(lease)
    cutoffs = policy.cutoffs(now)
    purge: list[PlannedDeletion] = []
    kept: list[KeptRecording] = []
    ceiling = (policy.ceiling_days, policy.ceiling_cutoff(now))
    per_camera = {cam: (policy.days_for(cam), cut) for cam, cut in cutoffs.items()}
    for cand in candidates:
        days, cutoff = per_camera.get(cand.camera_id, ceiling)
        if cand.start_utc >= cutoff:
            kept.append(
                KeptRecording(
                    cand,
                    "retention",
                    f"in retention: started {_iso(cand.start_utc)}, not before the cutoff {_iso(cutoff)} "
                    f"({cand.camera_id}: {days} days)",
                )
            )
            continue
        covering = hold_index.covering(cand.camera_id, cand.start_utc, cand.end_utc)
        if covering:
            kept.append(KeptRecording(cand, "hold", _hold_reason(covering), tuple(h.id for h in covering)))
            continue
        if cand.recording_id in leased:
            holders = ", ".join(
                f"{le.holder} until {_iso(le.expires_at)}" for le in leased[cand.recording_id]
            )
            kept.append(KeptRecording(cand, "lease", f"in use this run: leased by {holders}"))
            continue
        purge.append(PlannedDeletion(cand, cutoff, days, restrictions.get(cand.recording_id)))
    return PurgePlan(
        now=now,
        cutoffs=cutoffs,
        purge=tuple(purge),
        kept=tuple(kept),
        in_retention=dict(in_retention or {}),
        quarantined=quarantined,
    )
