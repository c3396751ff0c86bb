"""The one entry point of a redaction: :func:`redact` a video or a still, composed of a
:class:`~cctvkit.redact.spec.MaskSpec` (what decides the pixels), :class:`~cctvkit.redact.spec.Engines`
(what is loaded once) and :class:`~cctvkit.redact.spec.Outputs` (where results go).

A clip is :func:`~cctvkit.redact.analysis.analyze` streamed into :func:`~cctvkit.redact.render.render`
(detection beside masking and encoding, one decode), then the face check (a second model family
looks for faces still visible, its findings are re-masked by replaying the stored analysis:
:mod:`cctvkit.redact.face_check_rounds`), then the JSON report and, on request, the review files. With a
reference face the analysis runs first on its own, the matching tracks are kept, and the render
replays it. A still goes to :func:`~cctvkit.redact.still.redact_still`; a whole clip goes to
:attr:`Engines.runner <cctvkit.redact.spec.Engines.runner>` (chunk jobs) when one is given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import supervision as sv

from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.redact.analysis import (
    Analysis,
    FrameSource,
    ProgressCallback,
    StoredAnalysis,
    analyze,
    build_detector,
    collect,
    replay,
)
from cctvkit.redact.boxes import FrameBoxes
from cctvkit.redact.core_frames import CoreFrames
from cctvkit.redact.face_check import FaceCheckSummary
from cctvkit.redact.face_check_rounds import LiveCheck, Recorder, kept_boxes, scan, source_images
from cctvkit.redact.face_checker import (
    Finding,
    build_face_checker,
    check_and_remask,
    frames_to_check,
)
from cctvkit.redact.finding_tracks import follow_findings
from cctvkit.redact.finding_verdict import write_evidence
from cctvkit.redact.render import REDACTED_COMMENT, MaskCallback, masked_images, render
from cctvkit.redact.report import RedactionReport, TrackSummary, write_json
from cctvkit.redact.review import write_contact_sheet
from cctvkit.redact.spec import Engines, MaskSpec, Outputs, default_report_path
from cctvkit.redact.zones import rasterize_zones
from cctvkit.video import even_size

if TYPE_CHECKING:
    from cctvkit.redact.identity.match import IdentityMatch
    from cctvkit.redact.still import StillReport

__all__ = [
    "REDACTED_COMMENT",
    "MaskCallback",
    "ProgressCallback",
    "build_detector",
    "default_report_path",
    "redact",
    "redact_clip",
    "review_paths",
    "write_review",
]

log = logging.getLogger(__name__)


def review_paths(output_path: Path) -> tuple[Path, Path]:
    """Return the contact sheet (PNG) and tracks (JSON) paths that go with ``output_path``."""
    output_path = Path(output_path)
    stem = output_path.with_suffix("")
    return stem.with_name(stem.name + ".review.png"), stem.with_name(stem.name + ".tracks.json")


def redact(
    input_path: Path,
    spec: MaskSpec,
    engines: Engines,
    outputs: Outputs,
    *,
    span_s: tuple[float, float] | None = None,
) -> RedactionReport | StillReport:
    """Redact a video or a still (judged by content): every face but the kept ones, and the zones.

    A video becomes H.264 in MP4 with the input's frame count and timestamps (from the start of
    ``span_s``), even dimensions and no audio unless ``spec.options.keep_audio``; a still a JPEG
    re-encoded from its pixels. Either is written under a temporary name and renamed only when
    complete; on any error nothing is left behind. Faces the face check still sees after its
    last round are in the report's ``face_check`` (the output is written all the same: the caller
    decides).

    Args:
        input_path: the source video or still.
        spec: what decides the pixels.
        engines: models already loaded (absent ones are loaded here), and where whole clips run.
        outputs: the output, report and review paths, progress.
        span_s: (start, end) seconds of a video to redact (one pass here); None: all of it.

    Raises:
        UsageError: bad options, zones or span; output path equal to the input; a span for a still.
        NotFoundError: the output folder or the reference photo does not exist.
        VideoOpenError, CorruptVideoError, SeekError: the input cannot be read (or ``span_s``
            lies outside it).
        ModelError: weights missing or not matching the manifest.
        ConflictError: with a reference face, the analysis and the render saw different tracks.
    """
    from cctvkit.video import is_still_image, probe

    input_path = Path(input_path)
    if is_still_image(input_path) and probe(input_path).kind == "still":  # probe: sizes, damage
        if span_s is not None:
            raise UsageError(f"{input_path}: a still image: a span does not apply to a still")
        from cctvkit.redact.still import redact_still

        return redact_still(input_path, spec, engines, outputs)
    if (
        engines.runner is not None
        and span_s is None
        and engines.reference is None
        and spec.requester_only is None
    ):
        return engines.runner.redact_clip(input_path, spec, engines, outputs)
    return redact_clip(input_path, spec, engines, outputs, span_s=span_s)


def redact_clip(
    input_path: Path,
    spec: MaskSpec,
    engines: Engines,
    outputs: Outputs,
    *,
    span_s: tuple[float, float] | None = None,
    frame_range: tuple[int, int] | None = None,
    track_id_offset: int = 0,
) -> RedactionReport:
    """Redact a video in this process, in one pass (see :func:`redact`).

    Args:
        input_path, spec, engines, outputs, span_s: as for :func:`redact` (``engines.runner``
            does not apply).
        frame_range: render and check only the analysed frames ``first <= index < end`` (a
            chunk's own frames: the frames around them are analysed for tracking, not written;
            see :class:`~cctvkit.redact.core_frames.CoreFrames`); None: all. The report and the
            ``face_check`` object count output frames from 0.
        track_id_offset: added to the track ids (a chunk's id block); ``spec.keep_tracks`` are
            shifted ids.

    Returns:
        The last render's report with the face check's ``face_check`` object, the identity decisions
        of a reference face and the whole run's time (also written to ``outputs.report``).
    """
    started = time.perf_counter()
    spec.check(reference=engines.reference is not None)
    input_path, output_path = Path(input_path), Path(outputs.path)
    if output_path.resolve() == input_path.resolve():
        raise UsageError(f"{output_path}: the output would overwrite the input")
    options = spec.options
    detector = engines.detector
    identity: IdentityMatch | None = None
    analysis: Analysis
    stored: StoredAnalysis | None = None
    # A reference face's tracks and a requester's region are known only from the whole analysis:
    # it runs first on its own, and the render replays it.
    if engines.reference is not None or spec.requester_only is not None:
        if not output_path.parent.is_dir():  # before the work, not after
            raise NotFoundError(f"{output_path.parent}: the output folder does not exist")
        if engines.reference is not None and engines.embedder is None:
            raise UsageError("a reference face needs the embedder it was made with")
        first_half, second_half = _halves(outputs)
        with analyze(
            input_path, options=options, span_s=span_s, detector=detector, progress=first_half
        ) as analysis:
            stored = collect(analysis)
        if engines.reference is not None and engines.embedder is not None:
            from cctvkit.redact.identity.select import match_tracks

            identity = match_tracks(
                stored.summary,
                engines.reference,
                embedder=engines.embedder,
                max_distance=spec.max_face_distance,
                gallery=analysis.gallery,
            )
            spec = replace(spec, keep_tracks=tuple(sorted({*spec.keep_tracks, *identity.kept_tracks})))
        if spec.requester_only is not None:
            from cctvkit.redact.requester_only import resolve_region

            spec = resolve_region(spec, stored, track_id_offset)
        outputs = replace(outputs, progress=second_half)
    clip = _ClipRender(spec, outputs, frame_range, track_id_offset)
    checking = engines if spec.face_check.enabled else None
    if stored is None:
        with analyze(input_path, options=options, span_s=span_s, detector=detector) as analysis:
            live = Recorder(analysis)
            report = clip.first_draw(clip.view(live), checking)
        stored = StoredAnalysis(analysis.summary(), tuple(live.plans))
    else:
        report = clip.first_draw(clip.again(stored), checking)
    outputs.on_stored(stored)
    if clip.first_look is not None:
        check = clip.face_check(report, stored, clip.first_look)
    else:
        check = FaceCheckSummary.off(spec.face_check)
    report = clip.report
    if identity is not None:
        from cctvkit.redact.identity.select import check_same_tracks

        try:
            check_same_tracks(identity, report)
        except ConflictError:
            output_path.unlink(missing_ok=True)
            raise
    if spec.requester_only is not None:
        from cctvkit.redact.requester_only import region_summary

        report = replace(
            report,
            requester_only=region_summary(
                spec, clip.seen, (report.width, report.height), clip.first, check.remaining_findings
            ),
        )
    report = replace(
        report, face_check=check, identity=identity, elapsed_s=round(time.perf_counter() - started, 3)
    )
    write_json(report.to_dict(), outputs.report)
    if outputs.review:
        write_review(analysis, report.tracks, output_path)
    log.info(
        "redacted %s: %d frames, %d tracks, %d kept, %.1f fps",
        input_path,
        report.frame_count,
        len(report.tracks),
        len(report.kept_tracks),
        report.frames_per_second,
    )
    return report


def _halves(outputs: Outputs) -> tuple[ProgressCallback, ProgressCallback]:
    """Progress over two passes (analysis, then render) of the same frames."""
    progress = outputs.progress

    def first_half(done: int, total: int) -> None:
        if progress is not None:
            progress(done, 2 * total)

    def second_half(done: int, total: int) -> None:
        if progress is not None:
            progress(total + done, 2 * total)

    return first_half, second_half


class _ClipRender:
    """One clip's renders: the first, and the face check's re-mask rounds replaying its analysis."""

    def __init__(
        self, spec: MaskSpec, outputs: Outputs, frame_range: tuple[int, int] | None, track_id_offset: int
    ) -> None:
        self.spec, self.outputs = spec, outputs
        self.frame_range, self.track_id_offset = frame_range, track_id_offset
        self.first = frame_range[0] if frame_range is not None else 0
        self.masked: dict[int, np.ndarray] = {}
        """Per output frame, the boxes the last render masked (the face check's "already masked")."""
        self.found = FrameBoxes()
        """Per output frame, the face check's findings masked so far."""
        self.seen: list[Finding] = []
        """Every finding of every round (a requester-only release judges where they lie)."""
        self.report: RedactionReport
        self.first_look: LiveCheck | None = None
        """The face check's first round, made during the first render."""

    def view(self, source: FrameSource) -> FrameSource:
        if self.frame_range is None and not self.track_id_offset:
            return source
        return CoreFrames(source, self.frame_range, self.track_id_offset)

    def again(self, stored: StoredAnalysis) -> FrameSource:
        """The stored analysis replayed (decode only: nothing is detected again)."""
        if self.frame_range is None:
            return self.view(replay(stored))
        return self.view(replay(stored, frames=(self.frame_range[0], self.frame_range[1] - 1)))

    def _collect(self, index: int, mask: np.ndarray, boxes: sv.Detections) -> None:
        self.masked[index] = np.array(boxes.xyxy, np.float32)
        if self.outputs.on_mask is not None:
            self.outputs.on_mask(index, mask, boxes)

    def _with_found(self) -> MaskSpec:
        """The spec with the face check's findings so far as manual masks (findings are per
        output frame, manual masks per analysed frame)."""
        found = {i + self.first: b for i, b in self.found.items()}
        return replace(self.spec, manual_masks=FrameBoxes(self.spec.manual_masks).merge(found) or None)

    def draw(self, source: FrameSource, watch: LiveCheck | None = None) -> RedactionReport:
        self.masked.clear()
        self.report = render(source, replace(self.outputs, on_mask=self._collect), self._with_found(), watch)
        return self.report

    def first_draw(self, source: FrameSource, engines: Engines | None) -> RedactionReport:
        """The first render; with ``engines``, the face check's first round looks at its frames as
        they are made (:class:`~cctvkit.redact.face_check_rounds.LiveCheck`)."""
        if engines is None:
            return self.draw(source)
        spec, options = self.spec, self.spec.options
        size = even_size(source.clip.width, source.clip.height)  # the frames as written
        checker = build_face_checker(
            size,
            options=spec.face_check,
            provider=options.provider,
            threads=options.threads,
            mask_scale=options.style.scale,
            zone_mask=rasterize_zones(spec.zones, size) if spec.zones else None,
            detectors=engines.face_checkers,
        )
        expected = source.clip.expected_frames
        look = LiveCheck(checker, spec.face_check.every, expected, spec.keep_tracks)
        try:
            report = self.draw(source, look)
        except BaseException:
            look.stop()
            raise
        look.close()
        self.first_look = look
        return report

    def preview(self, stored: StoredAnalysis, frames: Collection[int]) -> Iterator[tuple[int, np.ndarray]]:
        """The output frames ``frames`` as the next :meth:`draw` will write them, in order,
        made as they are taken (nothing encoded, none held); what each masks becomes the face
        check's "already masked" there."""
        for index, image, boxes in masked_images(self.again(stored), self._with_found(), frames):
            self.masked[index] = boxes
            yield index, image

    def face_check(
        self, report: RedactionReport, stored: StoredAnalysis, first: LiveCheck
    ) -> FaceCheckSummary:
        """Re-mask what the first render's check found, check again and render again
        (:mod:`face_check_rounds`)."""
        # Its time: the first look's, on its thread during the render, and what follows here.
        started = time.perf_counter() - first.elapsed_s
        spec, options, output_path = self.spec, self.spec.options, Path(self.outputs.path)
        size = (report.width, report.height)
        checker = first.checker
        count, offset = report.frame_count, self.track_id_offset
        kept = kept_boxes(stored, [t - offset for t in spec.keep_tracks if t >= offset], self.first)
        every = spec.face_check.every
        reach = options.frames(spec.face_check.reach_s, float(stored.summary.clip.fps)) + every - 1

        changed = FrameBoxes()  # what the last re-mask added: a re-check looks only there
        # A round's re-masked frames are judged as made, in memory; the output is written again
        # once, after the last round (issue 25: the arcade's two whole re-renders).

        def check(only: Collection[int] | None) -> tuple[list[Finding], int]:
            if only is None:  # the first round: looked at during the render
                findings, checked = first.findings, len(first.checked)
            else:
                frames = frames_to_check(count, every, only=only)
                checker.reset()  # the frames checked next need not follow the last ones
                originals = source_images(self.again(stored))  # findings judged against the input
                images = self.preview(stored, frames)
                findings = scan(images, frames, self.masked, kept, checker, originals, changed)
                checked = len(frames)
            self.seen += findings
            return findings, checked

        def remask(findings: list[Finding]) -> Collection[int]:
            originals = source_images(self.again(stored))  # faces followed where they go
            try:
                added, _ = follow_findings(findings, originals, reach, size)
            finally:
                originals.close()
            nonlocal changed
            changed = added
            self.found = self.found.merge(added)
            return added.keys()

        def finish() -> None:
            self.draw(self.again(stored))

        summary = check_and_remask(checker, spec.face_check, check, remask, str(output_path), started, finish)
        return write_evidence(summary, checker.evidence, self.outputs.report)


def write_review(analysis: Analysis, tracks: Sequence[TrackSummary], output_path: Path) -> tuple[Path, Path]:
    """Write the contact sheet and tracks JSON of a finished analysis beside ``output_path``.

    Returns:
        The two paths (see :func:`review_paths`).
    """
    sheet_path, tracks_path = review_paths(output_path)
    write_contact_sheet(analysis.gallery, sheet_path)
    data = {"input": str(analysis.clip.input_path), "tracks": [_track_json(t) for t in tracks]}
    write_json(data, tracks_path)
    return sheet_path, tracks_path


def _track_json(track: TrackSummary) -> dict[str, object]:
    return {
        "track_id": track.track_id,
        "first_frame": track.first_frame,
        "last_frame": track.last_frame,
        "detected_frames": track.detected_frames,
        "best_frame": track.best_frame,
        "best_xyxy": list(track.best_xyxy),
    }
