"""Score a redaction against ground-truth face boxes: leaks, longest exposure, over-masking.

Used by the tests and by ``benchmarks/redact_eval.py``. A face box counts as masked when the
masker's own mask covers at least :data:`COVERED` of it, and that is checked again from the
pixels: the fine detail (high-pass) of the output must no longer correlate with the original's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

__all__ = [
    "COVERED",
    "MASKED_TEXT_CONTRAST",
    "SIZE_BANDS",
    "SMALL_FACE_BANDS",
    "GroundTruthBox",
    "RedactionScore",
    "ScoreKeeper",
    "TextTruthBox",
    "detail_correlation",
    "longest_run",
    "size_band",
    "text_exposures",
]

COVERED = 0.9
"""Share of a face box the mask must cover for the face to count as masked."""

DETAIL_LEAK = 0.5
"""High-pass correlation with the original above which a face's detail survived."""

MIN_VISIBLE = 0.5
"""Faces less visible than this (off frame, behind someone) are not scored."""

SIZE_BANDS: tuple[tuple[str, int], ...] = (("<24px", 24), ("24-48px", 48), ("48-96px", 96), (">=96px", 10**9))
"""Bands of face-box width, upper bound exclusive."""

SMALL_FACE_BANDS: tuple[tuple[str, int], ...] = (
    ("<16px", 16),
    ("16-24px", 24),
    ("24-48px", 48),
    (">=48px", 10**9),
)
"""The bands issue 17 reports (crowds and elevated cameras: most faces under 24 px)."""


MASKED_TEXT_CONTRAST = 0.35
"""A masked text line keeps under this share of its letters' contrast (a blurred plate keeps ~5 %,
a readable one all of it; the codec alone keeps ~100 %)."""


class TextTruthBox(Protocol):
    """What text scoring needs from a ground-truth line (``cctvkit.samplegen.plates`` boxes fit)."""

    text_id: str
    letters_xyxy: tuple[int, int, int, int]
    text_px: float
    visible_fraction: float


def text_exposures(
    before: Iterable[np.ndarray], after: Iterable[np.ndarray], truth: Sequence[Sequence[TextTruthBox]]
) -> dict[str, list[bool]]:
    """Per text line, per frame where it is readable (letters >= 8 px, 90 % in view): still readable
    in the output (its letters keep more than :data:`MASKED_TEXT_CONTRAST` of their contrast)?"""
    exposed: dict[str, list[bool]] = {}
    for index, (original, output) in enumerate(zip(before, after, strict=True)):
        for box in truth[index]:
            if box.visible_fraction < 0.9 or box.text_px < 8:
                continue
            x1, y1, x2, y2 = box.letters_xyxy
            contrast = original[y1:y2, x1:x2].mean(axis=2).std()
            left = output[y1:y2, x1:x2].mean(axis=2).std()
            exposed.setdefault(box.text_id, []).append(bool(left > MASKED_TEXT_CONTRAST * contrast))
    return exposed


def longest_run(flags: Iterable[bool]) -> int:
    """The longest run of consecutive true flags (frames a face or a line stayed exposed)."""
    longest = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    return longest


class GroundTruthBox(Protocol):
    """What scoring needs from a ground-truth face (``cctvkit.samplegen.FaceBox`` fits)."""

    face_id: str
    xyxy: tuple[int, int, int, int]
    visible_fraction: float


def size_band(width_px: float, bands: Sequence[tuple[str, int]] = SIZE_BANDS) -> str:
    """Name the ``bands`` entry (default :data:`SIZE_BANDS`) for a face ``width_px`` wide."""
    for name, upper in bands:
        if width_px < upper:
            return name
    return bands[-1][0]


def detail_correlation(original: np.ndarray, output: np.ndarray) -> float:
    """Correlation of the fine detail (image minus its blur, grey) of two equal-sized patches.

    Near 1 for the same face re-encoded, near 0 once the face is blurred, pixelated or filled.

    Args:
        original: RGB patch, shape (h, w, 3), uint8.
        output: RGB patch of the same shape.

    Returns:
        Pearson correlation in [-1, 1]; 0 when either patch has no detail.
    """
    grey = [cv2.cvtColor(p, cv2.COLOR_RGB2GRAY).astype(np.float32) for p in (original, output)]
    detail = [g - cv2.GaussianBlur(g, (0, 0), 1.5) for g in grey]
    a, b = (d.ravel() - d.mean() for d in detail)
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 0.0


