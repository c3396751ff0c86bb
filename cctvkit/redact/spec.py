"""The three records every redaction is composed of: what decides the pixels, what is loaded once,
and where the results go.

:class:`MaskSpec` is the whole of what decides an output's pixels (the same spec and input give
the same frames), so chunk jobs hash :meth:`MaskSpec.settings` for their names. :class:`Engines`
are the models loaded once and reused across clips and stills; :class:`Outputs` say where files
go and who hears about progress. :func:`~cctvkit.redact.pipeline.redact` takes the three.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from cctvkit.errors import UsageError
from cctvkit.redact.boxes import FrameBoxes
from cctvkit.redact.identity.match import DEFAULT_MAX_DISTANCE
from cctvkit.redact.options import FaceCheckOptions, RedactOptions
from cctvkit.redact.zones import Polygon

if TYPE_CHECKING:  # the detector stack and dlib load only when a redaction runs
    from cctvkit.redact.analysis import StoredAnalysis
    from cctvkit.redact.detectors.base import FaceDetector
    from cctvkit.redact.identity.embedder import FaceEmbedder
    from cctvkit.redact.identity.reference import ReferenceFace
    from cctvkit.redact.report import RedactionReport
    from cctvkit.redact.requester_region import RegionFrames

__all__ = [
    "BoxesByFrame",
    "ClipRunner",
    "Engines",
    "MaskSpec",
    "Outputs",
    "RequesterRegion",
    "default_report_path",
]

BoxesByFrame = Mapping[int, np.ndarray]
"""Per analysed frame index, an (n, 4) array of ``xyxy`` pixel boxes."""

ProgressCallback = Callable[[int, int], None]
"""Called with (frames done, frames expected)."""


@dataclass(frozen=True, slots=True)
class RequesterRegion:
    """A requester-only release (issue 26): the requester's region stays, everything else is masked.

    The region is the kept tracks' bodies, followed through the clip
    (:mod:`cctvkit.redact.requester_region`); a redaction resolves it once, after the analysis,
    and renders, checks and reports that one.

    Attributes:
        drawn: per analysed frame, boxes an operator drew for the region (the review page); they
            replace the followed region on their frames.
        resolved: the region the release is rendered with (set by the redaction; a caller may
            pass a stored one, which is then used as it is).
    """

    drawn: BoxesByFrame | None = None
    resolved: RegionFrames | None = None

    def boxes(self, index: int) -> np.ndarray | None:
        """Frame ``index``'s region boxes (n, 4), or None: no region (all masked)."""
        if self.resolved is None:
            raise UsageError("the requester's region has not been worked out for this clip")
        return self.resolved.boxes.get(index)


@dataclass(frozen=True, slots=True)
class MaskSpec:
    """What decides the pixels of a redacted output.

    Attributes:
        options: detection, tracking, masking and encoding parameters.
        face_check: how the output is checked for visible faces by a second model family and
            re-masked (``enabled=False``: rendered once, unchecked).
        zones: privacy zones, polygons in normalised coordinates, masked in every frame.
        keep_tracks: track ids left visible (a reference face adds its matching tracks).
        keep_boxes: per analysed frame, boxes whose overlapping plan boxes stay visible.
        manual_masks: per analysed frame, boxes masked whatever is kept (a reviewer's boxes).
        max_face_distance: the identity threshold when :attr:`Engines.reference` keeps a face.
        requester_only: the requester-only region (issue 26); None: an ordinary release.
        keep_text: per analysed frame, lines of text left readable: a text box of the plan
            overlapping one is not masked (a shop sign the review page kept, issue 29).
    """

    options: RedactOptions = field(default_factory=RedactOptions)
    face_check: FaceCheckOptions = field(default_factory=FaceCheckOptions)
    zones: tuple[Polygon, ...] = ()
    keep_tracks: tuple[int, ...] = ()
    keep_boxes: BoxesByFrame | None = None
    manual_masks: BoxesByFrame | None = None
    max_face_distance: float = DEFAULT_MAX_DISTANCE
    requester_only: RequesterRegion | None = None
    keep_text: BoxesByFrame | None = None

    @classmethod
    def of(
        cls,
        options: RedactOptions | None = None,
        face_check: FaceCheckOptions | None = None,
        *,
        zones: Sequence[Polygon] = (),
        keep_tracks: Sequence[int] = (),
        manual_masks: BoxesByFrame | None = None,
    ) -> MaskSpec:
        """A spec from loose values: kept ids sorted and unique, zones and boxes as tuples and arrays."""
        return cls(
            options=options or RedactOptions(),
            face_check=face_check or FaceCheckOptions(),
            zones=tuple(tuple((float(x), float(y)) for x, y in zone) for zone in zones),
            keep_tracks=tuple(sorted({int(t) for t in keep_tracks})),
            manual_masks=_boxes(manual_masks),
        )

    def check(self, *, reference: bool = False) -> None:
        """Refuse what no redaction can do.

        Args:
            reference: a reference face will add kept tracks (``--keep-face``).

        Raises:
            UsageError: a requester-only release without a kept track, a reference face or a
                region given (it needs the requester).
        """
        requester = self.requester_only
        if requester is not None and requester.resolved is None and not (self.keep_tracks or reference):
            raise UsageError(
                "requester-only needs the requester: a kept track (--keep-track) or face (--keep-face)"
            )

    def settings(self) -> dict[str, Any]:
        """The spec as the plain values a chunk job's settings hash is made of (and its job
        carries): the same values, the same pixels.

        ``keep_boxes`` and ``requester_only`` are left out while no chunked caller sets them
        (the hash input is then what it was before they existed, and finished jobs stay valid).

        Raises:
            UsageError: ``keep_boxes`` or a requester-only region are set (not hashed yet).
        """
        if self.keep_boxes or self.keep_text or self.requester_only is not None:
            raise UsageError("kept boxes, kept text and requester-only regions do not run as chunk jobs yet")
        return {
            "options": self.options.to_dict(),
            "zones": [[[float(v) for v in point] for point in zone] for zone in self.zones],
            "keep": sorted({int(t) for t in self.keep_tracks}),
            "masks": FrameBoxes(self.manual_masks).rows(),
            # "audit": the key before the face check was renamed, so finished jobs keep their hash
            "audit": asdict(self.face_check) if self.face_check.enabled else None,
        }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> MaskSpec:
        """The spec :meth:`settings` described (a chunk job's, on its worker)."""
        check = settings["audit"]
        return cls.of(
            RedactOptions.from_dict(settings["options"]),
            FaceCheckOptions(**check) if check else FaceCheckOptions(enabled=False),
            zones=[[(x, y) for x, y in zone] for zone in settings["zones"]],
            keep_tracks=settings["keep"],
            manual_masks=FrameBoxes.from_rows(settings["masks"]) or None,
        )


