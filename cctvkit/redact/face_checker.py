"""Scan a rendered (redacted) video for faces still visible, with models the first pass does not use.

The first pass masks what CenterFace finds. Its blind spots (small, dark, turned faces) would be
the check's blind spots too if the same model checked the output, so the face check runs

* **RetinaFace-MobileNet0.25** (:class:`~cctvkit.redact.detectors.retinaface.RetinaFaceDetector`,
  a different architecture and training run) at native resolution: the whole frame on the first
  checked frame, every ``native_full_every``-th and where the areas below cover most of it;
  between, only where the output changed since the last checked frame, where masks are or just
  were, and a sweeping tile (unchanged pixels were checked on an earlier frame), and
* **RetinaFace on 2x zoomed crops** for faces under ~24 px, which it does not find natively
  (issue 25: the zoomed check was CenterFace, the first pass's own family, and shared its blind
  spots at exactly the sizes where the first pass fails; no CenterFace in the face check now):
  on the areas that changed since the previous checked frame (people move;
  :class:`~cctvkit.redact.motion.MotionRegions` on the output) that no near masked or kept
  person's body explains (:mod:`~cctvkit.redact.person_motion`), where small masks just ended,
  plus one tile of a sweeping grid per checked frame; when the
  changes cover most of the frame (a moving camera, a crowd) the whole frame is zoomed every
  ``busy_zoom_every`` checked frames and only the sweep tile between (the cost is measured in
  ``benchmarks/README.md``).

A face found where the frame is already masked (its centre inside a masked head ellipse or a
privacy zone) is the mask itself, still face-shaped: not a finding. A face on a kept track's box
is the subject, left visible on purpose: skipped and counted, never re-masked.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import supervision as sv

from cctvkit.redact.boxes import merge_boxes, tile_grid
from cctvkit.redact.detectors.base import DetectorInfo, FaceDetector
from cctvkit.redact.face_check import FaceCheckSummary, Finding
from cctvkit.redact.finding_verdict import evidence_crop, judge, left_to_operator
from cctvkit.redact.masking import mask_heads
from cctvkit.redact.motion import MotionRegions
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.person_motion import bodies, unexplained
from cctvkit.redact.weights import load_manifest
from cctvkit.redact.zoom_sweep import ZoomSweep

__all__ = [
    "NOT_JUDGED",
    "FaceChecker",
    "Finding",
    "RenderedBoxes",
    "build_face_checker",
    "check_and_remask",
    "face_check_identity",
    "frames_to_check",
    "load_face_check_detectors",
]

log = logging.getLogger(__name__)

_SWEEP_OVERLAP_PX = 96
"""Overlap of the sweep's tiles (:class:`~cctvkit.redact.zoom_sweep.ZoomSweep`'s grid)."""

_SWEEP_REVISIT = 4
"""A sweep tile whose output did not change since it was last checked is skipped (the same
pixels give the same faces), but checked again after at most this many rotations."""

NOT_JUDGED = "not judged"
"""A finding's verdict in the summary's counts when there was no original to judge it against."""

_NATIVE_MARGIN_PX = 32
"""Added around each area RetinaFace checks between whole frames: a face at its edge is whole."""

_ZOOM_MAX_FACE_PX = 48.0
"""Widest face (frame pixels) the zoomed check reports: it is there for faces under ~24 px, and
larger ones are the native check's. RetinaFace on the zoomed crops at 0.3 fires on textures
60-180 px wide: on the generated street (first-pass output, 10 checked frames) 14 of its 15
findings were such boxes, none a face; on the crowd 8 of 11; capped, the true faces found stay
(1 and 3) where a threshold of 0.5 instead kept 1 of the crowd's 3 (issue 25)."""

_NATIVE_WHOLE_SHARE = 0.8
"""Share of the frame the areas to check natively may cover before the whole frame is checked
instead: RetinaFace's time follows the pixels it sees (a call costs 2-3 ms apart), so crops covering
half the frame cost about half of it. At 0.5 (the share at which the zoom calls a frame busy) the
yard's checked frames with near people walking were checked whole: native pixels 26.2 -> 21.2 Mpx
for its 20 checked frames (issue 25)."""

