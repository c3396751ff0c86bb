"""The zoomed sweep's rotation (issue 25): unchanged tiles are skipped, within a bounded time."""

from __future__ import annotations

import numpy as np

from cctvkit.redact.zoom_sweep import ZoomSweep

FRAME = (1920, 1080)
NOTHING = np.empty((0, 4))


def _rotations(
    sweep: ZoomSweep, calls: int, changed: np.ndarray | None, tracks: np.ndarray | None = None
) -> list[list[int]]:
    """Per call, the indices (in the grid) of the tiles zoomed."""
    grid = [tuple(t) for t in sweep.grid.tolist()]
    return [[grid.index(tuple(t)) for t in sweep.next_tiles(changed, tracks).tolist()] for _ in range(calls)]


def test_without_motion_every_tile_is_taken_in_turn() -> None:
    sweep = ZoomSweep(FRAME, tiles=1, revisit=4)
    n = len(sweep.grid)
    assert _rotations(sweep, 2 * n, None) == [[i % n] for i in range(2 * n)]


def test_a_still_scene_is_zoomed_once_then_only_every_revisit_rotations() -> None:
    sweep = ZoomSweep(FRAME, tiles=1, revisit=4)
    n = len(sweep.grid)
    picked = _rotations(sweep, 9 * n, NOTHING)
    assert [p for p in picked[:n]] == [[i] for i in range(n)]  # the first rotation: all of them
    later = [i for p in picked[n:] for i in p]
    assert sorted(later) == sorted(list(range(n)) * 2)  # then each once per 4 rotations
    for tile in range(n):  # never longer than 4 rotations apart
        calls = [c for c, p in enumerate(picked) if tile in p]
        assert max(np.diff(calls)) <= 4 * n


def test_changed_tiles_and_small_tracked_faces_stay_in_every_rotation() -> None:
    sweep = ZoomSweep(FRAME, tiles=1, revisit=4)
    n = len(sweep.grid)
    _rotations(sweep, n, NOTHING)
    walker = np.array([[100, 100, 300, 500]])  # changing, top left
    seated = np.array([[1500, 900, 1510, 910]])  # a 10 px face, still, bottom right
    picked = [i for p in _rotations(sweep, 2 * n, walker, seated) for i in p]

    def touching(box: np.ndarray) -> set[int]:
        x1, y1, x2, y2 = box[0]
        g = sweep.grid
        return {i for i in range(n) if g[i, 0] < x2 and x1 < g[i, 2] and g[i, 1] < y2 and y1 < g[i, 3]}

    for tile in touching(walker) | touching(seated):
        assert picked.count(tile) == 2  # once a rotation, as without the skipping
    assert len(picked) < 2 * n  # and the still tiles were skipped


def test_several_tiles_a_call() -> None:
    sweep = ZoomSweep(FRAME, tiles=3, revisit=2)
    picked = _rotations(sweep, 3, None)
    assert [len(p) for p in picked] == [3, 3, 3]
    assert len({i for p in picked for i in p}) == 9


def _area(boxes: np.ndarray) -> int:
    return int(np.prod(boxes[:, 2:] - boxes[:, :2], axis=1).sum())


def _covers(crops: np.ndarray, box: np.ndarray) -> bool:
    """Whether every pixel of ``box`` lies in one of ``crops``."""
    x1, y1, x2, y2 = box
    inside = np.zeros((y2 - y1, x2 - x1), bool)
    for cx1, cy1, cx2, cy2 in crops:
        inside[
            max(cy1, y1) - y1 : max(min(cy2, y2) - y1, 0), max(cx1, x1) - x1 : max(min(cx2, x2) - x1, 0)
        ] = True
    return bool(inside.all())


def test_a_changed_tile_is_zoomed_where_it_changed_and_whole_every_revisit_rotations() -> None:
    sweep = ZoomSweep(FRAME, tiles=1, revisit=4)
    n, tile_px = len(sweep.grid), _area(sweep.grid[:1])
    walker = np.array([[100, 100, 200, 240]])  # inside the first tile only
    first = [sweep.next_crops(walker) for _ in range(n)]
    assert [c.tolist() for c in first] == [[t] for t in sweep.grid.tolist()]  # all whole once
    later = [sweep.next_crops(walker) for _ in range(3 * n)]
    zoomed = [c for c in later if len(c)]
    assert len(zoomed) == 3  # once a rotation, the walker's tile only (the others are still)
    for crops in zoomed:
        assert _covers(crops, walker[0])  # all of what changed ...
        assert _area(crops) <= tile_px / 4  # ... and little else
    again = [sweep.next_crops(walker) for _ in range(n)]
    assert sorted(c.tolist()[0] for c in again if len(c)) == sorted(sweep.grid.tolist())  # whole again


def test_what_changed_and_went_back_to_the_background_is_not_zoomed() -> None:
    sweep = ZoomSweep(FRAME, tiles=1, revisit=4)
    n = len(sweep.grid)
    for _ in range(n):
        sweep.next_crops(NOTHING)
    sweep.next_crops(np.array([[1500, 900, 1600, 1000]]))  # a passer-by, gone by the tile's turn
    assert all(not len(sweep.next_crops(NOTHING)) for _ in range(3 * n - 2))


def test_a_still_small_face_is_zoomed_every_rotation_around_it() -> None:
    sweep = ZoomSweep(FRAME, tiles=1, revisit=4)
    n = len(sweep.grid)
    seated = np.array([[1500, 900, 1512, 912]])  # 12 px, still: never "changed"
    for _ in range(n):
        sweep.next_crops(NOTHING, seated)
    zoomed = [c for c in (sweep.next_crops(NOTHING, seated) for _ in range(3 * n)) if len(c)]
    assert len(zoomed) == 3
    assert all(_covers(c, seated[0]) and _area(c) < 200 * 200 for c in zoomed)
