"""The vehicle gate with readable text: cars with number plates and a person with a name badge.

Exact truth for text masking (issue 29). Cars are seen from the front, drawn with OpenCV; each
carries a plate whose letters are ``text_px`` tall (8-40 px by default), and a car driving in
through the gate grows from the smallest to the largest size. One car is parked (still: only a
full-frame pass can find its plate on a fixed camera). A person walking along the kerb wears a
name badge on the chest. The truth is the plate's and the badge card's rectangle per frame with
its letter height and visible share, so "readable" (letters >= 8 px, mostly in view) is decided
by the measurement, not here.

``text=False`` draws the same scene with blank plates and badges (a text-free clip with the same
shapes and motion), for measuring masks drawn where there is no text.

Plates and names are made up from the seed; no real person or vehicle is depicted.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np

from cctvkit.samplegen.portraits import PORTRAITS
from cctvkit.samplegen.scene import FaceBox, FaceTrack, Keyframe, Scene
from cctvkit.video.writer import VideoWriter

__all__ = [
    "GateText",
    "GateTextTruth",
    "TextBox",
    "TextKey",
    "TextTrack",
    "gate_text_scene",
    "write_gate_text_clip",
]

_PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_NAMES = ("R. OKAFOR", "J. LINDQVIST", "M. ROSSI", "A. NOWAK", "S. TANAKA", "L. MARTIN")
_FONT = cv2.FONT_HERSHEY_DUPLEX

# Proportions from a UK plate (520 x 111 mm, letters 79 mm) and a 1.8 m wide car, in letter heights.
_PLATE_W, _PLATE_H = 6.6, 1.45
_CAR_W, _CAR_H = 23.0, 12.5
_PLATE_Y = 0.80  # plate centre, as a fraction of the car body's height from its top
_BADGE_W, _BADGE_H = 7.5, 2.6  # the name badge card, in letter heights
_NOISE_BANK = 6
_HIDDEN_ALPHA = 0.5


@dataclass(frozen=True, slots=True)
class TextKey:
    """Where a text carrier is at one moment; linear in between.

    Attributes:
        t_s: time from frame 0.
        x: the plate's (or badge's) centre, fraction of the frame width.
        y: its centre, fraction of the frame height.
        text_px: letter height in pixels.
    """

    t_s: float
    x: float
    y: float
    text_px: float


@dataclass(frozen=True, slots=True)
class TextTrack:
    """A car (``kind="plate"``) on keyframed positions; a badge follows its wearer's face instead.

    Attributes:
        text_id: stable id (``car-1``).
        kind: ``plate``.
        text: what the plate says (drawn only; never part of the truth a test compares).
        colour: car body colour (RGB).
        keys: sorted by time; one key is a parked car.
    """

    text_id: str
    kind: str
    text: str
    colour: tuple[int, int, int]
    keys: tuple[TextKey, ...]

    def at(self, t_s: float) -> TextKey | None:
        """Interpolated position at ``t_s``; ``None`` outside the track's time."""
        keys = self.keys
        if len(keys) == 1:
            return keys[0]
        if t_s < keys[0].t_s - 1e-9 or t_s > keys[-1].t_s + 1e-9:
            return None
        for a, b in pairwise(keys):
            if t_s <= b.t_s + 1e-9:
                u = min(1.0, max(0.0, (t_s - a.t_s) / (b.t_s - a.t_s))) if b.t_s > a.t_s else 0.0
                return TextKey(
                    t_s,
                    a.x + u * (b.x - a.x),
                    a.y + u * (b.y - a.y),
                    a.text_px + u * (b.text_px - a.text_px),
                )
        return keys[-1]


