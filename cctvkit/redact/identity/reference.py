"""The subject's reference photo: read it, find the one face in it, embed that face."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from cctvkit.errors import NotFoundError, UsageError
from cctvkit.redact.detectors import FaceDetector
from cctvkit.redact.identity.embedder import FaceEmbedder

__all__ = [
    "AMBIGUOUS_AREA_RATIO",
    "REFERENCE_LONG_SIDE",
    "ReferenceFace",
    "load_reference",
    "pick_subject_face",
]

log = logging.getLogger(__name__)

AMBIGUOUS_AREA_RATIO = 0.5
"""A second face at least this fraction of the largest face's area makes the photo ambiguous
(two people side by side); a small face in the background does not."""

REFERENCE_LONG_SIDE = 1280
"""Photos are shrunk to this longest side first: a phone's 12 MP picture would make detection
slow and gains nothing, since dlib compares faces as 150 px chips."""


@dataclass(frozen=True, slots=True)
class ReferenceFace:
    """The subject's face as found in the reference photo.

    Attributes:
        name: the photo's file name.
        sha256: the photo file's digest.
        face_xyxy: the face box in the photo, pixels of the original image.
        embedding: shape (128,), float64.
    """

    name: str
    sha256: str
    face_xyxy: tuple[float, float, float, float]
    embedding: np.ndarray = field(compare=False, repr=False)


def pick_subject_face(faces: sv.Detections, *, threshold: float, source: str = "the photo") -> int:
    """Return the index of the subject's face: the largest confident one, if unambiguous.

    Args:
        faces: the photo's detections (``xyxy`` and ``confidence``).
        threshold: confidence at which a box is a face.
        source: how to name the photo in messages.

    Returns:
        The index into ``faces`` of the largest face.

    Raises:
        UsageError: no face, or two faces of similar size (crop the photo to the subject).
    """
    confident = np.flatnonzero(np.asarray(faces.confidence) >= threshold) if len(faces) else np.array([], int)
    if confident.size == 0:
        raise UsageError(f"{source}: no face found (use a clear, frontal photo of the subject)")
    xyxy = faces.xyxy[confident]
    areas = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    order = np.argsort(-areas, kind="stable")
    if order.size > 1 and areas[order[1]] >= AMBIGUOUS_AREA_RATIO * areas[order[0]]:
        similar = int(np.count_nonzero(areas >= AMBIGUOUS_AREA_RATIO * areas[order[0]]))
        raise UsageError(f"{source}: {similar} faces of similar size; crop the photo to the subject alone")
    return int(confident[order[0]])


def load_reference(
    photo_path: Path, *, detector: FaceDetector, embedder: FaceEmbedder, threshold: float = 0.5
) -> ReferenceFace:
    """Read the subject's photo and embed its face.

    Args:
        photo_path: a JPEG or PNG (EXIF orientation applied).
        detector: the face detector (the one the redaction uses).
        embedder: the face embedder.
        threshold: detector confidence at which a box is a face.

    Returns:
        The subject's face and embedding.

    Raises:
        NotFoundError: the photo does not exist.
        UsageError: not a readable image, no face, or several faces of similar size.
        ModelError: the embedder fails on it.
    """
    photo_path = Path(photo_path)
    try:
        data = photo_path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"reference photo {photo_path} does not exist") from None
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UsageError(f"{photo_path}: not a readable image (use JPEG or PNG)")
    image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    scale = min(1.0, REFERENCE_LONG_SIDE / max(image.shape[:2]))
    if scale < 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    faces = detector.detect(image)
    index = pick_subject_face(faces, threshold=threshold, source=str(photo_path))
    box = faces.xyxy[index]
    embedding = embedder.embed(image, box)
    face_xyxy = tuple(round(float(v) / scale, 1) for v in box)
    log.info("reference face in %s at %s (confidence %.2f)", photo_path, face_xyxy, faces.confidence[index])
    return ReferenceFace(photo_path.name, hashlib.sha256(data).hexdigest(), face_xyxy, embedding)
