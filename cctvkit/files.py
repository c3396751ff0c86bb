"""Safe file handling: containment in the archive roots, atomic writes, private permissions."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

from cctvkit.errors import ArchivePathError

__all__ = [
    "PARTIAL_MARK",
    "atomic_path",
    "ensure_private_dir",
    "is_within",
    "resolve_in_roots",
    "sha256_file",
]

PARTIAL_MARK = ".partial-"
"""Infix of files being written; scans skip them and a later run may remove stale ones."""

HASH_CHUNK = 1 << 20


def is_within(path: Path, root: Path) -> bool:
    """True if ``path`` (already resolved) is ``root`` or lies below it."""
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def resolve_in_roots(path: Path | str, roots: Sequence[Path]) -> tuple[Path, Path]:
    """Resolve ``path`` (following symlinks and ``..``) and return it with the root containing it.

    Raises:
        ArchivePathError: the real location lies outside every archive root.
    """
    real = Path(os.path.realpath(path))
    for root in roots:
        real_root = Path(os.path.realpath(root))
        if is_within(real, real_root):
            return real, real_root
    raise ArchivePathError(f"{path}: resolves to {real}, outside the archive roots")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (hashlib releases the GIL on large updates)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        buf = bytearray(HASH_CHUNK)
        view = memoryview(buf)
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700; tighten it if it already exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


@contextlib.contextmanager
def atomic_path(final: Path, *, mode: int = 0o600) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; on success fsync and rename it into place.

    On any exception the temporary file is removed, so a crash or error never leaves a file under
    the final name that looks finished. The temporary name carries ``PARTIAL_MARK``.
    """
    final = Path(final)
    tmp = final.with_name(f"{final.name}{PARTIAL_MARK}{secrets.token_hex(4)}{final.suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"{tmp} was not written")
        os.chmod(tmp, mode)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
