"""Redact, audit the output with a second model family, re-mask what it finds, report the rest.

The loop (issue 17): render the clip; check its decoded frames for visible faces
(:class:`~cctvkit.redact.audit_faces.FaceAuditor`); each finding becomes a masked box on its frame
and on the frames around it (:attr:`AuditOptions.reach_s` plus the unchecked frames between
checks), the clip is rendered again from the stored analysis (:func:`~cctvkit.redact.analysis.replay`:
a decode and an encode, nothing detected again) and the frames that changed are checked again, for at most
:attr:`AuditOptions.rounds` rounds. What is still found after the last round is *remaining*: the
report's ``audit`` object names its frames and boxes, and callers refuse to look finished
(``cctvkit redact`` exits 9, ``request process`` publishes nothing). Kept tracks' faces are never
findings, so the subject stays visible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import supervision as sv

from cctvkit.redact.analysis import (
    Analysis,
    AnalysisSummary,
    AnalyzedFrame,
    ClipInfo,
    FramePlan,
    FrameSource,
    ProgressCallback,
    StoredAnalysis,
    analyze,
    replay,
)
from cctvkit.redact.audit_faces import (
    FaceAuditor,
    Finding,
    FrameBoxes,
    build_auditor,
    frames_to_check,
    spread,
    summary,
)
from cctvkit.redact.core_frames import CoreFrames
from cctvkit.redact.detectors.base import FaceDetector
from cctvkit.redact.options import AuditOptions, RedactOptions
from cctvkit.redact.pipeline import default_report_path, write_review
from cctvkit.redact.render import MaskCallback, render
from cctvkit.redact.report import RedactionReport, write_json
from cctvkit.redact.zones import Polygon, rasterize_zones
from cctvkit.video import VideoReader

__all__ = ["redact_audited"]

log = logging.getLogger(__name__)


class _Recorder:
    """A frame source passed through unchanged, keeping each frame's plan for later replays."""

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self.plans: list[FramePlan] = []

    @property
    def clip(self) -> ClipInfo:
        return self._source.clip

    @property
    def options(self) -> RedactOptions:
        return self._source.options

    def __iter__(self) -> Iterator[AnalyzedFrame]:
        frames = iter(self._source)
        try:
            for analyzed in frames:
                self.plans.append(FramePlan.of(analyzed))
                yield analyzed
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def summary(self) -> AnalysisSummary:
        return self._source.summary()


def _merge_masks(
    given: FrameBoxes | None, found: dict[int, list[np.ndarray]] | None
) -> dict[int, np.ndarray] | None:
    """Per frame, the given boxes and the audit's findings as one (n, 4) array."""
    rows: dict[int, list[np.ndarray]] = {}
    for index, boxes in (given or {}).items():
        rows.setdefault(index, []).append(np.asarray(boxes, np.float32).reshape(-1, 4))
    for index, boxes in (found or {}).items():
        rows.setdefault(index, []).extend(np.asarray(b, np.float32).reshape(-1, 4) for b in boxes)
    return {i: np.concatenate(v) for i, v in rows.items()} or None