@dataclass(frozen=True, slots=True)
class TextBox:
    """Truth for one text carrier in one frame.

    Attributes:
        text_id: ``car-N`` or ``badge-N``.
        kind: ``plate`` or ``badge``.
        xyxy: the plate's (badge card's) rectangle in pixels, clipped; x2, y2 exclusive.
        letters_xyxy: the box of its letters (drawn or, on the text-free clip, where they
            would be), clipped to the rectangle: what must be masked for the text to be unreadable.
        text_px: its letters' height in pixels.
        visible_fraction: share of the whole rectangle inside the frame and not behind a nearer car.
    """

    text_id: str
    kind: str
    xyxy: tuple[int, int, int, int]
    letters_xyxy: tuple[int, int, int, int]
    text_px: float
    visible_fraction: float

    def to_json(self) -> dict[str, object]:
        return {
            "text_id": self.text_id,
            "kind": self.kind,
            "xyxy": list(self.xyxy),
            "letters_xyxy": list(self.letters_xyxy),
            "text_px": round(self.text_px, 2),
            "visible_fraction": self.visible_fraction,
        }


@dataclass(frozen=True, slots=True)
class GateTextTruth:
    """Text and faces in every frame of one clip.

    Attributes:
        size_wh: (width, height).
        fps: frame rate.
        text: per frame, the text carriers in view (possibly none).
        faces: per frame, the visible faces (the badge wearer's).
    """

    size_wh: tuple[int, int]
    fps: Fraction
    text: tuple[tuple[TextBox, ...], ...]
    faces: tuple[tuple[FaceBox, ...], ...]

    @property
    def frame_count(self) -> int:
        return len(self.text)

    def frames_json(self) -> dict[str, dict[str, list[dict[str, object]]]]:
        """``{"<frame>": {"text": [...], "faces": [...]}}`` for every frame."""
        return {
            str(i): {"text": [b.to_json() for b in text], "faces": [f.to_json() for f in faces]}
            for i, (text, faces) in enumerate(zip(self.text, self.faces, strict=True))
        }


@dataclass(frozen=True, slots=True)
class _Car:
    track: TextTrack
    key: TextKey
    body: tuple[int, int, int, int]  # x1, y1, x2, y2 (may reach outside the frame)
    plate: tuple[int, int, int, int]


