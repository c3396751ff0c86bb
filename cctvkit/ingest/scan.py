"""Index the archive: walk the roots, probe and hash new or changed files, mark vanished ones."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from cctvkit._fault import FaultPoints
from cctvkit.audit import write_audit
from cctvkit.cameras import sync_cameras
from cctvkit.catalog import leases as lq
from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.db import Catalog, Connection
from cctvkit.catalog.paths import store_path
from cctvkit.catalog.records import Recording
from cctvkit.config import CameraConfig, SiteConfig
from cctvkit.errors import CctvkitError
from cctvkit.files import PARTIAL_MARK, is_within, sha256_file
from cctvkit.ingest.matcher import CameraMatcher
from cctvkit.ingest.pattern import TimeAmbiguous, TimeNotFound
from cctvkit.ingest.timing import establish_times
from cctvkit.states import RecordingState

if TYPE_CHECKING:
    from cctvkit.video import MediaInfo

__all__ = ["FileFacts", "ScanSummary", "scan_archive"]

log = logging.getLogger(__name__)

EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
"""Times before this (camera clocks reset to 1970) are refused, not guessed."""

FUTURE_SLACK = timedelta(days=1)
DB_BATCH = 200


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What one file turned out to be; ``problem`` set means quarantine, ``damage`` the damaged state."""

    path: str
    camera: CameraConfig | None
    size_bytes: int
    mtime_ns: int
    info: MediaInfo | None = None
    start_utc: datetime | None = None
    end_utc: datetime | None = None
    sha256: str | None = None
    problem: str | None = None
    note: str | None = None
    damage: str | None = None


@dataclass(slots=True)
class ScanSummary:
    files_seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    damaged: int = 0
    missing: int = 0
    unindexable: int = 0
    vanished_during_scan: int = 0
    bytes_hashed: int = 0
    seconds: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)
    damage: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"scanned {self.files_seen} files: {self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.quarantined} quarantined, {self.damaged} damaged, "
            f"{self.missing} missing, "
            f"{self.unindexable} unindexable "
            f"({self.seconds:.1f} s)"
        )