def redact_audited(
    input_path: Path,
    output_path: Path,
    *,
    options: RedactOptions | None = None,
    audit: AuditOptions | None = None,
    audit_detectors: tuple[FaceDetector, FaceDetector] | None = None,
    stored: StoredAnalysis | None = None,
    span_s: tuple[float, float] | None = None,
    privacy_zones: Sequence[Polygon] = (),
    keep_tracks: Iterable[int] = (),
    detector: FaceDetector | None = None,
    progress: ProgressCallback | None = None,
    report_path: Path | None = None,
    review: bool = False,
    on_mask: MaskCallback | None = None,
    metadata: dict[str, str] | None = None,
    extra_masks: FrameBoxes | None = None,
    frame_range: tuple[int, int] | None = None,
    track_id_offset: int = 0,
    encoder_threads: int = 0,
    on_stored: Callable[[StoredAnalysis], None] | None = None,
) -> RedactionReport:
    """:func:`~cctvkit.redact.pipeline.redact_video`, then the audit loop; the report carries ``audit``.

    ``extra_masks`` (a reviewer's boxes, see :func:`~cctvkit.redact.render.render`) are masked in
    every round, beside the audit's findings.

    Args:
        input_path: the source video.
        output_path: the redacted MP4 (replaced, atomically, by each re-mask round).
        options: the first pass's parameters.
        audit: checking and re-masking parameters (``enabled=False``: render once, unaudited).
        audit_detectors: (native, zoomed) audit detectors already loaded (reused across clips).
        stored: an analysis already made of ``input_path`` (``--keep-face`` decides its kept
            tracks on one): replayed instead of analysing again (then ``span_s``, ``detector``
            and ``review`` do not apply).
        span_s, privacy_zones, keep_tracks, detector, progress, report_path, review, on_mask,
            metadata: as for :func:`~cctvkit.redact.pipeline.redact_video` (``on_mask`` sees the
            last round's frames last).
        extra_masks: per analysed frame (index in ``span_s``), boxes masked in every round.
        frame_range: render and audit only the analysed frames ``first <= index < end`` (a
            chunk's own frames: the frames around them are analysed for tracking, not written;
            see :class:`~cctvkit.redact.core_frames.CoreFrames`); None: all. The report and the
            ``audit`` object count output frames from 0.
        track_id_offset: added to the track ids (a chunk's id block); ``keep_tracks`` are shifted ids.
        encoder_threads: x264 threads (see :func:`~cctvkit.redact.render.render`).
        on_stored: called once with the first pass's stored analysis (every analysed frame).

    Returns:
        The last render's report with the ``audit`` object and the whole run's time (also
        written to ``report_path``).

    Raises:
        As ``redact_video``; ModelError when the audit's weights do not verify.
    """
    started = time.perf_counter()
    options = options or RedactOptions()
    audit = audit or AuditOptions()
    report_path = Path(report_path) if report_path is not None else default_report_path(output_path)
    keep = sorted({int(t) for t in keep_tracks})
    first = frame_range[0] if frame_range is not None else 0
    masked: dict[int, np.ndarray] = {}

    def view(source: FrameSource) -> FrameSource:
        if frame_range is None and not track_id_offset:
            return source
        return CoreFrames(source, frame_range, track_id_offset)

    def again(stored: StoredAnalysis) -> FrameSource:
        if frame_range is None:
            return view(replay(stored))
        return view(replay(stored, frames=(frame_range[0], frame_range[1] - 1)))

    def collect(index: int, mask: np.ndarray, boxes: sv.Detections) -> None:
        masked[index] = np.array(boxes.xyxy, np.float32)
        if on_mask is not None:
            on_mask(index, mask, boxes)

    def draw(source: FrameSource, extra: dict[int, list[np.ndarray]] | None) -> RedactionReport:
        masked.clear()
        return render(
            source,
            output_path,
            options=options,
            privacy_zones=privacy_zones,
            keep_tracks=keep,
            # the audit's findings are per output frame, render's masks per analysed frame
            extra_masks=_merge_masks(extra_masks, {i + first: b for i, b in (extra or {}).items()}),
            progress=progress,
            on_mask=collect,
            metadata=metadata,
            encoder_threads=encoder_threads,
        )

    analysis: Analysis | None = None
    if stored is None:
        with analyze(input_path, options=options, span_s=span_s, detector=detector) as analysis:
            live = _Recorder(analysis)
            report = draw(view(live), None)
        stored = StoredAnalysis(analysis.summary(), tuple(live.plans))
    else:
        report = draw(again(stored), None)
    if on_stored is not None:
        on_stored(stored)
    if not audit.enabled:
        info = summary(
            None, audit, frames_checked=0, findings=0, re_masked=0, remaining=[], rounds=0, elapsed_s=0.0
        )
        return _finish(report, info, started, report_path, analysis if review else None, output_path)
    audit_started = time.perf_counter()
    size = (report.width, report.height)
    auditor = build_auditor(
        size,
        options=audit,
        provider=options.provider,
        threads=options.threads,
        mask_scale=options.style.scale,
        zone_mask=rasterize_zones(privacy_zones, size) if privacy_zones else None,
        detectors=audit_detectors,
    )
    count = report.frame_count
    kept = _kept_boxes(stored, [t - track_id_offset for t in keep if t >= track_id_offset], first)
    checked = frames_to_check(count, audit.every)
    findings = _scan(output_path, checked, masked, kept, auditor)
    frames_checked, total, re_masked, rounds = len(checked), len(findings), 0, 0
    reach = options.frames(audit.reach_s, float(stored.summary.clip.fps)) + audit.every - 1
    extra: dict[int, list[np.ndarray]] = {}
    render_s = 0.0
    while findings and rounds < audit.rounds:
        rounds += 1
        added = spread(findings, count, reach)
        for index, boxes in added.items():
            extra.setdefault(index, []).extend(boxes)
        re_masked += len(findings)
        log.info("audit round %d: %d finding(s) re-masked on %d frame(s)", rounds, len(findings), len(added))
        rendering = time.perf_counter()
        report = draw(again(stored), extra)  # decode and encode only: nothing is detected again
        render_s += time.perf_counter() - rendering
        checked = frames_to_check(count, audit.every, only=added)
        auditor.reset()  # the frames checked next are not consecutive
        findings = _scan(output_path, checked, masked, kept, auditor)
        frames_checked += len(checked)
        total += len(findings)
    info = summary(
        auditor,
        audit,
        frames_checked=frames_checked,
        findings=total,
        re_masked=re_masked,
        remaining=findings,
        rounds=rounds,
        elapsed_s=time.perf_counter() - audit_started - render_s,
    )
    info["re_render_s"] = round(render_s, 3)
    if findings:
        log.warning(
            "audit: %d face(s) still visible in %s after %d round(s)", len(findings), output_path, rounds
        )
    return _finish(report, info, started, report_path, analysis if review else None, output_path)


