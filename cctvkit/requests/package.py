"""Release packages on disk: staged in a private directory beside the final one, renamed when complete."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from cctvkit.errors import ArchivePathError, ConflictError
from cctvkit.files import PARTIAL_MARK, atomic_path, ensure_private_dir, is_within, sha256_file
from cctvkit.requests.manifest import MANIFEST_NAME, SUMS_NAME, ReleaseManifest

__all__ = ["check_release_dir", "package_files", "publish", "staged_package", "write_manifest_and_sums"]

DIR_MODE = 0o700
FILE_MODE = 0o600


def check_release_dir(release_dir: Path, archive_roots: Sequence[Path]) -> Path:
    """Resolve the release directory and refuse one inside an archive root.

    Released copies must never be scanned back in as footage, nor be deleted by a purge.

    Raises:
        ArchivePathError: the directory is (or lies below) an archive root.
    """
    real = Path(os.path.realpath(release_dir))
    for root in archive_roots:
        real_root = Path(os.path.realpath(root))
        if is_within(real, real_root) or is_within(real_root, real):
            raise ArchivePathError(
                f"release directory {release_dir} overlaps archive root {root}; choose another "
                "site.release_dir"
            )
    return ensure_private_dir(real)


@contextlib.contextmanager
def staged_package(final: Path) -> Iterator[Path]:
    """Yield a private staging directory beside ``final``; remove it if the block fails.

    The staging name carries ``PARTIAL_MARK``, so a run killed half-way leaves a directory that
    ``release verify`` refuses as incomplete, never one that passes for a finished package.

    Raises:
        ConflictError: ``final`` already exists.
    """
    final = Path(final)
    if final.exists():
        raise ConflictError(f"{final} already exists")
    stage = final.with_name(f".{final.name}{PARTIAL_MARK}{secrets.token_hex(4)}")
    stage.mkdir(mode=DIR_MODE)
    os.chmod(stage, DIR_MODE)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


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


def write_manifest_and_sums(stage: Path, manifest: ReleaseManifest) -> str:
    """Write ``manifest.json`` and then ``SHA256SUMS`` (covering every file); return the manifest hash.

    Every directory is set to 0700 and every file to 0600 (the package holds personal data).
    """
    _write_private(stage / MANIFEST_NAME, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n")
    for dirpath, dirs, files in os.walk(stage):
        for name in dirs:
            os.chmod(Path(dirpath, name), DIR_MODE)
        for name in files:
            os.chmod(Path(dirpath, name), FILE_MODE)
    lines = [f"{sha256_file(stage / rel)}  {rel}\n" for rel in package_files(stage) if rel != SUMS_NAME]
    _write_private(stage / SUMS_NAME, "".join(lines))
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