def _walk(root: Path) -> Iterator[Path]:
    """Files below ``root``, never descending through symlinked directories; skips partial and hidden."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or PARTIAL_MARK in name:
                continue
            yield Path(dirpath) / name


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _examine_or_gone(
    path: Path, root: Path, config: SiteConfig, matcher: CameraMatcher, hash_files: bool, now: datetime
) -> FileFacts | None:
    """:func:`_examine`, or None when the file vanished meanwhile (e.g. a purge deleted it).

    A file gone half-way must neither stop the scan nor be quarantined as unreadable: the next scan
    (or the purge that removed it) records what happened to it.
    """
    try:
        facts = _examine(path, root, config, matcher, hash_files, now)
    except FileNotFoundError:
        return None
    if facts.problem and not os.path.lexists(path):
        return None
    return facts


def _examine(
    path: Path, root: Path, config: SiteConfig, matcher: CameraMatcher, hash_files: bool, now: datetime
) -> FileFacts:
    """Probe, hash and date one file. Never raises for a bad file: returns its problem instead."""
    st = path.lstat()
    found = matcher.match(PurePath(path.relative_to(root)))
    camera = found.camera
    base = {"path": str(path), "camera": camera, "size_bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    if path.is_symlink():
        real = Path(os.path.realpath(path))
        if not any(is_within(real, Path(os.path.realpath(r))) for r in config.archive_roots):
            return FileFacts(**base, problem=f"symlink points outside the archive roots ({real})")
    if camera is None or found.problem:
        return FileFacts(**base, problem=found.problem)
    from cctvkit.video import probe  # PyAV, only for a new or changed file (a cron purge rarely meets one)

    try:
        info = probe(path, damaged_ok=True)  # kept as `damaged` with its decodable span (issue 14)
    except CctvkitError as exc:
        problem = str(exc).removeprefix(f"{path}: ")
        if path.suffix.lower() == ".dav":
            problem += " (Dahua .dav: export the footage as MP4 from the NVR to index it)"
        return FileFacts(**base, problem=problem)
    try:
        timing = establish_times(path, camera, config, info, found.times)
    except (TimeNotFound, TimeAmbiguous) as exc:
        return FileFacts(**base, info=info, problem=f"time cannot be established: {exc}")
    start = timing.start_utc
    if start < EARLIEST_PLAUSIBLE or start > now + FUTURE_SLACK:
        return FileFacts(**base, info=info, problem=f"implausible recording time {start.isoformat()}")
    digest = sha256_file(path) if hash_files else None
    return FileFacts(
        **base,
        info=info,
        start_utc=start,
        end_utc=timing.end_utc,
        sha256=digest,
        note=timing.note,
        damage=timing.damage,
    )


def _row(facts: FileFacts, now: datetime) -> dict:
    info = facts.info
    cam = facts.camera
    state = (
        RecordingState.QUARANTINED
        if facts.problem
        else RecordingState.DAMAGED
        if facts.damage
        else RecordingState.PRESENT
    )
    start = facts.start_utc if not facts.problem else None
    end = facts.end_utc if not facts.problem else None
    return {
        "path": facts.path,
        "camera_id": cam.id if cam else None,
        "site": cam.site if cam else None,
        "area": cam.area if cam else None,
        "kind": info.kind if info else "unknown",
        "start_utc": start,
        "end_utc": end,
        "duration_s": info.duration_s if info else None,
        "codec": info.codec if info else None,
        "width": info.width if info else None,
        "height": info.height if info else None,
        "fps": float(info.fps) if info and info.fps else None,
        "frame_count": info.frame_count if info else None,
        "has_audio": info.has_audio if info else None,
        "size_bytes": facts.size_bytes,
        "mtime_ns": facts.mtime_ns,
        "sha256": facts.sha256,
        "state": state,
        "state_reason": facts.problem or facts.damage,
        "note": facts.note if not facts.problem else None,
        "indexed_at": now,
        "state_changed_at": now,
    }


def scan_archive(
    catalog: Catalog,
    config: SiteConfig,
    *,
    actor: str,
    hash_files: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ScanSummary:
    """Bring the catalog up to date with the archive roots.

    Unchanged files (same size and mtime) are skipped; new and changed ones are probed (no full
    decode) and hashed in a thread pool; files that vanished are marked missing. Files whose camera
    or time cannot be established, or that are corrupt, are quarantined with the reason.

    Args:
        catalog: the open catalog.
        config: the site config.
        actor: operator name for the audit log.
        hash_files: compute SHA-256 of new/changed files (off only for benchmarks and emergencies).
        workers: threads for probing and hashing (default: CPU count).
        progress: called as ``progress(done, total)`` after each file examined.
        now: current time (tests pass a fixed one).

    Returns:
        What the scan found.
    """
    t0 = time.perf_counter()
    now = now or datetime.now(UTC)
    summary = ScanSummary()
    sync_cameras(catalog, config, actor, now)
    roots = [Path(os.path.abspath(r)) for r in config.archive_roots]
    faults = FaultPoints.from_env("scan")
    with catalog.read() as conn:
        known = rq.recordings_by_path(conn, [str(r) + os.sep for r in roots])
    faults.reach("snapshot")

    todo: list[tuple[Path, Path, Recording | None]] = []
    seen: set[str] = set()
    for root in roots:
        for path in _walk(root):
            key = str(path)
            summary.files_seen += 1
            if not _utf8(key):
                # The catalog stores text paths; such a file cannot be recorded, only reported.
                shown = key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                summary.problems.append((shown, "file name is not valid UTF-8; rename it to index it"))
                summary.unindexable += 1
                log.warning("cannot index %s: name is not valid UTF-8", shown)
                continue
            seen.add(key)
            old = known.get(key)
            if old is not None and old.state in rq.SCANNED_STATES:
                try:
                    st = path.lstat()
                except FileNotFoundError:
                    continue
                if st.st_size == old.size_bytes and st.st_mtime_ns == old.mtime_ns:
                    summary.unchanged += 1
                    continue
            todo.append((path, root, old))

    faults.reach("walked")
    total = len(todo)
    done = 0
    pending: list[tuple[FileFacts, Recording | None]] = []
    matcher = CameraMatcher(config)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        results = pool.map(
            lambda t: (_examine_or_gone(t[0], t[1], config, matcher, hash_files, now), t[2]), todo
        )
        for facts, old in results:
            done += 1
            if facts is None:
                summary.vanished_during_scan += 1
                continue
            pending.append((facts, old))
            if facts.sha256:
                summary.bytes_hashed += facts.size_bytes
            if progress:
                progress(done, total)
            if len(pending) >= DB_BATCH:
                _store(catalog, pending, summary, actor, now)
                pending = []
    if pending:
        _store(catalog, pending, summary, actor, now)

    vanished = [r for key, r in known.items() if key not in seen and r.state in rq.SCANNED_STATES]
    marked: list[int] = []
    if vanished:
        with catalog.write() as conn:
            # `known` is a snapshot from the start of the scan: a purge may have deleted and recorded
            # some of these files since. Only rows still present/quarantined, and not in the middle
            # of a journaled deletion, become missing (issue 7), so `purged` is never overwritten.
            lq.lock_retention_checks(conn)
            busy = jq.recordings_in_deletion(conn, [r.id for r in vanished])
            marked = rq.mark_vanished(
                conn, [r.id for r in vanished if r.id not in busy], "file vanished from the archive", now
            )
            by_id = {r.id: r for r in vanished}
            for rec in (by_id[i] for i in marked):
                write_audit(
                    conn,
                    actor=actor,
                    action="index.missing",
                    object_kind="recording",
                    object_id=rec.id,
                    camera_id=rec.camera_id,
                    details={"path": rec.path},
                    now=now,
                )
        summary.missing = len(marked)
    summary.seconds = time.perf_counter() - t0
    with catalog.write() as conn:
        write_audit(
            conn,
            actor=actor,
            action="index.scan",
            object_kind="archive",
            details={
                "files_seen": summary.files_seen,
                "new": summary.new,
                "changed": summary.changed,
                "quarantined": summary.quarantined,
                "damaged": summary.damaged,
                "missing": summary.missing,
            },
            now=now,
        )
    log.info("%s", summary.line())
    return summary


def _moved_from(conn: Connection, catalog: Catalog, facts: FileFacts) -> Recording | None:
    """The row of this file at its old absolute place (same path below the root, same content)."""
    if not facts.sha256:
        return None
    stored = store_path(facts.path, catalog.archive_roots)
    if stored == facts.path:
        return None
    return rq.find_moved_recording(conn, stored.split(":", 1)[1], facts.sha256)


def _store(
    catalog: Catalog,
    batch: list[tuple[FileFacts, Recording | None]],
    summary: ScanSummary,
    actor: str,
    now: datetime,
) -> None:
    with catalog.write() as conn:
        for facts, old in batch:
            values = _row(facts, now)
            if old is None:
                if rq.find_recording(conn, facts.path) is not None:
                    continue  # indexed meanwhile by a concurrent scan (a purge's own, say)
                moved = _moved_from(conn, catalog, facts)
                if moved is not None:
                    # The same recording in a site copied or restored elsewhere (issue 30): its row
                    # follows the file, keeping its id, holds, restrictions and history.
                    rq.update_recording(conn, moved.id, values, expect_state=moved.state)
                    summary.changed += 1
                    write_audit(
                        conn,
                        actor=actor,
                        action="index.moved",
                        object_kind="recording",
                        object_id=moved.id,
                        camera_id=moved.camera_id,
                        details={"from": moved.path, "to": facts.path, "sha256": facts.sha256},
                        now=now,
                    )
                    continue
                rec_id = rq.insert_recording(conn, values)
                summary.new += 1
            else:
                rec_id = old.id
                if not rq.update_recording(conn, old.id, values, expect_state=old.state):
                    # A purge (or another scan) changed the row since this scan read it: its record
                    # is newer than ours, so ours is dropped and the next scan looks again.
                    summary.vanished_during_scan += 1
                    continue
                summary.changed += 1
            if facts.problem:
                summary.quarantined += 1
                summary.problems.append((facts.path, facts.problem))
                action, reason = "index.quarantine", facts.problem
            elif facts.damage:
                # Damaged footage is kept under retention and holds like any other (issue 14).
                summary.damaged += 1
                summary.damage.append((facts.path, facts.damage))
                action, reason = "index.damaged", facts.damage
            else:
                continue
            log.warning("%s %s: %s", "quarantined" if facts.problem else "damaged", facts.path, reason)
            write_audit(
                conn,
                actor=actor,
                action=action,
                object_kind="recording",
                object_id=rec_id,
                camera_id=values["camera_id"],
                details={"path": facts.path, "reason": reason},
                now=now,
            )
