"""One run at a time on a request: its lock, private storage checked, leftovers of killed runs settled."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cctvkit.catalog.db import Catalog
from cctvkit.config import SiteConfig
from cctvkit.files import check_private
from cctvkit.requests.recovery import Recovery, recover_release_dir, sweep_work_dir
from cctvkit.requests.workspace import work_dir
from cctvkit.retention.lock import FileLock

__all__ = ["LOCK_NAME", "private_paths", "request_run"]

LOCK_NAME = ".run.lock"
"""The lock file in a request's working directory; ``review`` and ``process`` take it."""


def private_paths(catalog: Catalog, config: SiteConfig) -> list[Path]:
    """What must be private before footage is copied out: data dir, work, releases, the catalog files."""
    paths = [Path(config.data_dir), Path(config.data_dir) / "work", Path(config.release_dir)]
    db = catalog.sqlite_path
    if db is not None:
        paths += [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    return paths


@contextmanager
def request_run(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    release: bool = False,
) -> Iterator[Recovery]:
    """Hold the request's lock for a review or release run, after checking and tidying up.

    Two operators working on one request would write the same working clips and claim the same
    release number; the second is refused at once (``LockedError``) instead (issue 7). Holding the
    lock, the request's stale temporary files are removed; for a release run, dead runs' staging
    leftovers in the release directory are settled (:mod:`cctvkit.requests.recovery`), so the
    next release number can be chosen under the lock (:func:`cctvkit.requests.run.clip_run`).

    Raises:
        PermissionsError: the data, work or release directory or the catalog is open to others.
        LockedError: another run on this request is under way.
    """
    check_private(private_paths(catalog, config))
    work = work_dir(config, request_id)
    with FileLock(work / LOCK_NAME, what=f"run on request {request_id}"):
        recovery = sweep_work_dir(work)
        if release:
            found = recover_release_dir(catalog, Path(os.path.realpath(config.release_dir)), actor=actor)
            recovery.published.extend(found.published)
            recovery.removed.extend(found.removed)
            recovery.live.extend(found.live)
        yield recovery
