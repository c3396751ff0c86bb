"""A fixed-camera synthetic scene: people on keyframed paths over a static background, with face boxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise

import cv2
import numpy as np

from cctvkit.samplegen.background import render_background
from cctvkit.samplegen.portraits import Sprite, sprite

__all__ = ["FaceBox", "FaceTrack", "GroundTruth", "Keyframe", "Scene"]

_NOISE_BANK = 8
"""Distinct sensor-noise fields cycled through the frames (drawing fresh noise costs more than
the rest of a frame)."""

_OCCLUDED_ALPHA = 0.5
"""A face pixel counts as hidden where a sprite drawn over it has at least this coverage."""


@dataclass(frozen=True, slots=True)
class Keyframe:
    """Where a face is at one moment; positions between keyframes are linear.

    Attributes:
        t_s: time in seconds from the scene's frame 0.
        x: face-box centre, fraction of the frame width (outside [0, 1] is off screen).
        y: face-box centre, fraction of the frame height.
        size: face-box width as a fraction of the frame height (0.1 is 36 px at 640x360).
    """

    t_s: float
    x: float
    y: float
    size: float


@dataclass(frozen=True, slots=True)
class FaceTrack:
    """One person's path through the scene.

    Attributes:
        face_id: stable person id, the same in every frame and camera.
        portrait: a look from :data:`cctvkit.samplegen.portraits.PORTRAITS`.
        keyframes: at least one, sorted by time; the person exists from the first keyframe's time
            to the last one's (inclusive); a single keyframe is a person standing still for ever.
    """

    face_id: str
    portrait: str
    keyframes: tuple[Keyframe, ...]

    def __post_init__(self) -> None:
        times = [k.t_s for k in self.keyframes]
        if not times or times != sorted(times):
            raise ValueError(f"{self.face_id}: keyframes must be non-empty and sorted by time")

    def at(self, t_s: float) -> Keyframe | None:
        """Interpolate the position at ``t_s``; ``None`` when the person is not in the scene."""
        keys = self.keyframes
        if len(keys) == 1:
            return keys[0]
        eps = 1e-9
        if t_s < keys[0].t_s - eps or t_s > keys[-1].t_s + eps:
            return None
        for a, b in pairwise(keys):
            if t_s <= b.t_s + eps:
                u = 0.0 if b.t_s == a.t_s else min(1.0, max(0.0, (t_s - a.t_s) / (b.t_s - a.t_s)))
                return Keyframe(
                    t_s,
                    a.x + u * (b.x - a.x),
                    a.y + u * (b.y - a.y),
                    a.size + u * (b.size - a.size),
                )
        return keys[-1]


@dataclass(frozen=True, slots=True)
class FaceBox:
    """Ground truth for one visible face in one frame.

    Attributes:
        face_id: the person.
        xyxy: tight face box (hairline/eyebrows to chin, ear to ear) in pixels, clipped to the
            frame; x2 and y2 are exclusive edges, so ``image[y1:y2, x1:x2]`` is the face.
        visible_fraction: share of the whole (unclipped) face box that is inside the frame and not
            covered by a person drawn in front, in (0, 1].
    """

    face_id: str
    xyxy: tuple[int, int, int, int]
    visible_fraction: float

    def to_json(self) -> dict[str, object]:
        return {"face_id": self.face_id, "xyxy": list(self.xyxy), "visible_fraction": self.visible_fraction}


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """The faces in every frame of one clip.

    Attributes:
        size_wh: (width, height) in pixels.
        fps: frame rate.
        frames: for each frame index, the visible faces (possibly none).
    """

    size_wh: tuple[int, int]
    fps: Fraction
    frames: tuple[tuple[FaceBox, ...], ...]

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def face_ids(self) -> frozenset[str]:
        return frozenset(box.face_id for boxes in self.frames for box in boxes)

    def frames_json(self) -> dict[str, list[dict[str, object]]]:
        """The per-frame boxes as ``{"<frame_index>": [FaceBox.to_json(), ...]}`` (every frame)."""
        return {str(i): [box.to_json() for box in boxes] for i, boxes in enumerate(self.frames)}


@dataclass(frozen=True, slots=True)
class _Placement:
    order: int
    face_id: str
    portrait: str
    width: int  # sprite size on screen; pixels are resized only when needed
    height: int
    ox: int
    oy: int
    face_xyxy: tuple[float, float, float, float]

    def pixels(self) -> tuple[np.ndarray, np.ndarray]:
        """(premultiplied rgb, alpha) at screen size."""
        return _scaled_rgb(self.portrait, self.width, self.height), self.alpha()

    def alpha(self) -> np.ndarray:
        """Coverage at screen size (all the ground truth needs)."""
        return _scaled_alpha(self.portrait, self.width, self.height)


def _interpolation(portrait: str, width: int) -> int:
    return cv2.INTER_AREA if width < sprite(portrait).alpha.shape[1] else cv2.INTER_LINEAR


@lru_cache(maxsize=256)
def _scaled_rgb(portrait: str, width: int, height: int) -> np.ndarray:
    """The look's premultiplied colour resized to (width, height)."""
    src: Sprite = sprite(portrait)
    return cv2.resize(src.rgb, (width, height), interpolation=_interpolation(portrait, width))