_FULL_TILE_WH = (1024, 576)
"""Tiles when the whole frame is zoomed (a 2x2 grid at 1080p: 1.1x the frame's pixels, where
the sweep grid's overlaps would detect 1.9x)."""


@dataclass(slots=True)
class RenderedBoxes:
    """What one rendered frame masked and left visible, as the face check needs it.

    Attributes:
        masked: face boxes masked (n, 4), pixels (the masker enlarges them to heads).
        kept: kept tracks' face boxes (m, 4), left visible.
    """

    masked: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    kept: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))


class FaceChecker:
    """Find faces in rendered frames that are neither masked nor kept.

    Args:
        retina: the native whole-frame detector (a second model family).
        zoomed: the detector run on 2x zoomed crops (RetinaFace too: another family than the
            first pass's).
        resolution_wh: frame (width, height).
        options: thresholds, zoom and busy handling.
        mask_scale: the masker's head enlargement (a masked face box covers this much).
        zone_mask: boolean (height, width) privacy-zone mask, or ``None``.
    """

    def __init__(
        self,
        retina: FaceDetector,
        zoomed: FaceDetector,
        resolution_wh: tuple[int, int],
        *,
        options: FaceCheckOptions | None = None,
        mask_scale: float = 1.6,
        zone_mask: np.ndarray | None = None,
    ) -> None:
        self.retina, self.zoomed = retina, zoomed
        self.options = options or FaceCheckOptions()
        self.resolution_wh = resolution_wh
        self.mask_scale = mask_scale
        self.zone_mask = zone_mask
        self.motion = MotionRegions(resolution_wh)
        self.changes = MotionRegions(resolution_wh, learning_rate=1.0)
        """Changes since the previous checked frame only (the zoomed check's: pixels that did not
        change were zoomed then, or are the sweep's; ``motion`` also keeps a walker's trail)."""
        self.sweep = self._new_sweep()
        self.full_tiles = tile_grid(resolution_wh, _FULL_TILE_WH, 64)
        self._busy_calls = 0
        self.kept_skipped = 0
        """Faces seen on kept tracks' boxes (the subject, not re-masked)."""
        self.zoomed_px = 0
        """Pixels detected on zoomed crops (after zooming), for the benchmarks."""
        self.native_px = 0
        """Pixels RetinaFace checked natively, for the benchmarks."""
        self._native_calls = 0
        self._last_heads = np.empty((0, 4))
        self.masked_blobs = 0
        """Findings dropped because the output already masks their place (judged on the original)."""
        self.evidence: dict[tuple[int, tuple[float, float, float, float]], np.ndarray] = {}
        """Original beside output around each blocking finding, by (frame, box)."""

    @property
    def models(self) -> list[DetectorInfo]:
        """The detectors that check, for reports (each once: the zoomed check's int8 copy apart)."""
        if self.zoomed is self.retina:
            return [self.retina.info]
        return [self.retina.info, self.zoomed.info]

    def reset(self) -> None:
        """Forget motion history (before checking another, non-consecutive set of frames): the
        next frame is checked whole."""
        self.motion = MotionRegions(self.resolution_wh)
        self.changes = MotionRegions(self.resolution_wh, learning_rate=1.0)
        self._native_calls = 0
        self._last_heads = np.empty((0, 4))
        self.sweep = self._new_sweep()

    def _new_sweep(self) -> ZoomSweep:
        zoom, overlap = self.options.zoom, _SWEEP_OVERLAP_PX
        return ZoomSweep(self.resolution_wh, 1, zoom, _SWEEP_REVISIT, overlap_px=overlap)

    def detect(
        self,
        frame_rgb: np.ndarray,
        heads: np.ndarray | None = None,
        only: np.ndarray | None = None,
        people: np.ndarray | None = None,
    ) -> list[tuple[np.ndarray, float, str]]:
        """All faces both models see on one frame: (xyxy, score, model), merged by NMS.

        Args:
            frame_rgb: the rendered frame.
            heads: the masked head boxes (n, 4) on this frame: looked at natively whatever the
                motion (a mask that ended or moved may change little of a cell's mean).
            only: look only at these areas (n, 4), natively and zoomed (a re-check: the rest of
                the frame is as it was when it was checked whole); None: as the class says.
            people: face boxes (n, 4) masked or kept on this frame: changes their bodies cover
                now are not zoomed (where they walked from is: it may reveal a small face behind
                them; :mod:`~cctvkit.redact.person_motion`, ``FaceCheckOptions.explained_face_px``).
        """
        found: list[tuple[np.ndarray, float, str]] = []
        if only is not None:
            native_crops = zoom_crops = self._grown(np.asarray(only, np.float64).reshape(-1, 4))
        else:
            moving = self.motion.update(frame_rgb)
            changed = self.changes.update(frame_rgb)
            # The whole due tile when anything in it changed: a face moving too slowly to count
            # as motion (a first-pass miss walking slowly) is checked within one rotation.
            tile = self.sweep.next_tiles(changed)
            now = np.empty((0, 4)) if heads is None else np.asarray(heads, np.float64).reshape(-1, 4)
            ended, self._last_heads = self._last_heads, now  # masks on the previous checked frame
            native_crops = self._native_crops(moving, np.concatenate([now, ended]), tile)
            zoom_crops = self._zoom_crops(self._unexplained(changed, people), ended, tile)
        for x1, y1, x2, y2 in native_crops:
            native = self.retina.detect(frame_rgb[y1:y2, x1:x2])
            self.native_px += (x2 - x1) * (y2 - y1)
            keep = native.confidence >= self.options.retina_threshold
            offset = np.array([x1, y1, x1, y1], np.float32)
            found += [
                (b + offset, float(s), "retinaface")
                for b, s in zip(native.xyxy[keep], native.confidence[keep], strict=True)
            ]
        zoom_name = f"{self.zoomed.info.name}-zoom{self.options.zoom:g}x"
        for crop in zoom_crops:
            x1, y1, x2, y2 = (int(v) for v in crop)
            patch = cv2.resize(
                frame_rgb[y1:y2, x1:x2],
                None,
                fx=self.options.zoom,
                fy=self.options.zoom,
                interpolation=cv2.INTER_CUBIC,
            )
            self.zoomed_px += patch.shape[0] * patch.shape[1]
            dets = self.zoomed.detect(patch)
            width = (dets.xyxy[:, 2] - dets.xyxy[:, 0]) / self.options.zoom
            keep = (dets.confidence >= self.options.zoom_threshold) & (width <= _ZOOM_MAX_FACE_PX)
            for box, score in zip(dets.xyxy[keep], dets.confidence[keep], strict=True):
                found.append((box / self.options.zoom + np.array([x1, y1, x1, y1]), float(score), zoom_name))
        if len(found) < 2:
            return found
        boxes = np.array([f[0] for f in found], np.float32)
        scores = np.array([f[1] for f in found], np.float32)
        keep_idx = sv.box_non_max_suppression(np.hstack([boxes, scores[:, None]]), iou_threshold=0.3)
        return [f for f, k in zip(found, keep_idx, strict=True) if k]

    def _native_crops(self, moving: np.ndarray, masks: np.ndarray, tile: np.ndarray) -> np.ndarray:
        """Where RetinaFace looks: the whole frame on the first checked frame, every
        ``native_full_every``-th and where the crops would cover more than
        :data:`_NATIVE_WHOLE_SHARE` of it; between, only where the output changed since
        the last checked frame, where masks are or just were, and the sweep tile (pixels that
        did not change were checked on an earlier frame)."""
        width, height = self.resolution_wh
        whole = np.array([[0, 0, width, height]], np.int64)
        due = self._native_calls % self.options.native_full_every == 0
        self._native_calls += 1
        if due:
            return whole
        crops = self._grown(np.concatenate([moving, masks, tile]))
        area = float(np.prod(crops[:, 2:] - crops[:, :2], axis=1).sum()) if len(crops) else 0.0
        return whole if area > _NATIVE_WHOLE_SHARE * width * height else crops

    def _unexplained(self, moving: np.ndarray, people: np.ndarray | None) -> np.ndarray:
        """The changed areas that no near person's body covers on this frame. Where they were on
        the previous checked frame is not explained: leaving, they may reveal a small face."""
        if people is None or not self.options.explained_face_px:
            return moving
        explained = bodies(people, self.options.explained_face_px, self.motion.margin_px)
        return unexplained(moving, explained, self.resolution_wh)

    def _grown(self, areas: np.ndarray) -> np.ndarray:
        """``areas`` grown by :data:`_NATIVE_MARGIN_PX`, clipped to the frame and merged."""
        width, height = self.resolution_wh
        grown = np.rint(areas + np.array([-1, -1, 1, 1]) * _NATIVE_MARGIN_PX).astype(np.int64)
        grown[:, [0, 2]] = np.clip(grown[:, [0, 2]], 0, width)
        grown[:, [1, 3]] = np.clip(grown[:, [1, 3]], 0, height)
        return merge_boxes(grown[(grown[:, 2] > grown[:, 0]) & (grown[:, 3] > grown[:, 1])])

    def _zoom_crops(self, moving: np.ndarray, ended: np.ndarray, tile: np.ndarray) -> np.ndarray:
        """Where the zoomed check looks: the changed areas, the small masks of the previous
        checked frame (a small face whose mask ended changes little of a cell's mean, and
        RetinaFace does not see it natively; a larger one's face is the native check's, and
        the zoomed check reports none over :data:`_ZOOM_MAX_FACE_PX`) and the sweep tile; on
        busy frames see the class docs."""
        width, height = self.resolution_wh
        ended = ended[(ended[:, 2] - ended[:, 0]) <= _ZOOM_MAX_FACE_PX * self.mask_scale]
        area = (
            float(np.prod(np.clip(moving[:, 2:] - moving[:, :2], 0, None), axis=1).sum())
            if len(moving)
            else 0
        )
        if area > self.options.busy_fraction * width * height:
            self._busy_calls += 1
            if self._busy_calls % self.options.busy_zoom_every == 1 or self.options.busy_zoom_every == 1:
                return self.full_tiles
            return tile
        crops = merge_boxes(np.concatenate([moving, self._grown(ended), tile]).astype(np.int64))
        return crops[(crops[:, 2] > crops[:, 0] + 8) & (crops[:, 3] > crops[:, 1] + 8)]

    def check(
        self,
        index: int,
        frame_rgb: np.ndarray,
        boxes: RenderedBoxes,
        original: np.ndarray | Callable[[], np.ndarray | None] | None = None,
        only: np.ndarray | None = None,
    ) -> list[Finding]:
        """Findings on one rendered frame: faces neither under a mask nor on a kept box.

        Args:
            original: the input frame it was rendered from, or a function that decodes it
                (called only if something is found: most checked frames need no original):
                each finding is then judged (:func:`~cctvkit.redact.finding_verdict.judge`)
                and one whose place the output already masks is dropped (a blurred blob still
                looks like a head); None: not judged.
            only: check only these areas (see :meth:`detect`).
        """
        out = []
        heads = mask_heads(boxes.masked, self.mask_scale)  # the heads the Masker filled
        judging = original is not None and hasattr(self.retina, "detect_landmarks")
        people = np.concatenate([np.reshape(boxes.masked, (-1, 4)), np.reshape(boxes.kept, (-1, 4))])
        for xyxy, score, model in self.detect(frame_rgb, heads, only, people):
            if _inside_heads(xyxy, heads) or self._in_zone(xyxy):
                continue  # the mask itself, still face-shaped
            if _on_kept(xyxy, boxes.kept):
                self.kept_skipped += 1
                continue
            x1, y1, x2, y2 = (float(v) for v in xyxy)
            finding = Finding(index, (x1, y1, x2, y2), score, model)
            if judging and callable(original):
                original = original()
                judging = original is not None  # the input ended early: not judged, so it blocks
            if judging:
                verdict = judge(original, frame_rgb, finding.xyxy, self.retina)  # type: ignore[arg-type]
                if not verdict.remask:
                    self.masked_blobs += 1
                    continue
                finding = replace(finding, verdict=str(verdict.reason))
                if verdict.shown:
                    self.evidence[(index, finding.xyxy)] = evidence_crop(original, frame_rgb, finding.xyxy)  # type: ignore[arg-type]
            out.append(finding)
        return out

    def _in_zone(self, xyxy: np.ndarray) -> bool:
        if self.zone_mask is None:
            return False
        cx, cy = int((xyxy[0] + xyxy[2]) / 2), int((xyxy[1] + xyxy[3]) / 2)
        height, width = self.zone_mask.shape
        return bool(self.zone_mask[min(max(cy, 0), height - 1), min(max(cx, 0), width - 1)])


