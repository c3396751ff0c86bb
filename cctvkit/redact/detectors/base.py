"""The interface every face detector implements, so backends plug in behind one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import supervision as sv

__all__ = ["DetectorInfo", "FaceDetector"]


@dataclass(frozen=True, slots=True)
class DetectorInfo:
    """What a report needs to say about the detector that ran.

    Attributes:
        name: registry name (``centerface``).
        weights_path: the weights file used.
        sha256: the weights' verified digest.
        licence: the weights' licence.
        provider: the execution provider actually running (``CPUExecutionProvider``).
        input_long_side: longest side frames are resized to before inference (None: native).
        precision: numeric precision of the weights that ran (``fp32``, ``int8``).
    """

    name: str
    weights_path: str
    sha256: str
    licence: str
    provider: str
    input_long_side: int | None
    precision: str = "fp32"


@runtime_checkable
class FaceDetector(Protocol):
    """Finds faces in one frame."""

    @property
    def info(self) -> DetectorInfo:
        """Describe the model and runtime for reports."""
        ...

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        """Find faces.

        Args:
            frame_rgb: pixels, shape (height, width, 3), RGB, uint8.

        Returns:
            Face boxes in frame pixels (``xyxy``, clipped to the frame) with ``confidence``.
        """
        ...
