"""One report (and review sheet) for a clip from its chunks' reports, in the clip's frame numbers."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from cctvkit.jobs.plan import Chunk
from cctvkit.redact.analysis import FramePlan, StoredAnalysis
from cctvkit.redact.face_check import FaceCheckSummary
from cctvkit.redact.pipeline import review_paths
from cctvkit.redact.report import FrameStat, RedactionReport, TrackSummary, write_json
from cctvkit.redact.review import TrackGallery, write_contact_sheet
from cctvkit.video import VideoReader
from cctvkit.video.timeline import FrameTimeline

__all__ = [
    "gathered_evidence",
    "joined_analysis",
    "joined_face_check",
    "joined_report",
    "write_review_from_report",
]


def write_review_from_report(input_path: Path, output_path: Path, report: RedactionReport) -> None:
    """The contact sheet and tracks JSON of a joined run: each track's best sighting, unmasked."""
    wanted: dict[int, list[TrackSummary]] = {}
    for track in report.tracks:
        wanted.setdefault(track.best_frame, []).append(track)
    gallery = TrackGallery()
    with VideoReader(input_path) as reader:
        for frame in reader.frames():
            for track in wanted.get(frame.index, ()):
                gallery.put(track.track_id, frame.index, frame.image, track.best_xyxy)
            if frame.index >= max(wanted, default=-1):
                break
    sheet_path, tracks_path = review_paths(output_path)
    write_contact_sheet(gallery, sheet_path)
    tracks = [
        {
            "track_id": t.track_id,
            "first_frame": t.first_frame,
            "last_frame": t.last_frame,
            "detected_frames": t.detected_frames,
            "best_frame": t.best_frame,
            "best_xyxy": list(t.best_xyxy),
        }
        for t in report.tracks
    ]
    write_json({"input": str(input_path), "tracks": tracks}, tracks_path)


def joined_report(
    reports: Sequence[RedactionReport],
    chunks: Sequence[Chunk],
    timeline: FrameTimeline,
    input_path: Path,
    output_path: Path,
    keep_tracks: Iterable[int],
    elapsed_s: float,
) -> RedactionReport:
    """One report for the clip: the chunks' frames and tracks in clip frame numbers."""
    frames: list[FrameStat] = []
    tracks: list[TrackSummary] = []
    zero = timeline.time_s(0)
    for report, chunk in zip(reports, chunks, strict=True):
        for stat in report.frames:  # numbered from the chunk's first frame
            index = stat.index + chunk.first
            frames.append(replace(stat, index=index, time_s=round(timeline.time_s(index) - zero, 4)))
        shift = chunk.context_first  # tracks are numbered in the analysed span
        for track in report.tracks:
            tracks.append(
                replace(
                    track,
                    first_frame=track.first_frame + shift,
                    last_frame=track.last_frame + shift,
                    best_frame=track.best_frame + shift,
                )
            )
    keep = {int(t) for t in keep_tracks}
    ids = {t.track_id for t in tracks}
    first = reports[0]
    parameters = dict(first.parameters)
    parameters["keep_tracks_requested"] = sorted(keep)
    parameters["detect_region_stats"] = None  # per chunk, in the chunks' reports
    parameters["chunks"] = [
        {
            "index": c.index,
            "first_frame": c.first,
            "frames": c.frames,
            "context": [c.context_first, c.context_end],
        }
        for c in chunks
    ]
    return RedactionReport(
        input_path=str(input_path),
        output_path=str(output_path),
        span_s=None,
        width=first.width,
        height=first.height,
        fps=str(Fraction(timeline.fps)),
        frame_count=len(frames),
        audio=any(r.audio for r in reports),
        parameters=parameters,
        detector=first.detector,
        tracks=tuple(sorted(tracks, key=lambda t: t.track_id)),
        kept_tracks=tuple(sorted(keep & ids)),
        unknown_kept_tracks=tuple(sorted(keep - ids)),
        untracked_boxes=sum(r.untracked_boxes for r in reports),
        masked_fraction_mean=round(float(np.mean([f.masked_fraction for f in frames])), 5),
        frames=tuple(frames),
        elapsed_s=round(elapsed_s, 3),
        face_check=joined_face_check(reports, chunks),
    )


def joined_analysis(
    analyses: Sequence[StoredAnalysis], chunks: Sequence[Chunk], report: RedactionReport
) -> StoredAnalysis:
    """One stored analysis of the whole clip from its chunks' (each with its context): each chunk's
    own frames' plans, numbered in the clip with the chunk's track ids (and its text lines' ids
    shifted by the same offset: each chunk numbers its lines from 0, issue 29), and the joined tracks.

    What the review page reads (issue 15): it shows and previews a chunked clip's masks, and its
    manual masks (clip frame numbers) reach the chunks that hold their frames.
    """
    frames: list[FramePlan] = []
    for stored, chunk in zip(analyses, chunks, strict=True):
        offset = chunk.track_id_offset
        for plan in stored.frames:
            index = plan.index + chunk.context_first
            if chunk.first <= index < chunk.end:
                # faces: t >= 0; text lines: -2 - line (shifted the other way); -1: untracked
                ids = tuple(t + offset if t >= 0 else t - offset if t <= -2 else t for t in plan.tracker_id)
                frames.append(replace(plan, index=index, tracker_id=ids))
    first = analyses[0].summary
    clip = replace(first.clip, span_s=None, expected_frames=len(frames))
    summary = replace(
        first,
        clip=clip,
        frame_count=len(frames),
        tracks=report.tracks,
        untracked_boxes=report.untracked_boxes,
    )
    return StoredAnalysis(summary, tuple(frames))


def joined_face_check(reports: Sequence[RedactionReport], chunks: Sequence[Chunk]) -> FaceCheckSummary | None:
    """One face check summary for the clip from its chunks' (each checked its own frames):
    :meth:`FaceCheckSummary.merge <cctvkit.redact.face_check.FaceCheckSummary.merge>`."""
    parts = [r.face_check for r in reports]
    if not parts or any(p is None for p in parts):
        return None
    return FaceCheckSummary.merge([p for p in parts if p is not None], [c.first for c in chunks])


def gathered_evidence(
    parts: Sequence[FaceCheckSummary], part_dirs: Sequence[Path], joined: FaceCheckSummary, report_path: Path
) -> FaceCheckSummary:
    """The joined face check with each remaining finding's evidence PNG (a chunk wrote it beside
    its own report) copied beside the clip's report and named as a one-pass run names it
    (``<report stem>.finding-<n>.png``), so the review page finds it (issue 25).

    Args:
        parts: the chunks' summaries, in clip order (:func:`joined_face_check` joined them in it).
        part_dirs: where each chunk's report (and its evidence) lies.
        joined: their join.
        report_path: the clip's report.
    """
    sources = [
        Path(directory) / finding.evidence if finding.evidence else None
        for part, directory in zip(parts, part_dirs, strict=True)
        for finding in part.remaining_findings
    ]
    report_path = Path(report_path)
    findings = []
    for number, (finding, source) in enumerate(zip(joined.remaining_findings, sources, strict=True), 1):
        if source is not None and source.is_file():
            target = report_path.with_name(f"{report_path.stem}.finding-{number}.png")
            shutil.copyfile(source, target)
            finding = replace(finding, evidence=target.name)
        findings.append(finding)
    return replace(joined, remaining_findings=tuple(findings))
