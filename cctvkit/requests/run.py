"""One run over a request's clips, shared by review and process: the plan, then lock, lease, cuts.

:func:`plan_request` finds the request's footage and numbers its clips once (the CLI parses
``--keep-track CLIP:TRACK`` against these numbers, and the run uses the same plan). :func:`clip_run`
then holds the request's lock (:func:`~cctvkit.requests.session.request_run`) and a lease on the
source recordings (a purge skips them), picks the next release id under the lock when the run
releases, and yields a :class:`ClipRun` whose :meth:`ClipRun.cut` verifies the sources and cuts
the clips into the request's private working directory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cctvkit.catalog import releases as relq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Request
from cctvkit.config import SiteConfig
from cctvkit.requests.clips import PlannedClip, cut_clips, plan_clips, verify_sources
from cctvkit.requests.coverage import CameraCoverage, find_coverage
from cctvkit.requests.cut import CutClip
from cctvkit.requests.estimate import lease_ttl
from cctvkit.requests.ids import release_id as format_release_id
from cctvkit.requests.lifecycle import get_request
from cctvkit.requests.recovery import Recovery
from cctvkit.requests.session import request_run
from cctvkit.requests.workspace import work_dir
from cctvkit.retention.leases import leased

__all__ = ["ClipRun", "RequestPlan", "clip_run", "plan_request"]


@dataclass(frozen=True, slots=True)
class RequestPlan:
    """A request's footage and its numbered clips, worked out once.

    Attributes:
        request: the request.
        coverage: per window and camera, the footage found and the gaps.
        clips: every clip, numbered from 1 (what ``--keep-track CLIP:TRACK`` names).
    """

    request: Request
    coverage: tuple[CameraCoverage, ...]
    clips: tuple[PlannedClip, ...]

    @property
    def numbers(self) -> list[int]:
        """The clip numbers."""
        return [c.number for c in self.clips]


def plan_request(catalog: Catalog, request_id: str) -> RequestPlan:
    """Find a request's footage and number its clips.

    Raises:
        NotFoundError: no such request.
    """
    request = get_request(catalog, request_id)
    coverage = tuple(find_coverage(catalog, request))
    return RequestPlan(request, coverage, tuple(plan_clips(coverage)))


@dataclass(slots=True)
class ClipRun:
    """A run in progress over some of a plan's clips (see :func:`clip_run`).

    Attributes:
        plan: the request's plan.
        clips: the clips this run works on.
        work: the request's private working directory.
        recovery: what the lock's tidy-up found of earlier, killed runs.
        release_id: the release this run produces (chosen under the lock); None for a review.
        cuts: by clip number, the cut clips (after :meth:`cut`).
    """

    plan: RequestPlan
    clips: tuple[PlannedClip, ...]
    work: Path
    recovery: Recovery
    release_id: str | None = None
    cuts: dict[int, CutClip] = field(default_factory=dict)

    @property
    def request(self) -> Request:
        return self.plan.request

    def cut(self) -> dict[int, CutClip]:
        """Verify the sources' hashes and cut every clip (earlier cuts of the same spans are reused).

        Raises:
            PolicyError: a source changed since it was indexed.
            ConflictError: a source is missing.
        """
        self.cuts = cut_clips(self.clips, self.work, verify_sources(self.clips))
        return self.cuts


@contextmanager
def clip_run(
    catalog: Catalog,
    config: SiteConfig,
    plan: RequestPlan,
    *,
    actor: str,
    holder: str,
    clips: Sequence[PlannedClip] | None = None,
    release: bool = False,
) -> Iterator[ClipRun]:
    """Lock the request, lease the clips' recordings and yield the run.

    Args:
        catalog: the catalog.
        config: the site config.
        plan: from :func:`plan_request`.
        actor: who runs it.
        holder: the lease holder's description (shown to a purge that skips the recordings).
        clips: the clips to work on (default: all the plan's).
        release: the run produces a release: dead runs' staging leftovers are settled first and
            the next release id is chosen under the lock.

    Raises:
        PermissionsError: the data, work or release directory or the catalog is open to others.
        LockedError: another run on this request is under way.
    """
    chosen = tuple(plan.clips if clips is None else clips)
    request_id = plan.request.id
    recording_ids = sorted({r for c in chosen for r in c.recording_ids})
    frames = sum(round(s.duration_s * s.fps) for c in chosen for s in c.spans)
    with request_run(catalog, config, request_id, actor=actor, release=release) as recovery:
        release_id = None
        if release:
            with catalog.read() as conn:
                release_id = format_release_id(request_id, relq.count_releases(conn, request_id) + 1)
        work = work_dir(config, request_id)
        with leased(catalog, recording_ids, holder=holder, ttl=lease_ttl(catalog, frames)):
            yield ClipRun(plan, chosen, work, recovery, release_id)
