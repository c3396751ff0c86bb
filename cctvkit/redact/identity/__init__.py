"""Keep the subject visible by face similarity to a reference photo (issue #4, extra ``faces``).

dlib is imported only when a :class:`FaceEmbedder` is built, so this package imports without
the extra; the embedder raises ``ModelError`` with the install command when it is absent.

Names are imported lazily (PEP 562), so commands that do not need the heavy parts (onnxruntime,
supervision) do not pay for importing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr

if TYPE_CHECKING:
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
    from cctvkit.redact.identity.select import (
        check_same_tracks,
        match_tracks,
        select_tracks,
    )

_LAZY = {
    "EMBEDDING_SIZE": "cctvkit.redact.identity.embedder",
    "LANDMARKS_MODEL": "cctvkit.redact.identity.embedder",
    "RECOGNITION_MODEL": "cctvkit.redact.identity.embedder",
    "FaceEmbedder": "cctvkit.redact.identity.embedder",
    "embedder_available": "cctvkit.redact.identity.embedder",
    "DEFAULT_MAX_DISTANCE": "cctvkit.redact.identity.match",
    "MIN_FACE_PX": "cctvkit.redact.identity.match",
    "Decision": "cctvkit.redact.identity.match",
    "IdentityMatch": "cctvkit.redact.identity.match",
    "TrackCandidate": "cctvkit.redact.identity.match",
    "TrackMatch": "cctvkit.redact.identity.match",
    "decide_tracks": "cctvkit.redact.identity.match",
    "face_distance": "cctvkit.redact.identity.match",
    "ReferenceFace": "cctvkit.redact.identity.reference",
    "load_reference": "cctvkit.redact.identity.reference",
    "pick_subject_face": "cctvkit.redact.identity.reference",
    "check_same_tracks": "cctvkit.redact.identity.select",
    "match_tracks": "cctvkit.redact.identity.select",
    "select_tracks": "cctvkit.redact.identity.select",
}

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
    "match_tracks",
    "pick_subject_face",
    "select_tracks",
]


__getattr__ = lazy_getattr(__name__, _LAZY)
