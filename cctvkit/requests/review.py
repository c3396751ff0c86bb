"""Review a request's clips before release: contact sheets of face tracks, to pick the subject's ids."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.audit import write_audit
from cctvkit.catalog.db import Catalog
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError
from cctvkit.jobs import make_backend, redact_chunked
from cctvkit.redact import RedactOptions, TrackSummary, build_detector, review_paths
from cctvkit.requests.clips import cut_clips, plan_clips, verify_sources
from cctvkit.requests.coverage import find_coverage
from cctvkit.requests.estimate import lease_ttl
from cctvkit.requests.lifecycle import get_request
from cctvkit.requests.session import request_run
from cctvkit.requests.workspace import work_dir
from cctvkit.retention.leases import leased

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
        preview_path: the clip with every face masked (what the release looks like with no keeps).
        tracks: the face tracks found.
    """

    number: int
    camera_id: str
    window_seq: int
    start_utc: datetime
    end_utc: datetime
    sheet_path: Path
    tracks_path: Path
    preview_path: Path
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
) -> list[ReviewSheet]:
    """Cut each clip of the request and run the redaction engine's review on it.

    The working clips are kept in the request's working directory, so ``request process`` reads
    the same frames with the same options and the track ids on the sheets hold.

    Raises:
        ConflictError: the request is closed, or there is no footage to review.
    """
    now = now or datetime.now(UTC)
    options = options or RedactOptions()
    request = get_request(catalog, request_id)
    if not request.is_open:
        raise ConflictError(f"request {request_id} is closed")
    clips = plan_clips(find_coverage(catalog, request))
    if not clips:
        raise ConflictError(f"request {request_id}: no footage to review (see `cctvkit request find`)")
    work = work_dir(config, request_id)
    review_dir = work / "review"
    review_dir.mkdir(mode=0o700, exist_ok=True)
    detector = build_detector(options)
    sheets = []
    recording_ids = sorted({r for c in clips for r in c.recording_ids})
    frames = sum(round(s.duration_s * s.fps) for c in clips for s in c.spans)
    ttl = lease_ttl(catalog, frames)
    with (
        request_run(catalog, config, request_id, actor=actor),
        leased(catalog, recording_ids, holder=f"review of request {request_id}", ttl=ttl),
        closing(make_backend(config.jobs)) as backend,
    ):
        hashes = verify_sources(clips)
        cuts = cut_clips(clips, work, hashes)
        for clip in clips:
            cut = cuts[clip.number]
            camera = config.camera(clip.camera_id)
            preview = review_dir / f"clip-{clip.number:02d}.mp4"
            # The same chunks as `request process` makes, so the track ids on the sheet hold.
            report = redact_chunked(
                Path(cut.path),
                preview,
                options=options,
                settings=config.jobs,
                backend=backend,
                directory=work / "jobs",
                owner=f"{request_id}/clip-{clip.number:02d}",
                privacy_zones=camera.privacy_zones if camera else (),
                detector=detector,
                progress=progress,
                report_path=review_dir / f"clip-{clip.number:02d}.redaction.json",
                label=f"clip {clip.number}",
                review=True,
            ).report
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
                    preview,
                    report.tracks,
                )
            )
    with catalog.write() as conn:
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