class GateText:
    """Render the gate scene with cars, plates and a badge; frames are random access.

    Args:
        size_wh: (width, height).
        fps: frame rate.
        cars: the cars.
        walker: the badge wearer (a face track), or ``None``.
        badge_name: the name printed on the badge.
        text: draw letters (``False``: blank plates and badges, the text-free clip).
        seed: seeds the background, noise and looks.
    """

    def __init__(
        self,
        *,
        size_wh: tuple[int, int],
        fps: Fraction,
        cars: tuple[TextTrack, ...],
        walker: FaceTrack | None,
        badge_name: str,
        text: bool = True,
        seed: int = 0,
    ) -> None:
        self.size_wh = size_wh
        self.fps = fps
        self.cars = cars
        self.walker = walker
        self.badge_name = badge_name
        self.text = text
        # The walker is nearest the camera: cars are drawn on the backdrop the walker passes in
        # front of, and the noise goes on last, over everything, as a camera's would.
        self._people = Scene(
            size_wh=size_wh,
            fps=fps,
            tracks=(walker,) if walker else (),
            background="gate",
            seed=seed,
            noise_sigma=0.0,
        )
        rng = np.random.default_rng(seed + 1)
        w, h = size_wh
        noise = np.clip(np.rint(rng.normal(0.0, 2.0, (_NOISE_BANK, h, w, 3))), -255, 255).astype(np.int16)
        self._noise = (np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8))

    def _cars(self, frame_index: int) -> list[_Car]:
        """Cars in view, far (small) first so nearer cars are drawn over them."""
        w, h = self.size_wh
        t_s = float(frame_index / self.fps)
        found = []
        for track in self.cars:
            key = track.at(t_s)
            if key is None:
                continue
            t = key.text_px
            cx, cy = key.x * w, key.y * h
            pw, ph = _PLATE_W * t, _PLATE_H * t
            bw, bh = _CAR_W * t, _CAR_H * t
            top = cy - _PLATE_Y * bh
            body = (round(cx - bw / 2), round(top), round(cx + bw / 2), round(top + bh))
            plate = (round(cx - pw / 2), round(cy - ph / 2), round(cx + pw / 2), round(cy + ph / 2))
            if body[0] >= w or body[1] >= h or body[2] <= 0 or body[3] <= 0:
                continue
            found.append(_Car(track, key, body, plate))
        found.sort(key=lambda c: c.key.text_px)
        return found

    def _walker(
        self, frame_index: int
    ) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int], float] | None:
        """Where the walker covers the scene (a box from the face down, generous), the badge card
        on the chest (x1, y1, x2, y2) and its letter height."""
        if self.walker is None:
            return None
        key = self.walker.at(float(frame_index / self.fps))
        if key is None:
            return None
        w, h = self.size_wh
        face_w = key.size * h
        fx, fy = key.x * w, key.y * h
        body = (round(fx - 1.8 * face_w), round(fy - 0.8 * face_w), round(fx + 1.8 * face_w), h)
        t = face_w * 0.16  # a 60 mm badge on a 150 mm face: letters ~ a sixth of the face width
        cx, cy = fx + 0.18 * face_w, fy + 1.55 * face_w
        bw, bh = _BADGE_W * t, _BADGE_H * t
        badge = (round(cx - bw / 2), round(cy - bh / 2), round(cx + bw / 2), round(cy + bh / 2))
        return body, badge, t

    def render(self, frame_index: int) -> tuple[np.ndarray, tuple[TextBox, ...], tuple[FaceBox, ...]]:
        """Draw frame ``frame_index``: (RGB uint8 image, text truth, face truth)."""
        backdrop = self._people.background().copy()
        cars = self._cars(frame_index)
        for car in cars:
            self._draw_car(backdrop, car)
        img, faces = self._people.render(frame_index, backdrop=backdrop)
        walker = self._walker(frame_index)
        if walker is not None:
            self._draw_badge(img, walker[1], walker[2])
        k = (frame_index * 5 + 1) % _NOISE_BANK
        cv2.add(img, self._noise[0][k], dst=img)
        cv2.subtract(img, self._noise[1][k], dst=img)
        return img, self._truth(cars, walker), faces

    def truth(self, frame_index: int) -> tuple[tuple[TextBox, ...], tuple[FaceBox, ...]]:
        """The truth of ``frame_index`` without drawing it."""
        return self._truth(self._cars(frame_index), self._walker(frame_index)), self._people.faces(
            frame_index
        )

    def _truth(
        self,
        cars: list[_Car],
        walker: tuple[tuple[int, int, int, int], tuple[int, int, int, int], float] | None,
    ) -> tuple[TextBox, ...]:
        w, h = self.size_wh
        carriers = []
        for i, c in enumerate(cars):
            letters = _letters(
                c.track.text, (c.plate[0] + c.plate[2]) / 2, (c.plate[1] + c.plate[3]) / 2, c.key.text_px
            )[3]
            nearer = [x.body for x in cars[i + 1 :]] + (
                [walker[0]] if walker else []
            )  # the walker is nearest
            carriers.append((c.track.text_id, "plate", c.plate, letters, c.key.text_px, nearer))
        if walker is not None:
            letters = _letters(self.badge_name, *_badge_text_centre(walker[1], walker[2]), walker[2])[3]
            carriers.append(("badge-1", "badge", walker[1], letters, walker[2], []))
        boxes = []
        for text_id, kind, (x1, y1, x2, y2), letters, text_px, nearer in carriers:
            area = max(1, (x2 - x1) * (y2 - y1))
            cx1, cy1, cx2, cy2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
            if cx2 <= cx1 or cy2 <= cy1:
                continue
            hidden = np.zeros((cy2 - cy1, cx2 - cx1), bool)
            for bx1, by1, bx2, by2 in nearer:
                ix1, iy1, ix2, iy2 = max(cx1, bx1), max(cy1, by1), min(cx2, bx2), min(cy2, by2)
                if ix2 > ix1 and iy2 > iy1:
                    hidden[iy1 - cy1 : iy2 - cy1, ix1 - cx1 : ix2 - cx1] = True
            visible = hidden.size - int(hidden.sum())
            if visible <= 0:
                continue
            lx1, ly1, lx2, ly2 = letters
            letters = (max(cx1, lx1), max(cy1, ly1), min(cx2, lx2), min(cy2, ly2))
            fraction = round(visible / area, 3)
            boxes.append(TextBox(text_id, kind, (cx1, cy1, cx2, cy2), letters, float(text_px), fraction))
        boxes.sort(key=lambda b: b.text_id)
        return tuple(boxes)

    def _draw_car(self, img: np.ndarray, car: _Car) -> None:
        t = car.key.text_px
        x1, y1, x2, y2 = car.body
        colour = car.track.colour
        bw, bh = x2 - x1, y2 - y1
        # Wheels, body, windscreen, lights, grille: enough shape for a car, no letters.
        wheel = (30, 30, 32)
        cv2.rectangle(img, (x1 + bw // 12, y2 - bh // 8), (x1 + bw // 4, y2 + bh // 12), wheel, -1)
        cv2.rectangle(img, (x2 - bw // 4, y2 - bh // 8), (x2 - bw // 12, y2 + bh // 12), wheel, -1)
        cv2.rectangle(img, (x1 + bw // 8, y1), (x2 - bw // 8, y1 + bh // 2), colour, -1, cv2.LINE_AA)
        cv2.rectangle(img, (x1, y1 + bh * 2 // 5), (x2, y2), colour, -1, cv2.LINE_AA)
        glass = tuple(int(0.35 * c + 40) for c in colour)
        cv2.rectangle(img, (x1 + bw // 6, y1 + bh // 14), (x2 - bw // 6, y1 + bh * 2 // 5), glass, -1)
        lamp = (240, 236, 200)
        cv2.rectangle(img, (x1 + bw // 20, y1 + bh // 2), (x1 + bw // 5, y1 + bh * 3 // 5), lamp, -1)
        cv2.rectangle(img, (x2 - bw // 5, y1 + bh // 2), (x2 - bw // 20, y1 + bh * 3 // 5), lamp, -1)
        grille = tuple(int(0.6 * c) for c in colour)
        cv2.rectangle(img, (x1 + bw // 3, y1 + bh // 2), (x2 - bw // 3, y1 + bh * 5 // 8), grille, -1)
        px1, py1, px2, py2 = car.plate
        cv2.rectangle(img, (px1, py1), (px2, py2), (238, 238, 232), -1)
        cv2.rectangle(img, (px1, py1), (px2, py2), (20, 20, 20), max(1, round(t / 16)))
        if self.text:
            _centred_text(img, car.track.text, (px1 + px2) / 2, (py1 + py2) / 2, t)

    def _draw_badge(self, img: np.ndarray, box: tuple[int, ...], t: float) -> None:
        x1, y1, x2, y2 = box
        cv2.rectangle(img, (x1, y1), (x2, y2), (246, 246, 246), -1)
        cv2.rectangle(img, (x1, y1), (x2, y1 + max(1, round(0.35 * t))), (30, 70, 160), -1)
        if self.text:
            _centred_text(img, self.badge_name, *_badge_text_centre(box, t), t)


def _letters(
    text: str, cx: float, cy: float, text_px: float
) -> tuple[tuple[int, int], float, int, tuple[int, int, int, int]]:
    """How to draw ``text`` with capitals ``text_px`` tall centred on (cx, cy): (origin, font
    scale, thickness, the letters' box x1, y1, x2, y2)."""
    thickness = max(1, round(text_px / 9))
    scale = cv2.getFontScaleFromHeight(_FONT, max(1, round(text_px)), thickness)
    (tw, th), _ = cv2.getTextSize(text, _FONT, scale, thickness)
    org = (round(cx - tw / 2), round(cy + th / 2))
    pad = thickness  # strokes reach past the nominal box by about their width
    return org, scale, thickness, (org[0] - pad, org[1] - th - pad, org[0] + tw + pad, org[1] + pad)


def _centred_text(img: np.ndarray, text: str, cx: float, cy: float, text_px: float) -> None:
    org, scale, thickness, _box = _letters(text, cx, cy, text_px)
    cv2.putText(img, text, org, _FONT, scale, (15, 15, 15), thickness, cv2.LINE_AA)


def _badge_text_centre(box: tuple[int, ...], t: float) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2 + 0.15 * t


def _plate(rng: np.random.Generator) -> str:
    def letters(n: int) -> str:
        return "".join(_PLATE_LETTERS[int(i)] for i in rng.integers(len(_PLATE_LETTERS), size=n))

    return f"{letters(2)}{int(rng.integers(10, 100))} {letters(3)}"


def gate_text_scene(
    *,
    size_wh: tuple[int, int] = (1920, 1080),
    fps: float | Fraction = 25,
    seconds: float = 6.0,
    text_px: tuple[float, float] = (8.0, 40.0),
    text: bool = True,
    seed: int = 0,
) -> GateText:
    """The gate scene: one car driving in through the gate (plate letters growing from
    ``text_px[0]`` to ``text_px[1]``), two crossing at fixed sizes in between, one parked at the
    smallest size, and a walker along the kerb with a name badge.

    Args:
        size_wh: (width, height), both even.
        fps: frame rate.
        seconds: how long the scene runs (the cars' paths fit into it).
        text_px: smallest and largest plate letter height in pixels.
        text: ``False`` for the text-free clip (blank plates and badge).
        seed: seeds plates, names, colours, background and noise.
    """
    fps = Fraction(fps).limit_denominator(1001)
    rng = np.random.default_rng(seed)
    lo, hi = text_px
    colours = [(150, 30, 30), (40, 60, 120), (200, 200, 205), (35, 35, 38), (90, 110, 70)]
    order = rng.permutation(len(colours))
    s = float(seconds)

    def car(i: int, keys: tuple[TextKey, ...]) -> TextTrack:
        return TextTrack(f"car-{i}", "plate", _plate(rng), colours[int(order[i - 1])], keys)

    mid = (lo + hi) / 2
    cars = (
        # Driving in: from the gate (far, small) down to the bottom edge (near, large) and out.
        car(1, (TextKey(0.0, 0.36, 0.47, lo), TextKey(0.85 * s, 0.42, 0.84, hi), TextKey(s, 0.43, 1.05, hi))),
        # Crossing left to right and right to left at two distances.
        car(2, (TextKey(0.1 * s, -0.12, 0.62, mid), TextKey(0.9 * s, 1.12, 0.62, mid))),
        car(3, (TextKey(0.0, 1.05, 0.52, (lo + mid) / 2), TextKey(s, -0.05, 0.52, (lo + mid) / 2))),
        # Parked by the wall: still, only a full-frame pass sees it on a fixed camera.
        car(4, (TextKey(0.0, 0.12, 0.50, lo),)),
    )
    face = 70.0 / 1080  # the walker's face, as a share of the frame height: badge letters ~ 11 px at 1080p
    walker = FaceTrack(
        "walker-1",
        PORTRAITS[int(rng.integers(len(PORTRAITS)))],
        (Keyframe(0.0, 0.97, 0.30, face), Keyframe(s, 0.80, 0.30, face)),
    )
    name = _NAMES[int(rng.integers(len(_NAMES)))]
    return GateText(size_wh=size_wh, fps=fps, cars=cars, walker=walker, badge_name=name, text=text, seed=seed)


def write_gate_text_clip(
    path: Path,
    *,
    size_wh: tuple[int, int] = (1920, 1080),
    fps: float | Fraction = 25,
    seconds: float = 6.0,
    text_px: tuple[float, float] = (8.0, 40.0),
    text: bool = True,
    seed: int = 0,
    crf: int = 20,
) -> GateTextTruth:
    """Encode the gate text scene to H.264 and return its exact per-frame truth.

    Example: ``write_gate_text_clip(tmp / "gate.mp4", size_wh=(1280, 720), fps=10, seconds=4)``.

    Raises:
        VideoError: odd frame size or encoder failure.
    """
    scene = gate_text_scene(size_wh=size_wh, fps=fps, seconds=seconds, text_px=text_px, text=text, seed=seed)
    count = max(1, round(seconds * scene.fps))
    text_truth, face_truth = [], []
    w, h = size_wh
    with VideoWriter(
        Path(path), width=w, height=h, fps=scene.fps, preset="veryfast", crf=crf, threads=1
    ) as out:
        for i in range(count):
            image, boxes, faces = scene.render(i)
            out.write(image)
            text_truth.append(boxes)
            face_truth.append(faces)
    return GateTextTruth(scene.size_wh, scene.fps, tuple(text_truth), tuple(face_truth))
