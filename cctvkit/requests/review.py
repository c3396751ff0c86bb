"""Review a request's clips before release: contact sheets of face tracks, to pick the subject's ids.

Analysis only: each clip is cut, detected and tracked, nothing is encoded. The stored analysis
(``clip-NN.analysis.json``) is kept beside the sheet, so a later render or a review page can show
the masks without detecting again. A clip long enough for several chunks (issue 16) is reviewed
through the same chunk jobs as its release, so the ids on its sheet hold there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.audit import write_audit
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.reviews import insert_reviews
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError
from cctvkit.jobs import ChunkRunner, LocalBackend, chunk_length_s, clip_chunks, make_backend, redact_chunked
from cctvkit.redact import FaceDetector, RedactOptions, TrackSummary, build_detector, review_paths
from cctvkit.redact.analysis import analyze, collect
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import write_review
from cctvkit.redact.report import write_json
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.requests.camera_text import for_camera
from cctvkit.requests.keeping import review_records
from cctvkit.requests.run import RequestPlan, clip_run, plan_request
from cctvkit.requests.text_lines import review_analysis_path
from cctvkit.video.timeline import frame_timeline

__all__ = ["ReviewSheet", "review_request"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReviewSheet:
    """The review of one clip.

    Attributes:
        number: the clip number (``--keep-track NUMBER:ID``).
        camera_id: the camera.
        window_seq: the request window.
        start_utc: the clip's first frame.
        end_utc: the clip's end.
        sheet_path: PNG contact sheet, one thumbnail per track with its id (unmasked; private).
        tracks_path: the tracks as JSON.
        analysis_path: the clip's stored analysis (per-frame mask plans, :class:`StoredAnalysis` JSON;
            for a clip reviewed in chunks (issue 16), the chunks' analyses joined).
        tracks: the face tracks found.
    """

    number: int
    camera_id: str
    window_seq: int
    start_utc: datetime
    end_utc: datetime
    sheet_path: Path
    tracks_path: Path
    analysis_path: Path
    tracks: tuple[TrackSummary, ...]


def review_request(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    options: RedactOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    plan: RequestPlan | None = None,
    detector: FaceDetector | None = None,
) -> list[ReviewSheet]:
    """Cut each clip of the request and analyse it (detect and track, no encode) for its contact sheet.

    The working clips are kept in the request's working directory, so ``request process`` reads
    the same frames with the same options and the track ids on the sheets hold. ``detector``
    replaces the one ``options`` names (a review must use the detector the release will use).

    Raises:
        ConflictError: the request is closed, or there is no footage to review.
    """
    now = now or datetime.now(UTC)
    options = options or config.redaction.options()
    plan = plan or plan_request(catalog, request_id)
    if not plan.request.is_open:
        raise ConflictError(f"request {request_id} is closed")
    if not plan.clips:
        stills = (
            f"; its {len(plan.stills)} still(s) have no tracks to review: release them with "
            "`request process --keep-face PHOTO` or `--mask-everyone`"
            if plan.stills
            else ""
        )
        raise ConflictError(
            f"request {request_id}: no footage to review (see `cctvkit request find`){stills}"
        )
    sheets = []
    with (
        clip_run(catalog, config, plan, actor=actor, holder=f"review of request {request_id}") as run,
        closing(make_backend(config.jobs)) as backend,
    ):
        review_dir = run.work / "review"
        review_dir.mkdir(mode=0o700, exist_ok=True)
        detector = detector or build_detector(options)
        cuts = run.cut()
        for clip in run.clips:
            cut = cuts[clip.number]
            camera = config.camera(clip.camera_id)
            clip_options = for_camera(options, camera)  # its text masking (issue 29)
            chunks = clip_chunks(
                frame_timeline(Path(cut.path)),
                options=options,
                settings=config.jobs,
                chunk_s=chunk_length_s(config.jobs, backend),
            )
            if len(chunks) == 1 and isinstance(backend, LocalBackend):
                base = review_dir / f"clip-{clip.number:02d}.mp4"  # names the review files; never written
                with analyze(
                    Path(cut.path), options=clip_options, detector=detector, progress=progress
                ) as analysis:
                    stored = collect(analysis)
                sheet, tracks = write_review(analysis, stored.summary.tracks, base)
                analysis_path = write_json(stored.to_dict(), review_analysis_path(run.work, clip.number))
                found = stored.summary.tracks
            else:
                # The same chunks as `request process` makes (so the ids on the sheet hold, and
                # the chunks that keep no track are reused there); they encode a masked preview.
                preview = review_dir / f"clip-{clip.number:02d}.mp4"
                analysis_path = review_analysis_path(run.work, clip.number)
                found = redact_chunked(
                    Path(cut.path),
                    # face-checked as the release's chunks are by default, so it reuses them
                    MaskSpec.of(
                        clip_options, FaceCheckOptions(), zones=camera.privacy_zones if camera else ()
                    ),
                    Engines(detector=detector),
                    Outputs(
                        preview,
                        report_path=review_dir / f"clip-{clip.number:02d}.redaction.json",
                        review=True,
                        progress=progress,
                        analysis_path=analysis_path,
                    ),
                    ChunkRunner(
                        config.jobs,
                        backend,
                        run.work / "jobs",
                        f"{request_id}/clip-{clip.number:02d}",
                        label=f"clip {clip.number}",
                    ),
                ).report.tracks
                sheet, tracks = review_paths(preview)
            sheets.append(
                ReviewSheet(
                    clip.number,
                    clip.camera_id,
                    clip.window.seq,
                    cut.start_utc,
                    cut.end_utc,
                    sheet,
                    tracks,
                    analysis_path,
                    found,
                )
            )
    recording_ids = sorted({r for c in run.clips for r in c.recording_ids})
    seen = {s.number: [t.track_id for t in s.tracks] for s in sheets}
    with catalog.write() as conn:
        # What the review saw, so `request process --keep-track` can check its ids (issue #13).
        insert_reviews(conn, review_records(request_id, run.clips, seen, options, actor=actor, now=now))
        # Staff saw unmasked faces on the sheets: that is a viewing, and it is logged (7.1).
        write_audit(
            conn,
            actor=actor,
            action="request.review",
            object_kind="request",
            object_id=request_id,
            details={
                "clips": [
                    {"number": s.number, "camera": s.camera_id, "tracks": [t.track_id for t in s.tracks]}
                    for s in sheets
                ],
                "recordings": recording_ids,
            },
            now=now,
        )
    log.info("request.review %s: %d clip(s)", request_id, len(sheets))
    return sheets
