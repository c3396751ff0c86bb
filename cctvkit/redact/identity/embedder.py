"""Face embeddings: dlib's ResNet turns an aligned face into a 128-d vector (optional extra ``faces``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from cctvkit.errors import ModelError
from cctvkit.redact.weights import ModelWeights, resolve_weights

__all__ = ["EMBEDDING_SIZE", "LANDMARKS_MODEL", "RECOGNITION_MODEL", "FaceEmbedder", "embedder_available"]

log = logging.getLogger(__name__)

LANDMARKS_MODEL = "dlib-landmarks-5"
"""Manifest name of the 5-point landmark model that aligns each face before embedding."""

RECOGNITION_MODEL = "dlib-resnet-v1"
"""Manifest name of the ResNet that embeds an aligned 150x150 face chip."""

EMBEDDING_SIZE = 128
"""Length of one embedding; same person: euclidean distance under about 0.6."""

_INSTALL_HINT = "install the optional extra: pip install 'cctvkit[faces]' (dlib-bin, face-recognition-models)"


def embedder_available() -> bool:
    """Whether dlib imports and both weights files verify against the manifest."""
    try:
        FaceEmbedder()
    except ModelError:
        return False
    return True


class FaceEmbedder:
    """Embed faces found by the project's detector, using dlib (weights verified by sha256).

    Args:
        jitters: extra randomly jittered copies of each face averaged into its embedding.
            0 is dlib's default and is deterministic; each jitter costs one more forward pass
            (~0.08 s on one core) for a slightly steadier vector.

    Raises:
        ModelError: dlib or the weights package is not installed, or a weights file does not
            match the manifest.
    """

    def __init__(self, *, jitters: int = 0) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise ModelError(f"face matching needs dlib: {_INSTALL_HINT}") from exc
        try:
            landmarks = resolve_weights(LANDMARKS_MODEL)
            recognition = resolve_weights(RECOGNITION_MODEL)
        except ModelError as exc:
            raise ModelError(f"{exc}; {_INSTALL_HINT}") from exc
        self._dlib = dlib
        self._shape = dlib.shape_predictor(str(landmarks.path))
        self._net = dlib.face_recognition_model_v1(str(recognition.path))
        self._jitters = int(jitters)
        self.weights: tuple[ModelWeights, ModelWeights] = (landmarks, recognition)
        log.debug("face embedder loaded (dlib %s)", getattr(dlib, "__version__", "?"))

    @property
    def info(self) -> dict[str, Any]:
        """Models, digests and licences, for reports."""
        return {
            "library": f"dlib {getattr(self._dlib, '__version__', '?')}",
            "jitters": self._jitters,
            "models": [{"name": w.name, "sha256": w.sha256, "licence": w.licence} for w in self.weights],
        }

    def embed(self, image_rgb: np.ndarray, face_xyxy: Sequence[float]) -> np.ndarray:
        """Embed one face.

        Args:
            image_rgb: the unmasked picture, shape (height, width, 3), RGB, uint8.
            face_xyxy: the face box from the detector, pixels (x1, y1, x2, y2).

        Returns:
            The embedding, shape (128,), float64.

        Raises:
            ModelError: dlib rejects the input.
        """
        image = np.ascontiguousarray(image_rgb, dtype=np.uint8)
        height, width = image.shape[:2]
        x1, y1, x2, y2 = (float(v) for v in face_xyxy)
        box = self._dlib.rectangle(
            max(0, round(x1)), max(0, round(y1)), min(width - 1, round(x2)), min(height - 1, round(y2))
        )
        try:
            shape = self._shape(image, box)
            vector = self._net.compute_face_descriptor(image, shape, self._jitters)
        except RuntimeError as exc:  # dlib reports bad images this way
            raise ModelError(f"dlib could not embed the face at {face_xyxy}: {exc}") from exc
        return np.asarray(vector, dtype=np.float64)
