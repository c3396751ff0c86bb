"""Face detectors behind one interface, and a registry of those whose imports succeed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cctvkit.errors import UsageError
from cctvkit.redact.detectors.base import DetectorInfo, FaceDetector
from cctvkit.redact.detectors.tiled import TiledDetector

__all__ = [
    "DETECTORS",
    "DetectorInfo",
    "FaceDetector",
    "TiledDetector",
    "YoloFaceDetector",
    "create_detector",
]

DETECTORS: dict[str, Callable[..., FaceDetector]] = {}
"""Detector factories by name; a backend whose dependencies are not installed is absent."""

try:
    from cctvkit.redact.detectors.centerface import CenterFaceDetector
except ImportError:  # onnxruntime missing
    pass
else:
    DETECTORS["centerface"] = CenterFaceDetector

from cctvkit.redact.detectors.yolo import YoloFaceDetector, ultralytics_available  # noqa: E402

if ultralytics_available():  # checked without importing ultralytics or PyTorch
    DETECTORS["yolo"] = YoloFaceDetector


def create_detector(name: str, **options: Any) -> FaceDetector:
    """Build the detector registered as ``name``.

    Args:
        name: registry key (``centerface``).
        **options: keyword arguments of that detector's constructor.

    Returns:
        The detector.

    Raises:
        UsageError: no detector of that name is installed.
        ModelError: its weights are missing or do not verify.
    """
    try:
        factory = DETECTORS[name]
    except KeyError:
        known = ", ".join(sorted(DETECTORS)) or "none"
        raise UsageError(f"unknown face detector {name!r} (installed: {known})") from None
    return factory(**options)
