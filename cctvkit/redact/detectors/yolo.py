"""YOLO face or head models the user supplies, run with ultralytics (optional ``[yolo]`` extra).

ultralytics pulls in PyTorch (about 1 GB), so it is imported only when a detector is built; the
registry lists ``yolo`` only when the package is installed. The device is CUDA when PyTorch sees
a GPU and the CPU otherwise, unless one is requested.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import supervision as sv

from cctvkit.errors import ModelError, UsageError
from cctvkit.files import sha256_file
from cctvkit.redact.detectors.base import DetectorInfo

__all__ = ["YoloFaceDetector", "build_from_yaml", "choose_device", "ultralytics_available"]

log = logging.getLogger(__name__)

_OFFLINE = {"YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false", "YOLO_VERBOSE": "false"}
"""Set before ultralytics is imported: it probes DNS at import and would pip-install or download
what it misses; nothing may be fetched at run time (and the probe cost seconds without a network)."""


def _import_yolo() -> Any:
    for key, value in _OFFLINE.items():
        os.environ.setdefault(key, value)
    from ultralytics import YOLO

    return YOLO


def build_from_yaml(path: Path, *, config: str = "yolo26n.yaml", classes: int = 1, seed: int = 0) -> Path:
    """Write an untrained detection model built from an ultralytics architecture YAML (tests, benchmarks).

    Nothing is downloaded: the YAML ships inside ultralytics. The weights are random (seeded), so the
    boxes mean nothing, but they run the whole backend: load, letterbox, inference, boxes mapped back
    to frame pixels. YOLO26's NMS-free head is selected, as the detector runs it.

    Args:
        path: the ``.pt`` file to write.
        config: architecture YAML shipped with ultralytics.
        classes: number of classes (every class counts as a face).
        seed: PyTorch seed for the random weights.

    Returns:
        ``path``.

    Raises:
        UsageError: ultralytics is not installed.
    """
    if not ultralytics_available():
        raise UsageError("building a yolo model needs the [yolo] extra: pip install 'cctvkit[yolo]'")
    import torch

    yolo = _import_yolo()
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(seed)
    model = yolo(config, task="detect")
    model.model = DetectionModel(config, nc=classes, verbose=False)
    model.model.names = {i: "face" for i in range(classes)}
    model.model.end2end = True
    model.save(str(path))
    return path


def ultralytics_available() -> bool:
    """Whether the ``ultralytics`` package is installed (without importing it or PyTorch)."""
    return importlib.util.find_spec("ultralytics") is not None


def choose_device(requested: str | None, *, cuda_devices: int, mps: bool = False) -> str:
    """Pick the PyTorch device: the GPU when there is one, the CPU otherwise.

    Args:
        requested: ``None``/``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"``, or an
            onnxruntime provider name (``"CUDAExecutionProvider"``), so ``--provider`` means
            the same for every backend.
        cuda_devices: GPUs PyTorch sees (``torch.cuda.device_count()``).
        mps: whether Apple's Metal backend is available.

    Returns:
        A device string for ultralytics (``"cuda:0"``, ``"mps"``, ``"cpu"``).

    Raises:
        UsageError: the requested device does not exist.
    """
    wanted = (requested or "auto").lower().removesuffix("executionprovider")
    if wanted == "auto":
        if cuda_devices > 0:
            return "cuda:0"
        return "mps" if mps else "cpu"
    if wanted == "cpu":
        return "cpu"
    if wanted.startswith("cuda") or wanted == "tensorrt":
        index = int(wanted.split(":", 1)[1]) if ":" in wanted else 0
        if index >= cuda_devices:
            raise UsageError(f"device {requested!r} is not available (PyTorch sees {cuda_devices} GPU(s))")
        return f"cuda:{index}"
    if wanted in ("mps", "coreml"):
        if not mps:
            raise UsageError(f"device {requested!r} is not available")
        return "mps"
    raise UsageError(f"unknown device {requested!r} for the yolo detector (auto, cpu, cuda, cuda:N, mps)")


class YoloFaceDetector:
    """A YOLO detection model (ultralytics ``.pt`` or exported ``.onnx``) whose boxes are faces or heads.

    Args:
        weights_path: the model file the user supplies (face or head model, every class a face).
        score_threshold: lowest confidence returned.
        input_long_side: inference size (``None``: 1280, enough for ~20 px faces at 1080p).
        provider: device request (see :func:`choose_device`).
        threads: unused (PyTorch sizes its own pool); accepted for a uniform interface.
        licence: the weights' licence, recorded in reports.

    Raises:
        UsageError: ultralytics is not installed, or the device does not exist.
        ModelError: no weights given, or they cannot be loaded.
    """

    name = "yolo"

    def __init__(
        self,
        *,
        weights_path: Path | str | None = None,
        score_threshold: float = 0.3,
        input_long_side: int | None = None,
        provider: str | None = None,
        threads: int | None = None,
        licence: str = "user-supplied (check it)",
        precision: str = "auto",
    ) -> None:
        del threads
        if precision not in ("auto", "fp32"):
            raise UsageError(f"the yolo detector runs at fp32 only (asked for {precision!r})")
        if not ultralytics_available():
            raise UsageError("the yolo detector needs the [yolo] extra: pip install 'cctvkit[yolo]'")
        if weights_path is None:
            raise ModelError("the yolo detector needs --weights (a face or head model file)")
        path = Path(weights_path)
        if not path.is_file():
            raise ModelError(f"{path}: no such weights file")
        import torch  # lazy: PyTorch is large and optional

        YOLO = _import_yolo()

        mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
        self.device = choose_device(provider, cuda_devices=torch.cuda.device_count(), mps=mps)
        self.score_threshold = float(score_threshold)
        self.input_long_side = input_long_side or 1280
        self._path = path
        self._sha256 = sha256_file(path)
        self._licence = licence
        try:
            self._model: Any = YOLO(str(path), task="detect")
        except Exception as exc:  # ultralytics raises many types for a bad file
            raise ModelError(f"cannot load {path}: {exc}") from exc
        log.info("yolo %s on %s", path.name, self.device)

    @property
    def info(self) -> DetectorInfo:
        """Describe the model and runtime for reports."""
        return DetectorInfo(
            self.name, str(self._path), self._sha256, self._licence, self.device, self.input_long_side
        )

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        """Find faces (every class the model has counts as a face).

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.

        Returns:
            Face boxes in frame pixels (``xyxy`` float32, clipped) with ``confidence``.
        """
        height, width = frame_rgb.shape[:2]
        (result,) = self._model.predict(
            np.ascontiguousarray(frame_rgb[..., ::-1]),  # ultralytics takes numpy frames as BGR
            conf=self.score_threshold,
            imgsz=self.input_long_side,
            device=self.device,
            verbose=False,
            nms=False,  # the NMS-free head where the model has one (YOLO26); others fall back to NMS
        )
        boxes = result.boxes
        xyxy = boxes.xyxy.cpu().numpy().astype(np.float32).reshape(-1, 4)
        confidence = boxes.conf.cpu().numpy().astype(np.float32).reshape(-1)
        xyxy = sv.clip_boxes(xyxy, (width, height)).astype(np.float32)
        order = np.argsort(-confidence, kind="stable")
        return sv.Detections(xyxy=xyxy[order], confidence=confidence[order])
