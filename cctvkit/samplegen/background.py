"""Static synthetic CCTV backgrounds (vehicle gate, corridor, yard, street) drawn with numpy and OpenCV."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

__all__ = ["BACKGROUNDS", "render_background"]


def _px(x: float, y: float, w: int, h: int) -> tuple[int, int]:
    return round(x * w), round(y * h)


def _poly(img: np.ndarray, points: list[tuple[float, float]], colour: tuple[int, ...]) -> None:
    h, w = img.shape[:2]
    pts = np.array([_px(x, y, w, h) for x, y in points], np.int32)
    cv2.fillPoly(img, [pts], colour, cv2.LINE_AA)


def _vgradient(h: int, w: int, top: tuple[int, ...], bottom: tuple[int, ...]) -> np.ndarray:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    col = (1 - t) * np.asarray(top, np.float32) + t * np.asarray(bottom, np.float32)
    return np.broadcast_to(col, (h, w, 3)).copy()


def _texture(h: int, w: int, rng: np.random.Generator, cell: int, amount: float) -> np.ndarray:
    """Low-frequency multiplicative mottle (grime, uneven lighting), shape (h, w, 1)."""
    small = rng.normal(0.0, 1.0, (max(2, h // cell), max(2, w // cell))).astype(np.float32)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return (1.0 + amount * big)[..., None]


def _gate(img: np.ndarray, rng: np.random.Generator) -> None:
    """Depot vehicle gate: sky, brick wall, sliding gate, tarmac, a neighbour's house top right."""
    h, w = img.shape[:2]
    img[:] = _vgradient(h, w, (150, 170, 190), (200, 205, 210))
    # Tarmac in perspective and a kerb.
    _poly(img, [(0.0, 0.42), (1.0, 0.42), (1.0, 1.0), (0.0, 1.0)], (88, 90, 94))
    _poly(img, [(0.0, 0.40), (1.0, 0.40), (1.0, 0.43), (0.0, 0.43)], (150, 148, 140))
    for x in (0.25, 0.5, 0.75):  # painted lane lines converging to the vanishing point
        _poly(
            img,
            [
                (0.5 + (x - 0.5) * 0.2, 0.43),
                (0.5 + (x - 0.5) * 0.2 + 0.004, 0.43),
                (x + 0.012, 1.0),
                (x - 0.012, 1.0),
            ],
            (200, 196, 160),
        )
    # Brick wall on the left with mortar lines.
    _poly(img, [(0.0, 0.12), (0.30, 0.22), (0.30, 0.42), (0.0, 0.45)], (140, 72, 56))
    for k in range(1, 9):
        y0, y1 = 0.12 + k * 0.04, 0.22 + k * 0.025
        if y0 < 0.45:
            cv2.line(img, _px(0.0, y0, w, h), _px(0.30, y1, w, h), (170, 150, 135), 1, cv2.LINE_AA)
    # Sliding gate: frame and vertical bars.
    gx0, gx1, gy0, gy1 = 0.30, 0.68, 0.18, 0.42
    cv2.rectangle(img, _px(gx0, gy0, w, h), _px(gx1, gy1, w, h), (60, 66, 72), 2, cv2.LINE_AA)
    for i in range(1, 24):
        x = gx0 + (gx1 - gx0) * i / 24
        cv2.line(img, _px(x, gy0, w, h), _px(x, gy1, w, h), (70, 76, 82), 1, cv2.LINE_AA)
    # Neighbour's house with a lit window (the camera's privacy zone, top right).
    _poly(img, [(0.70, 0.0), (1.0, 0.0), (1.0, 0.40), (0.70, 0.40)], (176, 168, 150))
    _poly(img, [(0.78, 0.06), (0.93, 0.06), (0.93, 0.28), (0.78, 0.28)], (235, 220, 160))
    cv2.line(img, _px(0.855, 0.06, w, h), _px(0.855, 0.28, w, h), (90, 80, 70), 2, cv2.LINE_AA)
    cv2.line(img, _px(0.78, 0.17, w, h), _px(0.93, 0.17, w, h), (90, 80, 70), 2, cv2.LINE_AA)
    # Lamp post.
    cv2.line(img, _px(0.05, 0.05, w, h), _px(0.05, 0.55, w, h), (50, 52, 56), 3, cv2.LINE_AA)
    cv2.circle(img, _px(0.05, 0.05, w, h), max(3, h // 60), (250, 245, 210), -1, cv2.LINE_AA)
    img *= _texture(h, w, rng, 12, 0.035)


def _corridor(img: np.ndarray, rng: np.random.Generator) -> None:
    """Reception corridor in one-point perspective: side walls, floor tiles, doors, ceiling lights."""
    h, w = img.shape[:2]
    bx0, by0, bx1, by1 = 0.40, 0.30, 0.60, 0.62  # back wall
    img[:] = _vgradient(h, w, (196, 196, 188), (170, 168, 160))
    _poly(img, [(0, 0), (bx0, by0), (bx0, by1), (0, 1)], (184, 186, 176))  # left wall
    _poly(img, [(1, 0), (bx1, by0), (bx1, by1), (1, 1)], (172, 174, 166))  # right wall
    _poly(img, [(0, 0), (1, 0), (bx1, by0), (bx0, by0)], (214, 214, 208))  # ceiling
    _poly(img, [(0, 1), (1, 1), (bx1, by1), (bx0, by1)], (120, 112, 100))  # floor
    _poly(img, [(bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1)], (150, 160, 170))  # back wall
    for i in range(1, 9):  # floor tile lines towards the vanishing point
        x = i / 9
        cv2.line(img, _px(x, 1.0, w, h), _px(bx0 + (bx1 - bx0) * x, by1, w, h), (98, 92, 84), 1, cv2.LINE_AA)
    for t in (0.25, 0.5, 0.7, 0.85):  # ceiling lights
        y = by0 * (1 - t)
        x0, x1 = 0.5 - (0.5 - bx0) * (1 - t) * 0.6 - 0.05, 0.5 + (bx1 - 0.5) * (1 - t) * 0.6 + 0.05
        cv2.rectangle(img, _px(x0, y, w, h), _px(x1, y + 0.012, w, h), (250, 250, 240), -1)
    # Doors on both walls.
    _poly(img, [(0.10, 0.20), (0.22, 0.24), (0.22, 0.80), (0.10, 0.88)], (120, 84, 54))
    _poly(img, [(0.90, 0.20), (0.78, 0.24), (0.78, 0.80), (0.90, 0.88)], (112, 80, 52))
    cv2.circle(img, _px(0.20, 0.55, w, h), 2, (210, 200, 120), -1, cv2.LINE_AA)
    # A reception desk at the back right.
    _poly(img, [(0.52, 0.50), (0.62, 0.50), (0.62, 0.62), (0.52, 0.62)], (90, 70, 60))
    img *= _texture(h, w, rng, 20, 0.025)


def _yard(img: np.ndarray, rng: np.random.Generator) -> None:
    """Storage yard: shipping containers, a chain-link fence and gravel."""
    h, w = img.shape[:2]
    img[:] = _vgradient(h, w, (160, 180, 200), (205, 208, 210))
    _poly(img, [(0, 0.35), (1, 0.30), (1, 1), (0, 1)], (130, 124, 112))  # gravel
    for x0, colour in ((0.02, (40, 80, 140)), (0.30, (150, 50, 40)), (0.62, (60, 120, 70))):
        _poly(img, [(x0, 0.10), (x0 + 0.26, 0.10), (x0 + 0.26, 0.34), (x0, 0.35)], colour)
        for k in range(1, 12):
            x = x0 + 0.26 * k / 12
            cv2.line(
                img,
                _px(x, 0.11, w, h),
                _px(x, 0.34, w, h),
                tuple(int(c * 0.8) for c in colour),
                1,
                cv2.LINE_AA,
            )
    for i in range(0, 41):  # fence posts and diagonal mesh
        x = i / 40
        cv2.line(img, _px(x, 0.05, w, h), _px(x + 0.05, 0.33, w, h), (120, 124, 128), 1)
    cv2.line(img, _px(0, 0.05, w, h), _px(1, 0.05, w, h), (90, 94, 98), 2, cv2.LINE_AA)
    grain = rng.normal(1.0, 0.06, (h, w, 1)).astype(np.float32)
    lower = np.zeros((h, 1, 1), np.float32)
    lower[round(0.35 * h) :] = 1.0
    img *= _texture(h, w, rng, 16, 0.06) * (1 + lower * (grain - 1))


def _street(img: np.ndarray, rng: np.random.Generator) -> None:
    """A pedestrian square seen from high above: shop fronts at the top, paving slabs in
    perspective, a café's awning, tables and planters, a kerb and road along the bottom."""
    h, w = img.shape[:2]
    img[:] = _vgradient(h, w, (150, 146, 140), (176, 172, 164))
    # Shop fronts along the far side (top of the picture), each a different colour.
    x = 0.0
    while x < 1.0:
        width = float(rng.uniform(0.07, 0.14))
        colour = tuple(int(c) for c in rng.integers(60, 200, 3))
        _poly(img, [(x, 0.0), (x + width, 0.0), (x + width, 0.13), (x, 0.13)], colour)
        _poly(
            img,
            [(x + 0.01, 0.05), (x + width - 0.01, 0.05), (x + width - 0.01, 0.12), (x + 0.01, 0.12)],
            (70, 80, 92),
        )  # shop window
        x += width
    _poly(img, [(0.0, 0.13), (1.0, 0.13), (1.0, 0.145), (0.0, 0.145)], (120, 118, 112))
    # Paving slab joints: rows closer together far away, columns converging.
    for k in range(1, 30):
        y = 0.145 + 0.855 * (k / 30) ** 1.4
        cv2.line(img, _px(0, y, w, h), _px(1, y, w, h), (130, 126, 120), 1, cv2.LINE_AA)
    for k in range(-20, 41):
        xb = k / 20
        cv2.line(img, _px(0.5 + (xb - 0.5) * 0.55, 0.145, w, h), _px(xb, 1.0, w, h), (132, 128, 122), 1)
    # Café: awning, tables with chairs, planters.
    _poly(img, [(0.05, 0.15), (0.30, 0.15), (0.31, 0.20), (0.04, 0.20)], (150, 40, 40))
    for i in range(5):
        cx, cy = 0.07 + i * 0.05, 0.26 + 0.03 * (i % 2)
        cv2.circle(img, _px(cx, cy, w, h), max(2, round(0.012 * h)), (200, 200, 196), -1, cv2.LINE_AA)
    for i in range(8):
        cx = 0.40 + i * 0.075
        _poly(img, [(cx, 0.50), (cx + 0.03, 0.50), (cx + 0.03, 0.54), (cx, 0.54)], (70, 100, 60))
    # Kerb and road along the bottom.
    _poly(img, [(0.0, 0.93), (1.0, 0.93), (1.0, 0.945), (0.0, 0.945)], (190, 188, 180))
    _poly(img, [(0.0, 0.945), (1.0, 0.945), (1.0, 1.0), (0.0, 1.0)], (78, 80, 84))
    img *= _texture(h, w, rng, 24, 0.05)


BACKGROUNDS: dict[str, Callable[[np.ndarray, np.random.Generator], None]] = {
    "gate": _gate,
    "corridor": _corridor,
    "yard": _yard,
    "street": _street,
}
"""Scene painters by name; each fills a float32 (h, w, 3) RGB image in place."""


def render_background(kind: str, size_wh: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Paint the static background of a fixed camera.

    Args:
        kind: one of :data:`BACKGROUNDS` (``"gate"``, ``"corridor"``, ``"yard"``, ``"street"``).
        size_wh: (width, height) in pixels.
        rng: source of the texture; the same seed gives the same image.

    Returns:
        RGB image, shape (height, width, 3), uint8, with a lens vignette and CCTV-like muted colour.

    Raises:
        KeyError: unknown ``kind``.
    """
    painter = BACKGROUNDS[kind]
    w, h = size_wh
    img = np.zeros((h, w, 3), np.float32)
    painter(img, rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    img *= (1.0 - 0.18 * r2 / 2.0)[..., None]
    grey = img.mean(axis=2, keepdims=True)
    img = grey + 0.8 * (img - grey)  # cheap sensors render colours a little washed out
    return np.clip(img, 0, 255).astype(np.uint8)