@dataclass(slots=True)
class RedactionScore:
    """Totals over a clip.

    Attributes:
        scored: face boxes scored per size band.
        leaked: of those, boxes not masked (by mask coverage or by pixels) per band.
        leaked_by_pixels: boxes whose detail survived in the output pixels.
        longest_exposure: most consecutive frames any one face was exposed.
        longest_by_band: the same per band (a run counts in the band of its last frame).
        longest_exposed_face: which face.
        over_masked_fraction: share of masked pixels outside every face's head region.
        kept_scored: boxes of kept faces scored.
        kept_masked: of those, boxes more than 10 % masked.
        frames: frames scored.
    """

    scored: dict[str, int] = field(default_factory=lambda: {name: 0 for name, _ in SIZE_BANDS})
    leaked: dict[str, int] = field(default_factory=lambda: {name: 0 for name, _ in SIZE_BANDS})
    leaked_by_pixels: int = 0
    longest_exposure: int = 0
    longest_by_band: dict[str, int] = field(default_factory=lambda: {name: 0 for name, _ in SIZE_BANDS})
    longest_exposed_face: str | None = None
    over_masked_fraction: float = 0.0
    kept_scored: int = 0
    kept_masked: int = 0
    frames: int = 0

    @property
    def leak_rate(self) -> float:
        """Share of all scored third-party face boxes that leaked."""
        total = sum(self.scored.values())
        return sum(self.leaked.values()) / total if total else 0.0

    @property
    def kept_masked_rate(self) -> float:
        """Share of kept-face boxes that were masked."""
        return self.kept_masked / self.kept_scored if self.kept_scored else 0.0

    def band_rate(self, band: str) -> float | None:
        """Share of the band's boxes that leaked (``None``: none scored)."""
        return self.leaked[band] / self.scored[band] if self.scored.get(band) else None


class ScoreKeeper:
    """Accumulate a :class:`RedactionScore` frame by frame.

    Args:
        kept_faces: ground-truth face ids that were meant to stay visible.
        head_scale: a face box enlarged this much is its head: masking there is not over-masking.
        bands: face-width bands to count in (default :data:`SIZE_BANDS`).
    """

    def __init__(
        self,
        kept_faces: Iterable[str] = (),
        *,
        head_scale: float = 2.0,
        bands: Sequence[tuple[str, int]] = SIZE_BANDS,
    ) -> None:
        self.kept = frozenset(kept_faces)
        self.head_scale = head_scale
        self.bands = tuple(bands)
        self.score = RedactionScore(
            scored={name: 0 for name, _ in self.bands},
            leaked={name: 0 for name, _ in self.bands},
            longest_by_band={name: 0 for name, _ in self.bands},
        )
        self._run: dict[str, int] = {}
        self._masked_px = 0
        self._outside_px = 0

    def add(
        self,
        truth: Sequence[GroundTruthBox],
        mask: np.ndarray,
        original: np.ndarray | None = None,
        output: np.ndarray | None = None,
    ) -> list[str]:
        """Score one frame.

        Args:
            truth: the frame's ground-truth faces.
            mask: the masker's boolean (height, width) mask for the frame.
            original: the input frame (RGB) for the pixel check, if available.
            output: the decoded output frame (RGB), same size.

        Returns:
            Ids of the third-party faces exposed in this frame.
        """
        score = self.score
        score.frames += 1
        exposed = []
        heads = np.zeros(mask.shape, bool)
        height, width = mask.shape
        kept_boxes = [b.xyxy for b in truth if b.face_id in self.kept]
        for box in truth:
            x1, y1, x2, y2 = box.xyxy
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            hw, hh = (x2 - x1) * self.head_scale / 2, (y2 - y1) * self.head_scale / 2
            heads[
                max(0, int(cy - hh)) : min(height, int(cy + hh) + 1),
                max(0, int(cx - hw)) : min(width, int(cx + hw) + 1),
            ] = True
            if box.visible_fraction < MIN_VISIBLE or x2 <= x1 or y2 <= y1:
                continue
            coverage = _coverage(mask, box.xyxy, [] if box.face_id in self.kept else kept_boxes)
            detail_kept = False
            if original is not None and output is not None:
                detail_kept = detail_correlation(original[y1:y2, x1:x2], output[y1:y2, x1:x2]) > DETAIL_LEAK
            if box.face_id in self.kept:
                score.kept_scored += 1
                score.kept_masked += coverage > 0.1
                continue
            band = size_band(x2 - x1, self.bands)
            score.scored[band] += 1
            leaked = coverage < COVERED or detail_kept
            score.leaked[band] += leaked
            score.leaked_by_pixels += detail_kept
            run = self._run.get(box.face_id, 0) + 1 if leaked else 0
            self._run[box.face_id] = run
            score.longest_by_band[band] = max(score.longest_by_band[band], run)
            if run > score.longest_exposure:
                score.longest_exposure, score.longest_exposed_face = run, box.face_id
            if leaked:
                exposed.append(box.face_id)
        for face_id in set(self._run) - {b.face_id for b in truth}:
            self._run[face_id] = 0  # out of view ends a run
        self._masked_px += int(mask.sum())
        self._outside_px += int((mask & ~heads).sum())
        score.over_masked_fraction = self._outside_px / self._masked_px if self._masked_px else 0.0
        return exposed


def _coverage(
    mask: np.ndarray, xyxy: tuple[int, int, int, int], kept_xyxy: Sequence[tuple[int, int, int, int]]
) -> float:
    """Share of a face box masked, leaving out where a kept face at least as tall (nearer the
    camera, in front) hides it: those pixels are the kept face's, rightly visible (issue #13)."""
    x1, y1, x2, y2 = xyxy
    own = np.ones((y2 - y1, x2 - x1), bool)
    for kx1, ky1, kx2, ky2 in kept_xyxy:
        if ky2 - ky1 >= y2 - y1:
            own[max(0, ky1 - y1) : max(0, ky2 - y1), max(0, kx1 - x1) : max(0, kx2 - x1)] = False
    if not own.any():
        return 1.0
    return float(mask[y1:y2, x1:x2][own].mean())
