"""Leftovers of killed release runs: finish recorded packages, remove unrecorded ones, clear temp files.

A release run stages its package in a hidden ``.<release>.partial-…`` directory that it keeps
``flock``-ed (:func:`cctvkit.requests.package.staged_package`). When the run dies (SIGKILL, power
loss) the lock goes with it, and what it left is settled here, at the start of the next run:

- recorded in the catalog but not yet renamed (killed between the commit and the rename): the
  staged package is checked against the recorded manifest hash and renamed into place;
- not recorded: it was never released; the staging directory and its staged archive are deleted;
- temporary files (``*.partial-*``) in the request's working directory: the caller holds the
  request's lock, so no live run is writing them; they are unredacted copies and are deleted.

A staging directory whose lock is held belongs to a live run and is never touched.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.audit import write_audit
from cctvkit.catalog import releases as relq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Release
from cctvkit.files import PARTIAL_MARK, sha256_file
from cctvkit.requests.manifest import MANIFEST_NAME
from cctvkit.requests.package import claim_if_stale, publish, stage_final_name, staged_archive_path
from cctvkit.requests.sealed import SEALED_SUFFIX

__all__ = ["Recovery", "recover_release_dir", "sweep_work_dir"]

log = logging.getLogger(__name__)

_RELEASE_ID = re.compile(r"^(R-\d{4}-\d{4,6})-r\d{1,3}$")


@dataclass(slots=True)
class Recovery:
    """What a sweep found and did.

    Attributes:
        published: recorded releases whose staged package was renamed into place.
        removed: staging directories and files of unrecorded (never released) runs, deleted.
        live: staging directories of runs still under way, left alone.
        temp_files: stale temporary files deleted from the working directory.
    """

    published: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)


def _recorded(catalog: Catalog, release_id: str) -> Release | None:
    match = _RELEASE_ID.fullmatch(release_id)
    if match is None:
        return None
    with catalog.read() as conn:
        return next((r for r in relq.list_releases(conn, match.group(1)) if r.id == release_id), None)


def _finish(catalog: Catalog, stage: Path, release: Release, actor: str, out: Recovery) -> bool:
    """Rename a recorded release's staged package into place if it is the one recorded."""
    final = Path(release.path)
    manifest = stage / MANIFEST_NAME
    if os.path.lexists(final) or not manifest.exists() or sha256_file(manifest) != release.manifest_sha256:
        return False
    archive = staged_archive_path(stage)
    if release.archive_path and archive.exists() and not os.path.lexists(release.archive_path):
        os.rename(archive, release.archive_path)
    publish(stage, final)
    with catalog.write() as conn:
        write_audit(
            conn,
            actor=actor,
            action="release.publish_recovered",
            object_kind="release",
            object_id=release.id,
            details={"path": str(final), "staged_as": stage.name},
            now=datetime.now(UTC),
        )
    log.warning("release %s: package of a run killed after recording it was put in place", release.id)
    out.published.append(release.id)
    return True


def _remove(path: Path, out: Recovery) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    out.removed.append(path.name)


def recover_release_dir(catalog: Catalog, release_root: Path, *, actor: str) -> Recovery:
    """Settle the staging leftovers of dead runs in ``release_root`` (any request); never a live one."""
    out = Recovery()
    if not release_root.is_dir():
        return out
    entries = sorted(release_root.iterdir(), key=lambda p: p.name)
    for path in entries:
        release_id = stage_final_name(path.name)
        if release_id is None or not path.is_dir() or path.is_symlink():
            continue
        with claim_if_stale(path) as stale:
            if not stale:
                out.live.append(path.name)
                continue
            release = _recorded(catalog, release_id)
            if release is not None and _finish(catalog, path, release, actor, out):
                continue
            _remove(path, out)
            if staged_archive_path(path).exists():
                _remove(staged_archive_path(path), out)
    for path in entries:
        # Staged or half-written archives whose staging directory is gone: their run is dead
        # (a live run keeps its directory until after its archive is in place).
        release_id = stage_final_name(path.name)
        if release_id is None or path.is_dir() or not os.path.lexists(path):
            continue
        owner = path.name.split(SEALED_SUFFIX)[0]
        if not (release_root / owner).is_dir():
            _remove(path, out)
    if out.published or out.removed:
        log.warning(
            "release dir: %d recorded package(s) put in place, %d leftover(s) of killed runs removed",
            len(out.published),
            len(out.removed),
        )
    return out


def sweep_work_dir(work: Path, out: Recovery | None = None) -> Recovery:
    """Delete temporary files (``*.partial-*``) in a request's working directory.

    Only call this holding the request's lock: then no live run is writing them.
    """
    out = out or Recovery()
    if not work.is_dir():
        return out
    for dirpath, _dirs, names in os.walk(work):
        for name in names:
            if PARTIAL_MARK in name:
                Path(dirpath, name).unlink(missing_ok=True)
                out.temp_files.append(name)
    return out