def _boxes(boxes: BoxesByFrame | None) -> FrameBoxes | None:
    return FrameBoxes(boxes) or None


class ClipRunner(Protocol):
    """Redacts a whole clip some other way than in this process at once (chunk jobs on a backend:
    :class:`cctvkit.jobs.ChunkRunner`). :func:`~cctvkit.redact.pipeline.redact` hands it a clip
    when no span, reference face or stored analysis asks for one pass here."""

    def redact_clip(
        self, input_path: Path, spec: MaskSpec, engines: Engines, outputs: Outputs
    ) -> RedactionReport: ...


@dataclass(frozen=True, slots=True)
class Engines:
    """What a redaction loads once and reuses: absent ones are loaded per call.

    Attributes:
        detector: the first pass's face detector (built from the spec's options if None).
        face_checkers: the face check's (native, zoomed) detectors (loaded if None and needed).
        reference: the subject's face, kept visible (``--keep-face``); needs ``embedder``.
        embedder: the embedder ``reference`` was made with.
        runner: where whole clips go (chunk jobs); None: this process, in one pass.
    """

    detector: FaceDetector | None = None
    face_checkers: tuple[FaceDetector, FaceDetector] | None = None
    reference: ReferenceFace | None = None
    embedder: FaceEmbedder | None = None
    runner: ClipRunner | None = None

    @classmethod
    def load(
        cls,
        spec: MaskSpec,
        *,
        keep_face: Path | None = None,
        detector: FaceDetector | None = None,
        runner: ClipRunner | None = None,
    ) -> Engines:
        """Load the detector (unless given), the face check's models (if it is on) and
        ``keep_face``'s face.

        Raises:
            NotFoundError, UsageError: ``keep_face`` missing, unreadable or without one face.
            ModelError: weights missing or not matching the manifest (dlib: the ``faces`` extra).
        """
        from cctvkit.redact.analysis import build_detector
        from cctvkit.redact.face_checker import load_face_check_detectors

        options = spec.options
        detector = detector or build_detector(options)
        embedder = reference = None
        if keep_face is not None:
            from cctvkit.redact.identity.embedder import FaceEmbedder
            from cctvkit.redact.identity.reference import load_reference

            embedder = FaceEmbedder()
            reference = load_reference(
                keep_face, detector=detector, embedder=embedder, threshold=options.threshold
            )
        checkers = None
        if spec.face_check.enabled:
            checkers = load_face_check_detectors(provider=options.provider, threads=options.threads)
        return cls(detector, checkers, reference, embedder, runner)


@dataclass(frozen=True, slots=True)
class Outputs:
    """Where a redaction's results go and who hears about its progress.

    Attributes:
        path: the redacted file (written under a temporary name, renamed when complete).
        report_path: the JSON report; None: ``<output stem>.redaction.json``.
        review: also write the contact sheet and tracks JSON (clips; see
            :func:`~cctvkit.redact.pipeline.review_paths`).
        metadata: the output's container tags (``creation_time``, ``comment``...).
        progress: called with (frames done, frames expected).
        on_mask: called per output frame with its mask and boxes (evaluation; see
            :data:`~cctvkit.redact.render.MaskCallback`).
        analysis_path: also write the stored analysis here (every analysed frame's plan).
        encoder_threads: x264 threads (0: FFmpeg decides; 1: the same bytes on every run).
    """

    path: Path
    report_path: Path | None = None
    review: bool = False
    metadata: Mapping[str, str] | None = None
    progress: ProgressCallback | None = None
    on_mask: Callable[[int, np.ndarray, Any], None] | None = None
    analysis_path: Path | None = None
    encoder_threads: int = 0

    @property
    def report(self) -> Path:
        """Where the report goes."""
        return Path(self.report_path) if self.report_path is not None else default_report_path(self.path)

    def on_stored(self, stored: StoredAnalysis) -> None:
        """Write the stored analysis, if asked for."""
        if self.analysis_path is not None:
            from cctvkit.redact.report import write_json

            write_json(stored.to_dict(), self.analysis_path)


def default_report_path(output_path: Path) -> Path:
    """``<output stem>.redaction.json``: where a redaction's JSON report goes by default."""
    stem = Path(output_path).with_suffix("")
    return stem.with_name(stem.name + ".redaction.json")
