"""Recording paths as the catalog stores them: relative to their archive root, so a site can move.

A file under the site's ``archive_roots[i]`` is stored as ``"i:<path below the root>"`` (POSIX
separators); :func:`resolve_path` turns that back into a path under wherever that root is now. A
site copied with ``cp -r``, moved, or restored from a backup to another directory therefore reads
its own archive, not the original's (issue 30). Paths outside every root, and rows written by a
catalog opened without the site's roots (a library caller, an older cctvkit), stay absolute and
resolve to themselves.

Roots are named by their position in ``archive_roots``: a root may move or be renamed, but new
roots go at the end of the list (reordering would point rows at another root's files).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from sqlalchemy import Connection

__all__ = ["ROOTS_KEY", "connection_roots", "resolve_path", "store_path", "stored_prefixes"]

ROOTS_KEY = "cctvkit.archive_roots"
"""Where a :class:`~cctvkit.catalog.db.Catalog` puts its archive roots in each connection's ``info``."""

_STORED = re.compile(r"^(\d+):(.*)$", re.DOTALL)


def connection_roots(conn: Connection) -> tuple[Path, ...]:
    """The archive roots of the catalog that opened ``conn`` (empty: store and read absolute paths)."""
    return tuple(conn.info.get(ROOTS_KEY, ()))


def store_path(path: str, roots: Sequence[Path]) -> str:
    """The stored form of an absolute ``path``: ``"i:rel"`` under ``roots[i]``, else ``path`` itself.

    The first root that contains the path (lexically, as the scan walks it) wins.
    """
    absolute = os.path.abspath(path)
    for index, root in enumerate(roots):
        base = os.path.abspath(root)
        if absolute.startswith(base.rstrip(os.sep) + os.sep):
            relative = os.path.relpath(absolute, base)
            return f"{index}:{PurePosixPath(*Path(relative).parts)}"
    return path


def resolve_path(stored: str, roots: Sequence[Path]) -> str:
    """The absolute path of a stored one (the one function every reader of a recording goes through).

    A root index the site no longer has leaves the stored text as it is: no file is found there,
    so the recording shows as missing instead of reading some other file.
    """
    match = _STORED.match(stored)
    if match is None:
        return stored
    index = int(match.group(1))
    if index >= len(roots):
        return stored
    return os.path.join(os.path.abspath(roots[index]), *PurePosixPath(match.group(2)).parts)


def stored_prefixes(directories: Sequence[str], roots: Sequence[Path]) -> list[str]:
    """Prefixes of stored paths for files under ``directories`` (both forms: relative and absolute)."""
    out = []
    for directory in directories:
        out.append(directory)
        probe = directory.rstrip(os.sep) + os.sep + "x"
        stored = store_path(probe, roots)
        if stored != probe:
            out.append(stored[:-1])
    return out
