"""Redact a still (a snapshot: one picture, no tracks): detect, mask, face-check the encoded JPEG, re-mask.

A still is "photographic fixation" (policy 12.6) and is released like footage: the same detector,
options and mask style as a clip, the camera's privacy zones, the same per-frame masking rule
(:func:`~cctvkit.redact.render.mask_frame`) and the same face check (issue 17) on the *encoded*
output: a second model family looks for faces still visible in the JPEG as a recipient would
decode it, each finding is masked and the still encoded again, for at most
:attr:`FaceCheckOptions.rounds` rounds. The output is re-encoded from pixels, so the source's EXIF,
GPS and thumbnail never leave (:mod:`cctvkit.video.still`).

What differs from a clip: there is nothing to track, so every face of the picture is one
"face" numbered 0.. from the left, detected once on the whole frame (for large pictures natively,
as the first call of :class:`~cctvkit.redact.regions.RegionDetector` does); what counts as a face
(``threshold``, ``small_threshold`` for small faces) is :class:`~cctvkit.redact.tracking.FaceTracker`'s
rule on that one frame. ``--keep-track`` has no meaning; a reference photo (``--keep-face``) keeps
the one face closest to it under the distance threshold, by the identity rules the clips use
(:func:`~cctvkit.redact.identity.match.decide_tracks`).

In a requester-only release (issue 26) the kept face's body box (the clips' standing proportions,
:func:`~cctvkit.redact.requester_region.body_box`) is the region and everything outside it is
pixelated as in a clip (:class:`~cctvkit.redact.outside_mask.OutsideMasker`); a still on which no
face matches the reference is pixelated whole (the requester is not recognisably in it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import supervision as sv

from cctvkit.errors import UsageError
from cctvkit.redact.analysis import build_detector, no_faces
from cctvkit.redact.boxes import mask_plan
from cctvkit.redact.detectors import DetectorInfo, FaceDetector
from cctvkit.redact.face_check import REPORT_KEY, FaceCheckSummary
from cctvkit.redact.face_checker import Finding, RenderedBoxes, build_face_checker, check_and_remask
from cctvkit.redact.identity.match import (
    MIN_FACE_PX,
    IdentityMatch,
    TrackCandidate,
    decide_tracks,
)
from cctvkit.redact.masking import Masker, MaskStyle
from cctvkit.redact.options import RedactOptions
from cctvkit.redact.outside_mask import OutsideMasker
from cctvkit.redact.regions import RegionDetector, RegionRules
from cctvkit.redact.render import mask_frame
from cctvkit.redact.report import write_json
from cctvkit.redact.requester_region import body_box
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.redact.text_stage import still_text, with_faces
from cctvkit.redact.tracking import FaceTracker
from cctvkit.redact.zones import Polygon, rasterize_zones
from cctvkit.video import STILL_JPEG_QUALITY, decode_still, encode_jpeg, read_still, write_jpeg

if TYPE_CHECKING:  # dlib is an optional extra
    from cctvkit.redact.identity.embedder import FaceEmbedder
    from cctvkit.redact.identity.reference import ReferenceFace

__all__ = [
    "StillFace",
    "StillReport",
    "copy_still_unredacted",
    "detect_still",
    "redact_still",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StillFace:
    """One face the first pass found in a still.

    Attributes:
        index: 0-based, left to right (what the identity decisions' ``track_id`` names).
        xyxy: face box, pixels.
        confidence: the detector's score (a small face's as :class:`FaceTracker` lifted it).
        kept: left visible (it matched the reference photo).
    """

    index: int
    xyxy: tuple[float, float, float, float]
    confidence: float
    kept: bool


@dataclass(frozen=True, slots=True)
class StillReport:
    """What redacting one still did (JSON-able with :meth:`to_dict`).

    Attributes:
        input_path: the source still.
        output_path: the redacted JPEG.
        width: picture width.
        height: picture height.
        detector: model, weights digest, provider.
        parameters: the options as plain values, the privacy zones and the JPEG quality.
        faces: the faces found (kept or masked).
        masked_boxes: boxes masked in the output (faces, plus the face check's findings).
        masked_fraction: share of the picture's pixels masked.
        face_check: what the face check did (written as ``face_check``, the clips' form), or None
            when it was off.
        identity: the ``keep_face`` decisions, if a reference was given.
        elapsed_s: seconds the whole redaction took.
    """

    input_path: str
    output_path: str
    width: int
    height: int
    detector: DetectorInfo
    parameters: dict[str, Any]
    faces: tuple[StillFace, ...]
    masked_boxes: int
    masked_fraction: float
    face_check: FaceCheckSummary | None
    identity: IdentityMatch | None
    elapsed_s: float

    @property
    def kept_faces(self) -> tuple[int, ...]:
        """Indices of the faces left visible."""
        return tuple(f.index for f in self.faces if f.kept)

    @property
    def faces_masked(self) -> int:
        """Faces the first pass found and masked."""
        return sum(not f.kept for f in self.faces)

    @property
    def faces_remaining(self) -> int:
        """Faces the face check still saw after its last round (0 when not checked)."""
        return self.face_check.remaining if self.face_check is not None else 0

    @property
    def face_check_json(self) -> dict[str, Any] | None:
        """The face check's summary as the ``face_check`` object of reports and manifests (a copy)."""
        return self.face_check.to_dict() if self.face_check is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        return {
            "kind": "still",
            "input_path": self.input_path,
            "output_path": self.output_path,
            "width": self.width,
            "height": self.height,
            "detector": asdict(self.detector),
            "parameters": self.parameters,
            "faces": [asdict(f) for f in self.faces],
            "faces_masked": self.faces_masked,
            "kept_faces": list(self.kept_faces),
            "masked_boxes": self.masked_boxes,
            "masked_fraction": self.masked_fraction,
            REPORT_KEY: self.face_check_json,
            "identity": self.identity.to_dict() if self.identity is not None else None,
            "elapsed_s": self.elapsed_s,
        }


def detect_still(image: np.ndarray, options: RedactOptions, detector: FaceDetector) -> sv.Detections:
    """The faces to mask in one picture, as a mask plan (``tracker_id`` = face index, source ``detected``).

    Args:
        image: RGB pixels (height, width, 3), uint8.
        options: the redaction options (threshold, small faces, regions, track zoom).
        detector: the first-pass detector.

    Returns:
        The plan, faces ordered left to right.
    """
    height, width = image.shape[:2]
    if options.use_regions((width, height)):
        # A first call sees the whole picture natively (no motion history: every tile).
        rules = RegionRules(sweep_every=options.sweep_every, max_zoom=options.track_zoom)
        region = RegionDetector(detector, (width, height), rules)
        detections = region.detect(image)
    else:
        detections = detector.detect(image)
    tracker = FaceTracker(
        fps=1.0,
        threshold=options.threshold,
        lost_track_s=options.lost_track_s,
        small_face_px=options.small_face_px,
        small_threshold=options.small_threshold,
    )
    faces = tracker.update(detections)
    if not len(faces):
        return no_faces()
    order = np.lexsort((faces.xyxy[:, 1], faces.xyxy[:, 0]))
    return mask_plan(
        faces.xyxy[order],
        source="detected",
        confidence=faces.confidence[order],
        tracker_id=np.arange(len(order)),
    )


def _match_reference(
    image: np.ndarray,
    plan: sv.Detections,
    reference: ReferenceFace,
    embedder: FaceEmbedder,
    max_distance: float,
) -> IdentityMatch:
    """Which face of the picture is the subject: one frame, so at most the closest match is kept."""
    candidates = []
    for index, xyxy in enumerate(plan.xyxy):
        width = float(xyxy[2] - xyxy[0])
        embedding = embedder.embed(image, xyxy) if width > 0 else None
        candidates.append(TrackCandidate(index, 0, 0, width if embedding is not None else 0.0, embedding))
    tracks = decide_tracks(
        reference.embedding, candidates, max_distance=max_distance, min_face_px=MIN_FACE_PX
    )
    return IdentityMatch(
        reference.name,
        reference.sha256,
        reference.face_xyxy,
        max_distance,
        MIN_FACE_PX,
        embedder.info,
        tracks,
    )


def redact_still(input_path: Path, spec: MaskSpec, engines: Engines, outputs: Outputs) -> StillReport:
    """Redact one still into a metadata-free JPEG, checked like a clip (see
    :func:`~cctvkit.redact.pipeline.redact`).

    Args:
        input_path: the source still (JPEG or PNG).
        spec: what decides the pixels (``keep_tracks``, ``keep_boxes`` and the encoding options
            are a video's: unused).
        engines: the detector, face check models and reference face (loaded here if absent; a
            reference needs its embedder).
        outputs: the JPEG (mode 0600, renamed into place when complete) and the report.

    Returns:
        The report; faces the face check still sees after its last round are in
        ``face_check["remaining"]`` (the output is written all the same: the caller decides, as for a clip).

    Raises:
        UsageError: the output would overwrite the input; a reference without an embedder.
        VideoOpenError: the input is not a readable image.
        VideoError: the JPEG cannot be encoded.
        ModelError: detector or face check weights missing or not verifying.
    """
    started = time.perf_counter()
    spec.check(reference=engines.reference is not None)
    options, face_check = spec.options, spec.face_check
    input_path, output_path = Path(input_path), Path(outputs.path)
    if output_path.resolve() == input_path.resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    reference, embedder = engines.reference, engines.embedder
    if reference is not None and embedder is None:
        raise UsageError("a reference face needs the embedder it was made with")
    image = read_still(input_path)
    height, width = image.shape[:2]
    detector = engines.detector or build_detector(options)
    plan = detect_still(image, options, detector)
    text = still_text(image, options)  # issue 29: masked in its own style, not a face
    identity = None
    if reference is not None and embedder is not None:
        identity = _match_reference(image, plan, reference, embedder, spec.max_face_distance)
    kept = list(identity.kept_tracks) if identity is not None else []
    zone_mask = rasterize_zones(spec.zones, (width, height))
    masker = Masker(options.style, (width, height), zone_mask)
    found: list[tuple[float, float, float, float]] = []
    region = _still_region(spec, plan.xyxy[np.isin(plan.tracker_id, kept)], (width, height))
    outside = OutsideMasker((width, height)) if spec.requester_only is not None else None

    def draw() -> tuple[bytes, sv.Detections, float]:
        canvas = image.copy()
        extra = np.asarray(found, np.float32) if found else None
        mask, masked, _ = mask_frame(
            masker,
            canvas,
            with_faces(plan, text),
            keep_tracks=kept,
            extra=extra,
            kept_face_wins=options.kept_face_wins,
        )
        if outside is not None:  # after faces and zones: the cells average masked pixels
            outside.apply(canvas, region, mask)
        return encode_jpeg(canvas), masked, float(np.count_nonzero(mask) / mask.size)

    data, masked, fraction = draw()
    check_info = None
    if face_check.enabled:
        check_started = time.perf_counter()
        checker = build_face_checker(
            (width, height),
            options=face_check,
            provider=options.provider,
            threads=options.threads,
            mask_scale=options.style.scale,
            zone_mask=zone_mask,
            detectors=engines.face_checkers,
        )
        kept_xyxy = np.asarray(plan.xyxy[np.isin(plan.tracker_id, kept)], np.float32).reshape(-1, 4)

        def check(_: Collection[int] | None) -> tuple[list[Finding], int]:
            checker.reset()  # one picture: no motion history (the whole picture is zoomed)
            boxes = RenderedBoxes(np.asarray(masked.xyxy, np.float32).reshape(-1, 4), kept_xyxy)
            return checker.check(0, decode_still(data, name=str(output_path)), boxes), 1

        def remask(findings: list[Finding]) -> Collection[int]:
            nonlocal data, masked, fraction
            found.extend(f.xyxy for f in findings)
            data, masked, fraction = draw()
            return (0,)

        check_info = check_and_remask(checker, face_check, check, remask, str(output_path), check_started)
    write_jpeg(output_path, data)
    kept_set = set(kept)
    report = StillReport(
        input_path=str(input_path),
        output_path=str(output_path),
        width=width,
        height=height,
        detector=detector.info,
        parameters={
            **options.to_dict(),
            "privacy_zones": [[list(map(float, v)) for v in zone] for zone in spec.zones],
            "detect_regions": options.use_regions((width, height)),
            "jpeg_quality": STILL_JPEG_QUALITY,
            "metadata": "none: re-encoded from pixels (no EXIF, GPS or thumbnail)",
            **({"text": {"lines_masked": len(text)}} if options.mask_text else {}),
            **({"requester_only": {"region": _rounded(region)}} if outside is not None else {}),
        },
        faces=tuple(
            StillFace(i, tuple(round(float(v), 1) for v in xyxy), round(float(c), 4), i in kept_set)  # type: ignore[arg-type]  # four values: xyxy
            for i, (xyxy, c) in enumerate(zip(plan.xyxy, plan.confidence, strict=True))
        ),
        masked_boxes=len(masked),
        masked_fraction=round(fraction, 5),
        face_check=check_info,
        identity=identity,
        elapsed_s=round(time.perf_counter() - started, 3),
    )
    write_json(report.to_dict(), outputs.report)
    return report


def _still_region(spec: MaskSpec, kept_xyxy: np.ndarray, resolution_wh: tuple[int, int]) -> np.ndarray | None:
    """A requester-only still's region (n, 4): a region given by the caller, else the kept faces'
    bodies; None: not requester-only, or nobody kept (the whole still is pixelated)."""
    requester = spec.requester_only
    if requester is None:
        return None
    if requester.resolved is not None:
        return requester.resolved.boxes.get(0)
    if not len(kept_xyxy):
        return None
    return np.stack([body_box(face, resolution_wh) for face in kept_xyxy])


def _rounded(region: np.ndarray | None) -> list[list[float]]:
    return [] if region is None else region.astype(float).round(1).tolist()


def copy_still_unredacted(
    input_path: Path, output_path: Path, *, privacy_zones: Sequence[Polygon] = ()
) -> tuple[tuple[int, int], float]:
    """An approved unredacted police copy of a still: faces visible, privacy zones masked (12.4),
    re-encoded from pixels all the same (no metadata leaves).

    Returns:
        The picture's (width, height) and the seconds taken.
    """
    started = time.perf_counter()
    image = read_still(Path(input_path))
    height, width = image.shape[:2]
    masker = Masker(MaskStyle(), (width, height), rasterize_zones(privacy_zones, (width, height)))
    masker.apply(image, np.zeros((0, 4), np.float32))
    write_jpeg(Path(output_path), encode_jpeg(image))
    return (width, height), time.perf_counter() - started