def _inside_heads(xyxy: np.ndarray, heads: np.ndarray) -> bool:
    """Whether the box's centre lies inside a masked head ellipse (the mask's shape)."""
    if not len(heads):
        return False
    centre = (np.asarray(xyxy[:2]) + np.asarray(xyxy[2:])) / 2
    middle = (heads[:, :2] + heads[:, 2:]) / 2
    half = np.maximum((heads[:, 2:] - heads[:, :2]) / 2, 1.0)
    return bool((((centre - middle) / half) ** 2).sum(axis=1).min() <= 1.0)


def _on_kept(xyxy: np.ndarray, kept: np.ndarray) -> bool:
    """Whether the box is a kept track's face: its centre inside a kept box grown by half."""
    if not len(kept):
        return False
    centre = (np.asarray(xyxy[:2]) + np.asarray(xyxy[2:])) / 2
    grow = (kept[:, 2:] - kept[:, :2]) * 0.5
    lo, hi = kept[:, :2] - grow, kept[:, 2:] + grow
    return bool(((centre >= lo) & (centre <= hi)).all(axis=1).any())


def build_face_checker(
    resolution_wh: tuple[int, int],
    *,
    options: FaceCheckOptions | None = None,
    provider: str | None = None,
    threads: int | None = None,
    mask_scale: float = 1.6,
    zone_mask: np.ndarray | None = None,
    detectors: tuple[FaceDetector, FaceDetector] | None = None,
) -> FaceChecker:
    """Load the face check's two models (verified through the manifest) for frames of this size.

    Args:
        detectors: (native, zoomed) detectors already loaded (reused across clips).

    Raises:
        ModelError: weights missing or not matching the manifest.
    """
    if detectors is None:
        detectors = load_face_check_detectors(provider=provider, threads=threads)
    return FaceChecker(*detectors, resolution_wh, options=options, mask_scale=mask_scale, zone_mask=zone_mask)


