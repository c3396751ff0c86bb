"""Which changes in a frame no masked or kept person explains: where the zoomed face check looks (issue 25).

The face check zooms the output's changed areas 2x, because RetinaFace does not see faces under
~24 px natively. On a fixed camera with people near it, nearly all of those changes are the people
whose faces the first pass found: their bodies walking. A person whose face is at least
``min_face_px`` wide is near enough that their own body holds no face under 24 px, so zooming it
costs four times its pixels for nothing (on the 1080p yard clip the zoom was 70 % of the check's
pixels, the check 0.67x the first pass's CPU time: ``benchmarks/README.md``). Their body is still
checked natively (a large face the first pass missed), and the zoomed sweep tile still passes over
it in rotation (a small face behind them); where they walked from is not explained (leaving, they
may reveal a small face), only where their body is on the frame checked.

Crowds are not affected: their masked faces are under ``min_face_px``, so they explain nothing.
"""

from __future__ import annotations

import cv2
import numpy as np

from cctvkit.redact.boxes import merge_boxes

__all__ = ["bodies", "unexplained"]

_CELL_PX = 16
"""Grid on which changes and bodies are compared: a 1080p frame is 120x68 cells."""

_GROW_PX = 24
"""Added around each unexplained part: a small face cut by a body's edge is whole in it."""


def bodies(faces_xyxy: np.ndarray, min_face_px: float, margin_px: int) -> np.ndarray:
    """The body (and a stride around it) of each face at least ``min_face_px`` wide.

    A standing person is about 7.5 face heights tall and 3 face widths wide; the box reaches
    2 face widths each side of the face (arms, a stride), one above and 8 below, plus
    ``margin_px`` (what the motion finder adds around changed pixels).

    Args:
        faces_xyxy: face boxes (n, 4), pixels.
        min_face_px: narrower faces explain nothing (a crowd's small faces stand for no body).
        margin_px: added on every side.

    Returns:
        Boxes (m, 4) ``xyxy``, float, unclipped.
    """
    faces = np.asarray(faces_xyxy, np.float64).reshape(-1, 4)
    width = faces[:, 2] - faces[:, 0]
    faces, width = faces[width >= min_face_px], width[width >= min_face_px]
    centre_x = (faces[:, 0] + faces[:, 2]) / 2
    return np.stack(
        [
            centre_x - 2 * width - margin_px,
            faces[:, 1] - width - margin_px,
            centre_x + 2 * width + margin_px,
            faces[:, 3] + 8 * width + margin_px,
        ],
        axis=1,
    )


def unexplained(moving: np.ndarray, explained: np.ndarray, resolution_wh: tuple[int, int]) -> np.ndarray:
    """The parts of the changed areas that lie outside every explained box.

    Args:
        moving: changed areas (n, 4) ``xyxy``, pixels.
        explained: boxes (m, 4) that account for the changes inside them (see :func:`bodies`).
        resolution_wh: frame (width, height).

    Returns:
        Integer boxes (k, 4) ``xyxy``, clipped, merged: each connected unexplained part grown by
        :data:`_GROW_PX`. ``moving`` itself when nothing explains anything.
    """
    moving = np.asarray(moving, np.int64).reshape(-1, 4)
    explained = np.asarray(explained, np.float64).reshape(-1, 4)
    if not len(moving) or not len(explained):
        return moving
    width, height = resolution_wh
    cols, rows = -(-width // _CELL_PX), -(-height // _CELL_PX)
    grid = np.zeros((rows, cols), np.uint8)
    for x1, y1, x2, y2 in moving:  # every cell a changed area touches
        grid[y1 // _CELL_PX : -(-y2 // _CELL_PX), x1 // _CELL_PX : -(-x2 // _CELL_PX)] = 1
    for x1, y1, x2, y2 in explained:  # only cells a body covers whole
        c1, r1 = max(0, int(np.ceil(x1 / _CELL_PX))), max(0, int(np.ceil(y1 / _CELL_PX)))
        c2, r2 = int(np.floor(x2 / _CELL_PX)), int(np.floor(y2 / _CELL_PX))
        if c2 > c1 and r2 > r1:
            grid[r1:r2, c1:c2] = 0
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(grid, connectivity=8)
    if count <= 1:
        return np.empty((0, 4), np.int64)
    x, y, w, h = (stats[1:, i].astype(np.int64) for i in range(4))
    boxes = np.stack([x, y, x + w, y + h], axis=1) * _CELL_PX + np.array([-1, -1, 1, 1]) * _GROW_PX
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, width)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, height)
    return merge_boxes(boxes)
