"""Keep the subject visible by face similarity to a reference photo (issue #4, extra ``faces``).

dlib is imported only when a :class:`FaceEmbedder` is built, so this package imports without
the extra; the embedder raises ``ModelError`` with the install command when it is absent.
"""

from cctvkit.redact.identity.embedder import (
    EMBEDDING_SIZE,
    LANDMARKS_MODEL,
    RECOGNITION_MODEL,
    FaceEmbedder,
    embedder_available,
)
from cctvkit.redact.identity.match import (
    DEFAULT_MAX_DISTANCE,
    MIN_FACE_PX,
    Decision,
    IdentityMatch,
    TrackCandidate,
    TrackMatch,
    decide_tracks,
    face_distance,
)
from cctvkit.redact.identity.reference import ReferenceFace, load_reference, pick_subject_face
from cctvkit.redact.identity.select import check_same_tracks, redact_keeping_face, select_tracks

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "EMBEDDING_SIZE",
    "LANDMARKS_MODEL",
    "MIN_FACE_PX",
    "RECOGNITION_MODEL",
    "Decision",
    "FaceEmbedder",
    "IdentityMatch",
    "ReferenceFace",
    "TrackCandidate",
    "TrackMatch",
    "check_same_tracks",
    "decide_tracks",
    "embedder_available",
    "face_distance",
    "load_reference",
    "pick_subject_face",
    "redact_keeping_face",
    "select_tracks",
]
