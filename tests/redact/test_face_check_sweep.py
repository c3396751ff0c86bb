"""The face check's sweep tile skips what did not change since it was last checked (issue 25)."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
from skimage import data

from cctvkit.redact.face_checker import build_face_checker
from cctvkit.samplegen.scene import Scene

FRAME = (1280, 720)


def test_unchanged_sweep_tiles_are_not_zoomed_again_and_changed_ones_are() -> None:
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
    lit[40:200, 40:200] = 255 - lit[40:200, 40:200]  # a change in the first tile
    checker.detect(lit)
    changed = checker.zoomed_px - first
    for _ in range(tiles):
        checker.detect(lit)
    assert checker.zoomed_px - first - changed >= 4 * np.prod(
        checker.sweep.grid[0, 2:] - checker.sweep.grid[0, :2]
    )


def test_a_face_moving_too_slowly_to_count_as_motion_is_checked_on_every_rotation() -> None:
    # A first-pass miss walking slowly beside someone who walks fast: its own change is under the
    # motion threshold, but its tile changed, so the tile is checked whole on its turn (not only
    # what counts as motion).
    face = cv2.resize(data.astronaut()[30:210, 150:300], (40, 48))
    still = Scene(size_wh=(640, 360), fps=Fraction(10), tracks=[], background="yard", seed=1).render(0)[0]
    checker = build_face_checker((640, 360))
    seen = []
    for call in range(8):
        frame = still.copy()
        frame[250:330, 40 + 30 * call : 80 + 30 * call] = 255  # someone else, walking fast
        x = 300 + call  # 1 px a checked frame
        frame[150:198, x : x + 40] = face
        found = checker.detect(frame)
        seen.append(any(300 <= (box[0] + box[2]) / 2 - 20 <= 310 for box, _, _ in found))
    assert all(seen), seen
