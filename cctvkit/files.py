"""Safe file handling: containment in the archive roots, atomic writes, private permissions."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from cctvkit.errors import ArchivePathError, PermissionsError

__all__ = [
    "PARTIAL_MARK",
    "atomic_path",
    "check_private",
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


def check_private(paths: Sequence[Path]) -> None:
    """Refuse to go on when any of ``paths`` (those that exist) is open to other users.

    Footage, the catalog (which holds the audit log) and release packages are personal data
    (policy 7.1-7.2); a directory or file with any permission for "others" is refused. The group's
    bits are left to the site (a staff group may share the archive).

    Raises:
        PermissionsError: one or more paths can be read, written or entered by other users.
    """
    loose = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IXOTH):
            loose.append(f"{path} ({stat.filemode(mode)})")
    if loose:
        raise PermissionsError(
            "open to other users: " + ", ".join(loose) + "; make them private (chmod o-rwx) and run again"
        )


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700; tighten it if it already exists.

    Missing parents are created 0700 as well (``mkdir(parents=True)`` would give them the umask's
    mode, typically 0755: a data directory made as the parent of ``work/`` was world-readable).
    Existing parents are left as they are.
    """
    missing = []
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
        os.chmod(directory, 0o700)
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