_CHECK_MODELS = {"native": "retinaface-mnet025", "zoomed": "retinaface-mnet025"}
"""Manifest names of the weights :func:`load_face_check_detectors` loads, by role."""

_REMASK = "followed"
"""How findings are masked, in chunk job names: ``followed`` (issue 25 part E: each finding's face
followed over the frames around it, :mod:`~cctvkit.redact.finding_tracks`); before, a fixed box."""


def face_check_identity() -> dict[str, str]:
    """Which weights check, by role (``name:sha256`` from the manifest, nothing loaded), and how
    findings are masked: part of a chunk job's name, so chunks checked by other models (the
    zoomed check was CenterFace before issue 25) or masked otherwise are never reused as if this
    check had run."""
    manifest = load_manifest()
    models = {role: f"{name}:{manifest[name]['sha256']}" for role, name in _CHECK_MODELS.items()}
    return models | {"remask": _REMASK}


def load_face_check_detectors(
    *, provider: str | None = None, threads: int | None = None
) -> tuple[FaceDetector, FaceDetector]:
    """(native, zoomed): RetinaFace, a model family the first pass (CenterFace) does not use, so
    the check does not share its blind spots (issue 25). Change :data:`_CHECK_MODELS` with them.

    The zoomed check runs its int8 copy on a CPU with ``onnx`` installed (as the first pass
    does; 1.3-2x faster per pixel, and zoomed crops are about 60 % of the check's pixels): it
    keeps only faces under :data:`_ZOOM_MAX_FACE_PX`, where int8 and fp32 found the same faces
    on the issue 25 clips, while int8 scores some large textures as faces (see
    :class:`~cctvkit.redact.detectors.retinaface.RetinaFaceDetector`), so the native check,
    which keeps faces of any size, stays fp32."""
    from cctvkit.redact.detectors.retinaface import RetinaFaceDetector

    native = RetinaFaceDetector(score_threshold=0.3, provider=provider, threads=threads)
    zoomed = RetinaFaceDetector(score_threshold=0.3, provider=provider, threads=threads, precision="auto")
    return native, zoomed if zoomed.precision != native.precision else native


