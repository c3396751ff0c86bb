"""Redact, audit the output with a second model family, re-mask what it finds, report the rest.

The loop (issue 17): render the clip; check its decoded frames for visible faces
(:class:`~cctvkit.redact.audit_faces.FaceAuditor`); each finding becomes a masked box on its frame
and on the frames around it (:attr:`AuditOptions.reach_s` plus the unchecked frames between
checks), the clip is rendered again and the frames that changed are checked again, for at most
:attr:`AuditOptions.rounds` rounds. What is still found after the last round is *remaining*: the
report's ``audit`` object names its frames and boxes, and callers refuse to look finished
(``cctvkit redact`` exits 9, ``request process`` publishes nothing). Kept tracks' faces are never
findings, so the subject stays visible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from cctvkit.redact.audit_faces import (
    FaceAuditor,
    Finding,
    FrameBoxes,
    build_auditor,
    frames_to_check,
    spread,
    summary,
)
from cctvkit.redact.detectors.base import FaceDetector
from cctvkit.redact.options import AuditOptions, RedactOptions
from cctvkit.redact.pipeline import default_report_path, redact_video
from cctvkit.redact.report import RedactionReport, write_json
from cctvkit.redact.zones import Polygon, rasterize_zones
from cctvkit.video import VideoReader

__all__ = ["redact_audited"]

log = logging.getLogger(__name__)


def redact_audited(
    input_path: Path,
    output_path: Path,
    *,
    options: RedactOptions | None = None,
    audit: AuditOptions | None = None,
    audit_detectors: tuple[FaceDetector, FaceDetector] | None = None,
    privacy_zones: Sequence[Polygon] = (),
    report_path: Path | None = None,
    **redact_args: Any,
) -> RedactionReport:
    """:func:`~cctvkit.redact.pipeline.redact_video`, then the audit loop; the report carries ``audit``.

    Args:
        input_path: the source video.
        output_path: the redacted MP4 (rewritten in place by each re-mask round).
        options: the first pass's parameters.
        audit: checking and re-masking parameters (``enabled=False``: render once, unaudited).
        audit_detectors: (native, zoomed) audit detectors already loaded (reused across clips).
        privacy_zones: as for ``redact_video`` (faces inside a zone are masked already).
        report_path: where the JSON report goes; default ``OUTPUT.redaction.json``.
        **redact_args: every other ``redact_video`` argument.

    Returns:
        The last render's report with the ``audit`` object (also written to ``report_path``).

    Raises:
        As ``redact_video``; ModelError when the audit's weights do not verify.
    """
    options = options or RedactOptions()
    audit = audit or AuditOptions()
    report_path = Path(report_path) if report_path is not None else default_report_path(output_path)
    boxes: dict[int, FrameBoxes] = {}

    def collect(index: int, masked: np.ndarray, kept: np.ndarray) -> None:
        boxes[index] = FrameBoxes(np.array(masked, np.float32), np.array(kept, np.float32))

    def render(extra: dict[int, list[np.ndarray]] | None) -> RedactionReport:
        boxes.clear()
        return redact_video(
            input_path,
            output_path,
            options=options,
            privacy_zones=privacy_zones,
            report_path=report_path,
            extra_boxes={i: np.stack(v) for i, v in extra.items()} if extra else None,
            on_boxes=collect,
            **redact_args,
        )

    report = render(None)
    if not audit.enabled:
        return _with_audit(
            report,
            summary(
                None, audit, frames_checked=0, findings=0, re_masked=0, remaining=[], rounds=0, elapsed_s=0.0
            ),
            report_path,
        )
    started = time.perf_counter()
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
    checked = frames_to_check(count, audit.every)
    findings = _scan(output_path, checked, boxes, auditor)
    frames_checked, total, re_masked, rounds = len(checked), len(findings), 0, 0
    reach = options.frames(audit.reach_s, float(_fps(report)), minimum=0) + audit.every - 1
    extra: dict[int, list[np.ndarray]] = {}
    while findings and rounds < audit.rounds:
        rounds += 1
        added = spread(findings, count, reach)
        for index, new in added.items():
            extra.setdefault(index, []).extend(new)
        re_masked += len(findings)
        log.info("audit round %d: %d finding(s) re-masked on %d frame(s)", rounds, len(findings), len(added))
        report = render(extra)
        checked = frames_to_check(count, audit.every, only=added)
        auditor.reset()
        findings = _scan(output_path, checked, boxes, auditor)
        frames_checked += len(checked)
        total += len(findings)
    audit_info = summary(
        auditor,
        audit,
        frames_checked=frames_checked,
        findings=total,
        re_masked=re_masked,
        remaining=findings,
        rounds=rounds,
        elapsed_s=time.perf_counter() - started,
    )
    if findings:
        log.warning(
            "audit: %d face(s) still visible in %s after %d round(s)", len(findings), output_path, rounds
        )
    return _with_audit(report, audit_info, report_path)


def _with_audit(report: RedactionReport, audit_info: dict[str, Any], report_path: Path) -> RedactionReport:
    report = replace(report, audit=audit_info)
    write_json(report.to_dict(), report_path)
    return report


def _fps(report: RedactionReport) -> float:
    numerator, _, denominator = report.fps.partition("/")
    return float(numerator) / float(denominator or 1)


def _scan(path: Path, frames: list[int], boxes: dict[int, FrameBoxes], auditor: FaceAuditor) -> list[Finding]:
    """Decode the rendered output and check the listed frames."""
    wanted = set(frames)
    found: list[Finding] = []
    if not wanted:
        return found
    last = max(wanted)
    with VideoReader(path) as reader:
        for index, frame in enumerate(reader.frames()):
            if index in wanted:
                found += auditor.check(index, frame.image, boxes.get(index, FrameBoxes()))
            if index >= last:
                break
    return found
