"""Group a clip's face tracks that are one person, so a reviewer keeps or masks them as one row."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cctvkit.redact.identity.embedder import FaceEmbedder
from cctvkit.redact.identity.match import MIN_FACE_PX, TrackCandidate, face_distance
from cctvkit.redact.identity.select import _embed_sightings
from cctvkit.redact.report import TrackSummary

__all__ = ["GROUP_MAX_DISTANCE", "group_candidates", "group_tracks"]

GROUP_MAX_DISTANCE = 0.5
"""Stricter than the keep-face threshold (0.6): a wrong join shows a stranger in the requester's
row, unmasked when the row is kept; a missed join only costs the reviewer a second tick."""


def group_candidates(
    candidates: Sequence[TrackCandidate],
    *,
    max_distance: float = GROUP_MAX_DISTANCE,
    min_face_px: float = MIN_FACE_PX,
) -> list[list[int]]:
    """Join tracks whose clearest faces are within ``max_distance`` and that never share a frame.

    A person is in one place at a time, so two tracks overlapping in time stay apart however
    alike they look (twins, a look-alike); small or unembedded faces stay on their own row. A
    track joins the group whose every member is within ``max_distance`` of it (complete link)
    and, of several such groups, the closest.

    Returns:
        Groups of track ids, each sorted, ordered by their first track id.
    """
    usable = [c for c in candidates if c.embedding is not None and c.face_px >= min_face_px]
    groups: list[list[TrackCandidate]] = []
    for cand in sorted(usable, key=lambda c: c.first_frame):
        best: tuple[float, list[TrackCandidate]] | None = None
        for group in groups:
            farthest = max(face_distance(cand.embedding, g.embedding) for g in group)
            apart = all(cand.first_frame > g.last_frame or cand.last_frame < g.first_frame for g in group)
            if apart and farthest <= max_distance and (best is None or farthest < best[0]):
                best = (farthest, group)
        if best is None:
            groups.append([cand])
        else:
            best[1].append(cand)
    grouped = {c.track_id for g in groups for c in g}
    ids = [sorted(c.track_id for c in g) for g in groups]
    ids += [[c.track_id] for c in candidates if c.track_id not in grouped]
    return sorted(ids, key=lambda g: g[0])


def group_tracks(
    video_path: Path,
    tracks: Sequence[TrackSummary],
    embedder: FaceEmbedder,
    *,
    max_distance: float = GROUP_MAX_DISTANCE,
) -> list[list[int]]:
    """Embed each track's clearest sighting in ``video_path`` and group them (:func:`group_candidates`)."""
    return group_candidates(
        _embed_sightings(Path(video_path), tracks, embedder, None), max_distance=max_distance
    )