def _set_aside(findings: list[Finding], left: list[Finding]) -> list[Finding]:
    """The findings to re-mask; those left to the operator (:func:`left_to_operator`) go to ``left``."""
    keep = []
    for finding in findings:
        width = finding.xyxy[2] - finding.xyxy[0]
        (left if left_to_operator(finding.verdict, width) else keep).append(finding)
    return keep


def frames_to_check(count: int, every: int, only: Iterable[int] | None = None) -> list[int]:
    """Output frames the face check looks at: every ``every``-th (from 0) and always the last; with
    ``only`` (the frames a re-render changed), those of them on the same stride."""
    if only is None:
        picked = set(range(0, count, every)) | ({count - 1} if count else set())
        return sorted(picked)
    return sorted(i for i in set(only) if 0 <= i < count and (i % every == 0 or i == count - 1))


def check_and_remask(
    checker: FaceChecker,
    options: FaceCheckOptions,
    check: Callable[[Collection[int] | None], tuple[list[Finding], int]],
    remask: Callable[[list[Finding]], Collection[int]],
    name: str,
    started: float,
    finish: Callable[[], None] | None = None,
) -> FaceCheckSummary:
    """The face check's loop, for a clip and a still alike: check the output, re-mask what is
    found, check again what changed, for at most ``options.rounds`` rounds.

    Args:
        checker: the loaded checker.
        options: rounds and the figures reported.
        check: checks the output as it is now: the frames on the stride (None: all of them, else
            those that changed among the given); returns the findings and the frames checked.
        remask: renders the output again with these findings (and all earlier ones) masked,
            or only the frames that changed, in memory, for ``check`` (then ``finish`` writes
            the output once, after the last round); returns the frames that changed.
        name: the output, for messages.
        started: when the face check started (``time.perf_counter``), for its time.
        finish: called once after the last round when any round re-masked (its time counts
            as re-rendering).

    Returns:
        The summary; the re-renders' time is in ``re_render_s``, not in ``elapsed_s``.
    """
    findings, frames_checked = check(None)
    total, re_masked, rounds, render_s = len(findings), 0, 0, 0.0
    verdicts = Counter(f.verdict or NOT_JUDGED for f in findings)
    left: list[Finding] = []  # large "not a face" findings: listed for the operator, not masked
    findings = _set_aside(findings, left)
    while findings and rounds < options.rounds:
        rounds += 1
        re_masked += len(findings)
        rendering = time.perf_counter()
        changed = remask(findings)
        render_s += time.perf_counter() - rendering
        log.info(
            "face check round %d on %s: %d finding(s) re-masked on %d frame(s)",
            rounds,
            name,
            len(findings),
            len(changed),
        )
        findings, checked = check(changed)
        frames_checked += checked
        total += len(findings)
        verdicts.update(f.verdict or NOT_JUDGED for f in findings)
        findings = _set_aside(findings, left)
    findings += left
    if finish is not None and rounds:
        rendering = time.perf_counter()
        finish()
        render_s += time.perf_counter() - rendering
    info = FaceCheckSummary.of(
        options,
        models=checker.models,
        kept_skipped=checker.kept_skipped,
        frames_checked=frames_checked,
        findings=total,
        re_masked=re_masked,
        remaining=findings,
        rounds=rounds,
        elapsed_s=time.perf_counter() - started - render_s,
        re_render_s=render_s,
        verdicts=verdicts,
    )
    others = len(findings) - info.remaining
    if info.remaining:
        log.warning(
            "face check: %d face(s) still visible in %s after %d round(s) (and %d that do not block)",
            info.remaining,
            name,
            rounds,
            others,
        )
    elif others:
        log.warning(
            "face check: no face left visible in %s; %d finding(s) that do not block listed in the report",
            name,
            others,
        )
    return info
