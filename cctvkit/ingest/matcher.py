"""Which camera a file belongs to: by its directory (plain cameras) or by path patterns (layouts)."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import PurePath

from cctvkit.config import CameraConfig, SiteConfig
from cctvkit.ingest.layouts import camera_patterns, uses_path_patterns
from cctvkit.ingest.pattern import NameTimes, PathPattern, TimeNotFound

__all__ = ["CameraMatcher", "PathMatch"]


@dataclass(frozen=True, slots=True)
class PathMatch:
    """The camera a path belongs to and the times its path pattern read, or why there is none.

    ``times`` is ``None`` for plain cameras, whose ``filename_pattern`` is read from the stem later.
    """

    camera: CameraConfig | None
    times: NameTimes | None = None
    problem: str | None = None


class CameraMatcher:
    """Matches paths below an archive root against every camera of a site config."""

    def __init__(self, config: SiteConfig) -> None:
        self._plain = [(c, PurePath(c.dir_name).parts) for c in config.cameras if not uses_path_patterns(c)]
        self._patterned = [(c, camera_patterns(c)) for c in config.cameras if uses_path_patterns(c)]

    def match(self, rel: PurePath) -> PathMatch:
        """The camera of ``rel`` (a path relative to its archive root); never raises for a bad path."""
        posix = rel.as_posix()
        hits: list[PathMatch] = []
        for camera, parts in self._plain:
            if len(rel.parts) > len(parts) and rel.parts[: len(parts)] == parts:
                hits.append(PathMatch(camera))
        for camera, patterns in self._patterned:
            for pattern in patterns:
                try:
                    times = pattern.match(posix)
                except TimeNotFound as exc:
                    hits.append(PathMatch(camera, problem=f"time cannot be established: {exc}"))
                    break
                if times is not None:
                    hits.append(PathMatch(camera, times))
                    break
        if len(hits) == 1:
            return hits[0]
        if hits:
            names = " and ".join(repr(h.camera.id) for h in hits if h.camera)
            return PathMatch(None, problem=f"matched by cameras {names}: make their patterns distinct")
        where = rel.parts[0] if len(rel.parts) > 1 else "(archive root)"
        plain = f"no camera is configured for directory {where!r}"
        if not self._patterned:
            return PathMatch(None, problem=plain)
        nearest = self._nearest(posix)
        return PathMatch(None, problem=f"{plain} and it {nearest}" if self._plain else nearest)

    def _nearest(self, posix: str) -> str:
        """A reason naming the pattern that comes closest to ``posix``, and where it fails."""

        def score(item: tuple[CameraConfig, PathPattern]) -> tuple[int, int, float]:
            matched, same_depth, _why = item[1].nearness(posix)
            last = item[1].pattern.rsplit("/", 1)[-1]
            return matched, same_depth, SequenceMatcher(None, posix.rsplit("/", 1)[-1], last).ratio()

        candidates = [(c, p) for c, patterns in self._patterned for p in patterns]
        camera, pattern = max(candidates, key=score)
        why = pattern.nearness(posix)[2]
        return f"matches no camera's pattern; nearest: camera {camera.id!r}, {pattern.pattern!r} ({why})"
