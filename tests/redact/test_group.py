"""Grouping a clip's tracks into people for the review page: close faces that never share a frame."""

from __future__ import annotations

import numpy as np
import pytest

from cctvkit.redact.identity.group import group_candidates
from cctvkit.redact.identity.match import TrackCandidate


def _face(*values: float) -> np.ndarray:
    vec = np.zeros(128)
    vec[: len(values)] = values
    return vec


def cand(
    track_id: int, first: int, last: int, embedding: np.ndarray | None, px: float = 40
) -> TrackCandidate:
    return TrackCandidate(track_id, first, last, px, embedding)


@pytest.mark.parametrize(
    ("candidates", "groups"),
    [
        # One person lost behind a pillar and found again: one row.
        ([cand(0, 0, 10, _face(0)), cand(1, 20, 30, _face(0.1))], [[0, 1]]),
        # Alike but on screen together: two people.
        ([cand(0, 0, 10, _face(0)), cand(1, 5, 30, _face(0.1))], [[0], [1]]),
        # Far apart in face space.
        ([cand(0, 0, 10, _face(0)), cand(1, 20, 30, _face(0.9))], [[0], [1]]),
        # Complete link: 2 is close to 1 but not to 0, so it does not join their row.
        (
            [cand(0, 0, 9, _face(0)), cand(1, 10, 19, _face(0.4)), cand(2, 20, 29, _face(0.8))],
            [[0, 1], [2]],
        ),
        # The closest eligible row wins.
        (
            [cand(0, 0, 9, _face(0)), cand(1, 0, 9, _face(0.45)), cand(2, 20, 29, _face(0.4))],
            [[0], [1, 2]],
        ),
        # Too small or not embedded: alone.
        ([cand(0, 0, 9, _face(0)), cand(1, 20, 29, _face(0), px=10), cand(2, 30, 39, None)], [[0], [1], [2]]),
    ],
)
def test_group_candidates(candidates: list[TrackCandidate], groups: list[list[int]]) -> None:
    assert group_candidates(candidates) == groups
