"""The face check's sweep tile skips what did not change since it was last checked and zooms only
what did, whole every few rotations (issue 25)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from cctvkit.redact.face_checker import build_face_checker
from cctvkit.samplegen.scene import Scene

FRAME = (1280, 720)


def test_unchanged_sweep_tiles_are_not_zoomed_again_and_only_what_changed_is() -> None:
    still = Scene(size_wh=FRAME, fps=Fraction(10), tracks=[], background="yard", seed=1).render(0)[0]
    checker = build_face_checker(FRAME)
    tiles = len(checker.sweep.grid)
    for _ in range(tiles):  # the first rotation: every tile once
        checker.detect(still)
    first = checker.zoomed_px
    assert first >= 4 * np.prod(FRAME)  # the whole frame, zoomed 2x
    for _ in range(tiles):
        checker.detect(still)
    assert checker.zoomed_px == first  # the same pixels: nothing zoomed again
    lit = still.copy()
    lit[40:200, 40:200] = 255 - lit[40:200, 40:200]  # a change in the first tile, which stays
    checker.detect(lit)
    changed = checker.zoomed_px - first
    assert changed >= 4 * 160 * 160  # the change itself, zoomed when it happens
    for _ in range(tiles):
        checker.detect(lit)
    tile_px = 4 * np.prod(checker.sweep.grid[0, 2:] - checker.sweep.grid[0, :2])
    again = checker.zoomed_px - first - changed
    # On its turn the tile is zoomed again where it differs from the background, not whole.
    assert 4 * 160 * 160 <= again < tile_px
    for _ in range(3 * tiles):  # whole again within the revisit's rotations
        checker.detect(lit)
    assert checker.zoomed_px - first - changed - again >= tile_px
