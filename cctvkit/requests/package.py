"""Release packages on disk: staged in a private directory beside the final one, renamed when complete."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from cctvkit._fault import FaultPoints
from cctvkit.errors import ArchivePathError, ConflictError
from cctvkit.files import PARTIAL_MARK, atomic_path, check_private, ensure_private_dir, is_within, sha256_file
from cctvkit.keys import SigningKey
from cctvkit.requests.manifest import (
    MANIFEST_NAME,
    SIGNATURE_FORMAT,
    SIGNATURE_NAME,
    SUMS_NAME,
    ReleaseManifest,
)
from cctvkit.requests.sealed import SEALED_SUFFIX

__all__ = [
    "check_release_dir",
    "claim_if_stale",
    "package_files",
    "publish",
    "stage_final_name",
    "staged_archive_path",
    "staged_package",
    "write_manifest_and_sums",
]

DIR_MODE = 0o700
FILE_MODE = 0o600


def check_release_dir(release_dir: Path, archive_roots: Sequence[Path]) -> Path:
    """Resolve the release directory and refuse one inside an archive root.

    Released copies must never be scanned back in as footage, nor be deleted by a purge.

    Raises:
        ArchivePathError: the directory is (or lies below) an archive root.
        PermissionsError: the directory exists and is open to other users.
    """
    real = Path(os.path.realpath(release_dir))
    for root in archive_roots:
        real_root = Path(os.path.realpath(root))
        if is_within(real, real_root) or is_within(real_root, real):
            raise ArchivePathError(
                f"release directory {release_dir} overlaps archive root {root}; choose another "
                "site.release_dir"
            )
    check_private([real])  # tightening it silently would hide that its packages were exposed
    return ensure_private_dir(real)


def stage_final_name(name: str) -> str | None:
    """The release id a staging entry's name (``.R-2026-0001-r1.partial-…``) belongs to, else None."""
    if not name.startswith(".") or PARTIAL_MARK not in name:
        return None
    return name[1:].split(PARTIAL_MARK)[0]


def staged_archive_path(stage: Path) -> Path:
    """Where a staging directory's sealed archive waits until the release is recorded."""
    return stage.with_name(stage.name + SEALED_SUFFIX)


def _lock_dir(path: Path, *, wait: bool) -> int | None:
    """``flock`` a directory; return its fd, or None if another process holds it (``wait=False``)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def claim_if_stale(stage: Path) -> Iterator[bool]:
    """Yield True, holding the staging directory's lock, if no live run owns ``stage``.

    The run that creates a staging directory holds an ``flock`` on it until the directory is
    published or removed; the kernel drops it when that process dies (even by SIGKILL), so a
    directory whose lock can be taken is stale and may be removed or finished (issue 7).
    """
    try:
        fd = _lock_dir(stage, wait=False)
    except (FileNotFoundError, NotADirectoryError):
        yield False
        return
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        os.close(fd)


@contextlib.contextmanager
def staged_package(final: Path) -> Iterator[Path]:
    """Yield a private staging directory beside ``final``; remove it if the block fails.

    The staging name carries ``PARTIAL_MARK``, so a run killed half-way leaves a directory that
    ``release verify`` refuses as incomplete, never one that passes for a finished package. The
    directory is ``flock``-ed for as long as this run lives, so a later run can tell a stale one
    (its owner died) from a live one (:func:`claim_if_stale`).

    Raises:
        ConflictError: ``final`` already exists.
    """
    final = Path(final)
    if final.exists():
        raise ConflictError(f"{final} already exists")
    fd = None
    for _attempt in range(5):
        stage = final.with_name(f".{final.name}{PARTIAL_MARK}{secrets.token_hex(4)}")
        stage.mkdir(mode=DIR_MODE)
        fd = _lock_dir(stage, wait=True)
        assert fd is not None
        if os.fstat(fd).st_nlink > 0:
            break  # a sweep may have taken it for stale in the instant before our lock: try anew
        os.close(fd)
        fd = None
    if fd is None:
        raise ConflictError(f"could not create a staging directory beside {final}")
    os.chmod(stage, DIR_MODE)
    try:
        FaultPoints.shared("release").reach("staged")
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        staged_archive_path(stage).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def package_files(directory: Path) -> list[str]:
    """Relative POSIX paths of every regular file below ``directory``, sorted."""
    out = []
    for dirpath, _dirs, files in os.walk(directory):
        for name in files:
            out.append(Path(dirpath, name).relative_to(directory).as_posix())
    return sorted(out)


def _write_private(path: Path, text: str) -> None:
    with atomic_path(path, mode=FILE_MODE) as partial:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)


def write_manifest_and_sums(
    stage: Path, manifest: ReleaseManifest, *, site_key: SigningKey | None = None
) -> str:
    """Write ``manifest.json``, ``SHA256SUMS`` (covering every file) and, with the site's key, its
    signature ``SHA256SUMS.sig``; return the manifest hash.

    Every directory is set to 0700 and every file to 0600 (the package holds personal data).
    """
    if site_key is not None:
        manifest = dataclasses.replace(
            manifest,
            signing={
                "public_key": site_key.public_key,
                "fingerprint": site_key.fingerprint,
                "signature_file": SIGNATURE_NAME,
            },
        )
    _write_private(stage / MANIFEST_NAME, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n")
    for dirpath, dirs, files in os.walk(stage):
        for name in dirs:
            os.chmod(Path(dirpath, name), DIR_MODE)
        for name in files:
            os.chmod(Path(dirpath, name), FILE_MODE)
    lines = [
        f"{sha256_file(stage / rel)}  {rel}\n"
        for rel in package_files(stage)
        if rel not in (SUMS_NAME, SIGNATURE_NAME)
    ]
    sums = "".join(lines)
    _write_private(stage / SUMS_NAME, sums)
    if site_key is not None:
        signature = {
            "format": SIGNATURE_FORMAT,
            "signed_file": SUMS_NAME,
            "release_id": manifest.release_id,
            "public_key": site_key.public_key,
            "fingerprint": site_key.fingerprint,
            "signature": site_key.sign(sums.encode("utf-8")),
        }
        _write_private(stage / SIGNATURE_NAME, json.dumps(signature, indent=2) + "\n")
    FaultPoints.shared("release").reach("summed")
    return sha256_file(stage / MANIFEST_NAME)


def publish(stage: Path, final: Path) -> None:
    """Rename the finished staging directory to its final name (atomic on one filesystem).

    Raises:
        ConflictError: ``final`` appeared meanwhile.
    """
    if final.exists():
        raise ConflictError(f"{final} already exists")
    os.rename(stage, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
