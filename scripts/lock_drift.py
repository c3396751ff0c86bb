"""Print the installed packages whose versions differ from uv.lock (``make test-latest``)."""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name


def main(lock_path: str) -> int:
    lock = tomllib.loads(Path(lock_path).read_text())
    locked: dict[str, set[str]] = {}
    for pkg in lock["package"]:
        locked.setdefault(canonicalize_name(pkg["name"]), set()).add(pkg["version"])
    changed = []
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in locked and dist.version not in locked[name]:
            changed.append(f"{name} {'/'.join(sorted(locked[name]))} -> {dist.version}")
    print(f"test-latest: {len(changed)} package(s) differ from {lock_path}")
    for line in sorted(changed):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