@lru_cache(maxsize=512)
def _scaled_alpha(portrait: str, width: int, height: int) -> np.ndarray:
    """The look's alpha resized to (width, height)."""
    src: Sprite = sprite(portrait)
    return cv2.resize(src.alpha, (width, height), interpolation=_interpolation(portrait, width))


class Scene:
    """Render frames of one fixed camera and the matching face ground truth.

    Frames are random access and deterministic: ``render(i)`` depends only on the constructor's
    arguments and ``i``.

    Args:
        size_wh: (width, height) in pixels.
        fps: frame rate; frame ``i`` shows time ``i / fps``.
        tracks: the people.
        background: a painter from :data:`cctvkit.samplegen.background.BACKGROUNDS`.
        seed: seeds the background texture and the sensor noise.
        noise_sigma: standard deviation of the sensor noise in 8-bit levels.
    """

    def __init__(
        self,
        *,
        size_wh: tuple[int, int],
        fps: Fraction,
        tracks: Sequence[FaceTrack],
        background: str = "gate",
        seed: int = 0,
        noise_sigma: float = 2.0,
    ) -> None:
        ids = [t.face_id for t in tracks]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate face_id in tracks: {ids}")
        self.size_wh = (int(size_wh[0]), int(size_wh[1]))
        self.fps = Fraction(fps)
        self.tracks = tuple(tracks)
        self._background_name = background
        self._seed = seed
        self._noise_sigma = noise_sigma
        self._pixels: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _canvas(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Background and noise bank (positive, negative parts), made on first use: ground truth
        alone never needs them."""
        if self._pixels is None:
            w, h = self.size_wh
            rng = np.random.default_rng(self._seed)
            background = render_background(self._background_name, self.size_wh, rng)
            noise = np.rint(rng.normal(0.0, self._noise_sigma, (_NOISE_BANK, h, w, 3)))
            noise = np.clip(noise, -255, 255).astype(np.int16)
            pos = np.clip(noise, 0, 255).astype(np.uint8)
            neg = np.clip(-noise, 0, 255).astype(np.uint8)
            self._pixels = (background, pos, neg)
        return self._pixels

    def background(self) -> np.ndarray:
        """The static background, shape (height, width, 3), uint8 (shared: copy before drawing)."""
        return self._canvas()[0]

    def _placements(self, frame_index: int) -> list[_Placement]:
        """Sprites that reach into the frame, back to front (smaller faces are farther away)."""
        w, h = self.size_wh
        t_s = float(frame_index / self.fps)
        found = []
        for order, track in enumerate(self.tracks):
            key = track.at(t_s)
            if key is None or key.size <= 0:
                continue
            src = sprite(track.portrait)
            scale = key.size * h / src.face_width
            src_h, src_w = src.alpha.shape
            sw, sh = max(1, round(src_w * scale)), max(1, round(src_h * scale))
            sx, sy = sw / src_w, sh / src_h
            fx1, fy1, fx2, fy2 = src.face_xyxy
            ox = round(key.x * w - (fx1 + fx2) / 2 * sx)
            oy = round(key.y * h - (fy1 + fy2) / 2 * sy)
            if ox >= w or oy >= h or ox + sw <= 0 or oy + sh <= 0:
                continue  # nothing of this person is on screen
            face = (ox + fx1 * sx, oy + fy1 * sy, ox + fx2 * sx, oy + fy2 * sy)
            found.append(_Placement(order, track.face_id, track.portrait, sw, sh, ox, oy, face))
        found.sort(key=lambda p: (p.face_xyxy[2] - p.face_xyxy[0], p.order))
        return found

    def faces(self, frame_index: int) -> tuple[FaceBox, ...]:
        """Ground truth of frame ``frame_index`` without rendering its pixels."""
        return self._boxes(self._placements(frame_index))

    def _boxes(self, placements: list[_Placement]) -> tuple[FaceBox, ...]:
        w, h = self.size_wh
        boxes = []
        for i, p in enumerate(placements):
            fx1, fy1, fx2, fy2 = (round(v) for v in p.face_xyxy)
            full_area = max(1, (fx2 - fx1) * (fy2 - fy1))
            cx1, cy1, cx2, cy2 = max(0, fx1), max(0, fy1), min(w, fx2), min(h, fy2)
            if cx2 <= cx1 or cy2 <= cy1:
                continue
            hidden = np.zeros((cy2 - cy1, cx2 - cx1), bool)
            for q in placements[i + 1 :]:
                qw, qh = q.width, q.height
                ix1, iy1 = max(cx1, q.ox), max(cy1, q.oy)
                ix2, iy2 = min(cx2, q.ox + qw), min(cy2, q.oy + qh)
                if ix2 <= ix1 or iy2 <= iy1:
                    continue
                cover = q.alpha()[iy1 - q.oy : iy2 - q.oy, ix1 - q.ox : ix2 - q.ox]
                hidden[iy1 - cy1 : iy2 - cy1, ix1 - cx1 : ix2 - cx1] |= cover >= _OCCLUDED_ALPHA
            visible = hidden.size - int(hidden.sum())
            if visible <= 0:
                continue
            fraction = round(min(1.0, visible / full_area), 3)
            boxes.append(FaceBox(p.face_id, (cx1, cy1, cx2, cy2), max(fraction, 0.001)))
        boxes.sort(key=lambda b: b.face_id)
        return tuple(boxes)

    def body(self, frame_index: int, face_id: str) -> np.ndarray | None:
        """The pixels of one person (head and body) visible in frame ``frame_index``: where their
        sprite covers at least half and nobody drawn in front of them does (issue 26's truth).

        Returns:
            Boolean (height, width) mask, or None when the person is not on screen.
        """
        w, h = self.size_wh
        placements = self._placements(frame_index)
        mine = [i for i, p in enumerate(placements) if p.face_id == face_id]
        if not mine:
            return None
        out = np.zeros((h, w), bool)
        for i, p in enumerate(placements[mine[0] :]):
            x1, y1 = max(0, p.ox), max(0, p.oy)
            x2, y2 = min(w, p.ox + p.width), min(h, p.oy + p.height)
            if x2 <= x1 or y2 <= y1:
                continue
            cover = p.alpha()[y1 - p.oy : y2 - p.oy, x1 - p.ox : x2 - p.ox] >= _OCCLUDED_ALPHA
            if i == 0:
                out[y1:y2, x1:x2] = cover
            else:
                out[y1:y2, x1:x2] &= ~cover
        return out

    def render(
        self, frame_index: int, overlay: str | None = None, *, backdrop: np.ndarray | None = None
    ) -> tuple[np.ndarray, tuple[FaceBox, ...]]:
        """Draw frame ``frame_index``.

        Args:
            frame_index: 0-based; frame ``i`` shows time ``i / fps``.
            overlay: text burned into the top-left corner, as CCTV recorders do (e.g. a clock).
            backdrop: drawn behind the people instead of the static background: that background
                with things farther away than them already on it (e.g. cars); not modified.

        Returns:
            (RGB image of shape (height, width, 3), uint8; the visible faces sorted by face_id).
        """
        w, h = self.size_wh
        background, noise_pos, noise_neg = self._canvas()
        img = (background if backdrop is None else backdrop).copy()
        placements = self._placements(frame_index)
        for p in placements:
            pw, ph = p.width, p.height
            x1, y1 = max(0, p.ox), max(0, p.oy)
            x2, y2 = min(w, p.ox + pw), min(h, p.oy + ph)
            if x2 <= x1 or y2 <= y1:
                continue
            sub = (slice(y1 - p.oy, y2 - p.oy), slice(x1 - p.ox, x2 - p.ox))
            sprite_rgb, sprite_alpha = p.pixels()
            alpha = sprite_alpha[sub][..., None]
            roi = img[y1:y2, x1:x2].astype(np.float32)
            img[y1:y2, x1:x2] = (roi * (1.0 - alpha) + sprite_rgb[sub] + 0.5).astype(np.uint8)
        k = (frame_index * 5 + 3) % _NOISE_BANK
        cv2.add(img, noise_pos[k], dst=img)
        cv2.subtract(img, noise_neg[k], dst=img)
        if overlay:
            scale = h / 720
            org = (max(4, w // 80), max(12, round(h / 18)))
            thickness = max(1, round(h / 360))
            # Outline by offset copies: a thicker stroke would advance differently and drift.
            for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
                cv2.putText(
                    img,
                    overlay,
                    (org[0] + dx, org[1] + dy),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    scale,
                    (0, 0, 0),
                    thickness,
                    cv2.LINE_AA,
                )
            cv2.putText(
                img, overlay, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA
            )
        return img, self._boxes(placements)

    def ground_truth(self, start: int, stop: int) -> GroundTruth:
        """Faces of frames ``start`` .. ``stop - 1``, re-indexed from 0 (one file's frames)."""
        frames = tuple(self.faces(i) for i in range(start, stop))
        return GroundTruth(self.size_wh, self.fps, frames)
