"""Removing archive files safely: only inside the roots, never through a symlink; pruning empty dirs."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from cctvkit.errors import ArchivePathError
from cctvkit.files import is_within

__all__ = ["fsync_dirs", "prune_empty_dirs", "unlink_in_roots"]

log = logging.getLogger(__name__)


def _real_roots(roots: Sequence[Path]) -> list[Path]:
    return [Path(os.path.realpath(r)) for r in roots]


def unlink_in_roots(path: str | Path, roots: Sequence[Path]) -> bool:
    """Remove one archive file; return False if it was already gone.

    The parent directory is resolved (symlinks, ``..``) and must lie inside an archive root; the
    file's own name is not followed, so a symlink is removed itself and its target never touched.

    Raises:
        ArchivePathError: the path is relative, resolves outside every root, is a root, or is a
            directory.
        OSError: the file exists but cannot be removed (permissions, read-only filesystem).
    """
    p = Path(path)
    if not p.is_absolute():
        raise ArchivePathError(f"{path}: not an absolute path; refusing to delete")
    parent = Path(os.path.realpath(p.parent))
    target = parent / p.name
    real_roots = _real_roots(roots)
    if not any(is_within(parent, r) for r in real_roots):
        raise ArchivePathError(f"{path}: resolves to {target}, outside the archive roots; refusing to delete")
    if target in real_roots:
        raise ArchivePathError(f"{path}: is an archive root; refusing to delete")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        raise ArchivePathError(f"{path}: is a directory; refusing to delete")
    try:
        os.unlink(target)
    except FileNotFoundError:
        return False
    return True


def fsync_dirs(dirs: Iterable[Path]) -> None:
    """Make removals durable before the catalog says so (a power cut must not resurrect a file)."""
    for d in dirs:
        try:
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def prune_empty_dirs(dirs: Iterable[Path], roots: Sequence[Path], keep: Collection[Path] = ()) -> int:
    """Remove directories left empty, walking up, never removing a root or a directory in ``keep``.

    ``rmdir`` refuses non-empty directories, so a camera writing a new file meanwhile is safe.

    Returns:
        How many directories were removed.
    """
    real_roots = _real_roots(roots)
    kept = {Path(os.path.realpath(k)) for k in keep} | set(real_roots)
    removed = 0
    # Deepest first, so a parent is tried after its children.
    for start in sorted({Path(os.path.realpath(d)) for d in dirs}, key=lambda d: len(d.parts), reverse=True):
        d = start
        while d not in kept and any(is_within(d, r) for r in real_roots):
            try:
                os.rmdir(d)
            except OSError:
                break
            removed += 1
            log.debug("purge.rmdir path=%s", d)
            d = d.parent
    return removed
