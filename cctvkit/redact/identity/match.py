"""Which face tracks are the subject: pure rules from embedding distances, each decision explained."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from cctvkit.redact.options import DEFAULT_MAX_DISTANCE

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "MIN_FACE_PX",
    "Decision",
    "IdentityMatch",
    "TrackCandidate",
    "TrackMatch",
    "decide_tracks",
    "face_distance",
]

MIN_FACE_PX = 24
"""Narrowest face (pixels) whose embedding is trusted. Smaller faces are upscaled ~6x into dlib's
150 px chip and their distances drift towards the threshold, so such tracks stay masked."""


class Decision(StrEnum):
    """Why a track was kept or masked."""

    MATCH = "match"
    DIFFERENT = "different person"
    TOO_SMALL = "face too small to compare"
    NO_SIGHTING = "no detected sighting"
    OVERLAPS = "overlaps a closer match"


@dataclass(frozen=True, slots=True)
class TrackCandidate:
    """One track's clearest sighting and its embedding.

    Attributes:
        track_id: the pipeline's track id.
        first_frame: first frame the track covers.
        last_frame: last frame it covers.
        face_px: width of the sighting's face box, pixels (0 when it has none).
        embedding: shape (128,), or None when the face was not embedded.
    """

    track_id: int
    first_frame: int
    last_frame: int
    face_px: float
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TrackMatch:
    """The decision on one track.

    Attributes:
        track_id: the pipeline's track id.
        first_frame: first frame the track covers.
        last_frame: last frame it covers.
        face_px: width of the compared face, pixels.
        distance: euclidean distance to the reference (None when not compared).
        decision: why it is kept or masked.
    """

    track_id: int
    first_frame: int
    last_frame: int
    face_px: float
    distance: float | None
    decision: Decision

    @property
    def kept(self) -> bool:
        """Whether the track is left visible."""
        return self.decision is Decision.MATCH

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        return {
            "track_id": self.track_id,
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "face_px": round(self.face_px, 1),
            "distance": None if self.distance is None else round(self.distance, 4),
            "decision": str(self.decision),
            "kept": self.kept,
        }


@dataclass(frozen=True, slots=True)
class IdentityMatch:
    """The subject's tracks in one clip, chosen by similarity to a reference photo.

    Attributes:
        reference_name: the photo's file name (no directory: reports may be released).
        reference_sha256: the photo's digest.
        reference_xyxy: the subject's face box in the photo, pixels.
        max_distance: the threshold used.
        min_face_px: the smallest face compared.
        embedder: models, digests and licences (:attr:`FaceEmbedder.info`).
        tracks: one decision per track, by id.
    """

    reference_name: str
    reference_sha256: str
    reference_xyxy: tuple[float, float, float, float]
    max_distance: float
    min_face_px: float
    embedder: dict[str, Any]
    tracks: tuple[TrackMatch, ...]

    @property
    def kept_tracks(self) -> tuple[int, ...]:
        """Ids of the tracks judged to be the subject."""
        return tuple(t.track_id for t in self.tracks if t.kept)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values, for the redaction report and the release manifest."""
        return {
            "reference": {
                "file": self.reference_name,
                "sha256": self.reference_sha256,
                "face_xyxy": [round(v, 1) for v in self.reference_xyxy],
            },
            "metric": "euclidean",
            "max_distance": self.max_distance,
            "min_face_px": self.min_face_px,
            "embedder": self.embedder,
            "kept_tracks": list(self.kept_tracks),
            "tracks": [t.to_dict() for t in self.tracks],
        }


def face_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two embeddings of shape (128,)."""
    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))


def decide_tracks(
    reference: np.ndarray,
    candidates: Sequence[TrackCandidate],
    *,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    min_face_px: float = MIN_FACE_PX,
    overlap_tolerance_frames: int = 0,
) -> tuple[TrackMatch, ...]:
    """Decide for each track whether it is the subject.

    A track matches when its face is at least ``min_face_px`` wide and its distance to
    ``reference`` is under ``max_distance``. One person is in one place at a time, so of
    matching tracks that overlap in time by more than ``overlap_tolerance_frames`` only the
    closest is kept; the others are masked as :attr:`Decision.OVERLAPS`.

    Args:
        reference: the subject's embedding, shape (128,).
        candidates: the clip's tracks.
        max_distance: the threshold (see :data:`DEFAULT_MAX_DISTANCE`).
        min_face_px: narrower faces are not compared (see :data:`MIN_FACE_PX`).
        overlap_tolerance_frames: frames two tracks of one person may share (a lost track's
            trailing mask and its successor's lookahead).

    Returns:
        One decision per candidate, ordered by track id.
    """
    decided: dict[int, TrackMatch] = {}
    matching: list[TrackMatch] = []
    for c in candidates:
        distance = None if c.embedding is None else face_distance(reference, c.embedding)
        if c.embedding is None or c.face_px <= 0:
            decision = Decision.NO_SIGHTING
        elif c.face_px < min_face_px:
            decision = Decision.TOO_SMALL
        elif distance is not None and distance < max_distance:
            decision = Decision.MATCH
        else:
            decision = Decision.DIFFERENT
        match = TrackMatch(c.track_id, c.first_frame, c.last_frame, c.face_px, distance, decision)
        decided[c.track_id] = match
        if decision is Decision.MATCH:
            matching.append(match)
    accepted: list[TrackMatch] = []
    for match in sorted(matching, key=lambda m: (m.distance, m.track_id)):
        if any(_shared_frames(match, other) > overlap_tolerance_frames for other in accepted):
            decided[match.track_id] = replace(match, decision=Decision.OVERLAPS)
        else:
            accepted.append(match)
    return tuple(decided[k] for k in sorted(decided))


def _shared_frames(a: TrackMatch, b: TrackMatch) -> int:
    return max(0, min(a.last_frame, b.last_frame) - max(a.first_frame, b.first_frame) + 1)