def _finish(
    report: RedactionReport,
    audit_info: dict[str, object],
    started: float,
    report_path: Path,
    review_of: Analysis | None,  # the analysis whose gallery makes the review files
    output_path: Path,
) -> RedactionReport:
    report = replace(report, audit=audit_info, elapsed_s=round(time.perf_counter() - started, 3))
    write_json(report.to_dict(), report_path)
    if review_of is not None:
        write_review(review_of, report.tracks, output_path)
    return report


def _kept_boxes(stored: StoredAnalysis, keep: Sequence[int], first: int = 0) -> dict[int, np.ndarray]:
    """Per output frame (analysed index less ``first``), the kept tracks' boxes (by analysed ids;
    not early ones: those stay masked, see ``render``)."""
    if not keep:
        return {}
    out = {}
    for plan in stored.frames:
        rows = [
            xyxy
            for xyxy, track, early in zip(plan.xyxy, plan.tracker_id, plan.early, strict=True)
            if track in keep and not early
        ]
        if rows and plan.index >= first:
            out[plan.index - first] = np.array(rows, np.float32)
    return out


def _scan(
    path: Path,
    frames: list[int],
    masked: dict[int, np.ndarray],
    kept: dict[int, np.ndarray],
    auditor: FaceAuditor,
) -> list[Finding]:
    """Decode the rendered output and check the listed frames."""
    wanted = set(frames)
    found: list[Finding] = []
    if not wanted:
        return found
    last = max(wanted)
    empty = np.empty((0, 4), np.float32)
    with VideoReader(path) as reader:
        for index, frame in enumerate(reader.frames()):
            if index in wanted:
                boxes = FrameBoxes(masked.get(index, empty), kept.get(index, empty))
                found += auditor.check(index, frame.image, boxes)
            if index >= last:
                break
    return found
