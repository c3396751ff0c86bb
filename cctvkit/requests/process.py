"""Process a request: cut its windows, redact, package, record the release and the disclosure."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from cctvkit.catalog import releases as relq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Approval, Release, ReleaseClip, Request
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError, PolicyError, UsageError
from cctvkit.files import sha256_file
from cctvkit.jobs import ChunkedRun, make_backend, one_pass_record, redact_chunked
from cctvkit.redact import RedactionReport, RedactOptions, build_detector
from cctvkit.redact.identity import (
    DEFAULT_MAX_DISTANCE,
    FaceEmbedder,
    IdentityMatch,
    load_reference,
    redact_keeping_reference,
)
from cctvkit.requests.approval import check_unredacted_allowed
from cctvkit.requests.clips import PlannedClip, cut_clips, plan_clips, verify_sources
from cctvkit.requests.coverage import WITHHELD_REASONS, CameraCoverage, find_coverage
from cctvkit.requests.cut import CutClip
from cctvkit.requests.disclosure import record_release
from cctvkit.requests.estimate import lease_ttl
from cctvkit.requests.ids import release_id
from cctvkit.requests.kinds import recipient_category, release_blockers
from cctvkit.requests.lifecycle import get_request
from cctvkit.requests.manifest import ManifestClip, ManifestSource, ReleaseManifest, WithheldPart
from cctvkit.requests.package import (
    check_release_dir,
    staged_archive_path,
    staged_package,
    write_manifest_and_sums,
)
from cctvkit.requests.plain_copy import copy_unredacted
from cctvkit.requests.sealed import seal_directory
from cctvkit.requests.session import request_run
from cctvkit.requests.workspace import work_dir
from cctvkit.retention.leases import leased

__all__ = ["ProcessOptions", "ProcessResult", "process_request"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProcessOptions:
    """Choices staff make for one release.

    Attributes:
        keep_tracks: per clip number, the track ids (from ``request review``) left visible.
        withhold: per clip number, the reason it is not released (13.9.1: e.g. faces that cannot
            be masked reliably); the release becomes partial and names it.
        unredacted: an unredacted police copy (needs a second person's approval).
        passphrase: also write an encrypted archive of the package with this passphrase.
        redact: detection, tracking, masking and encoding parameters.
        keep_face: a photo of the requester; in every clip the tracks whose face matches it are
            left visible too (one analysis and one render per clip; needs the extra ``faces``).
        max_face_distance: ``keep_face``'s similarity threshold (embedding distance).
    """

    keep_tracks: Mapping[int, frozenset[int]] = field(default_factory=dict)
    withhold: Mapping[int, str] = field(default_factory=dict)
    unredacted: bool = False
    passphrase: str | None = None
    redact: RedactOptions = field(default_factory=RedactOptions)
    keep_face: Path | None = None
    max_face_distance: float = DEFAULT_MAX_DISTANCE


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """What a run produced.

    Attributes:
        release: the release as recorded.
        path: the package directory.
        archive_path: the encrypted archive, if one was made.
        manifest: the manifest written into the package.
    """

    release: Release
    path: Path
    archive_path: Path | None
    manifest: ReleaseManifest


def _unavailable_parts(coverage: Sequence[CameraCoverage]) -> list[WithheldPart]:
    return [
        WithheldPart(
            c.window.seq,
            c.camera_id,
            g.start_utc,
            g.end_utc,
            g.reason,
            g.detail,
            withheld=g.reason in WITHHELD_REASONS,
        )
        for c in coverage
        for g in c.gaps
    ]


def _source_entries(cut: CutClip) -> tuple[ManifestSource, ...]:
    out = []
    frame_s = 1 / float(Fraction(cut.fps))
    for part in cut.parts:
        # Wall-clock times of the frames used: the recording's start plus the frames' own times.
        start = datetime.fromisoformat(part.first_frame_utc)
        end = start + timedelta(seconds=part.frames * frame_s)
        out.append(
            ManifestSource(
                part.recording_id,
                Path(part.path).name,
                part.sha256,
                (part.span_start_s, part.span_end_s),
                part.first_frame_s,
                part.last_frame_s,
                part.frames,
                start,
                end,
            )
        )
    return tuple(out)


def _container_tags(cut: CutClip, rel_id: str) -> dict[str, str]:
    """Tags for a released clip's container: its real start (UTC) and its sources (issue #5)."""
    sources = ", ".join(f"{Path(part.path).name} (id {part.recording_id})" for part in cut.parts)
    return {
        "creation_time": cut.start_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "comment": f"cctvkit release {rel_id}, faces and privacy zones masked; sources: {sources}",
    }


def _redaction_summary(report: RedactionReport, run: ChunkedRun) -> dict[str, object]:
    masked_tracks = [t.track_id for t in report.tracks if not t.kept]
    # Which worker redacted which frames (issue 16): the release names the hosts that saw them.
    chunks = {"backend": run.backend, "chunks": [c.to_dict() for c in run.chunks]}
    return {
        "engine": "cctvkit.redact",
        "model": report.detector.name,
        "weights_sha256": report.detector.sha256,
        "weights_licence": report.detector.licence,
        "provider": report.detector.provider,
        "parameters": report.parameters,
        "faces_masked": len(masked_tracks),
        "face_boxes_masked": sum(f.masked_faces for f in report.frames),
        "unconfirmed_sightings_masked": report.untracked_boxes,
        "tracks_kept": len(report.kept_tracks),
        "kept_track_ids": list(report.kept_tracks),
        "masked_track_ids": masked_tracks,
        "privacy_zones": len(report.parameters.get("privacy_zones") or []),
        "masked_fraction_mean": report.masked_fraction_mean,
        "audio": report.audio,
        "frames": report.frame_count,
        "processing_s": report.elapsed_s,
        "jobs": chunks,
    }


def _check_choices(
    request: Request, clips: Sequence[PlannedClip], options: ProcessOptions, actor: str
) -> Approval | None:
    problems = release_blockers(request)
    if problems:
        raise PolicyError(f"cannot release for {request.id}: " + "; ".join(problems))
    approval = check_unredacted_allowed(request, actor) if options.unredacted else None
    if not clips:
        raise ConflictError(
            f"request {request.id}: no footage can be released (see `cctvkit request find {request.id}`); "
            f"record the answer with `cctvkit request refuse {request.id} --reason ...`"
        )
    numbers = {c.number for c in clips}
    for number in [*options.keep_tracks, *options.withhold]:
        if number not in numbers:
            raise UsageError(f"clip {number} does not exist (clips 1..{len(clips)})")
    if options.unredacted and options.keep_tracks:
        raise UsageError("--keep-track makes no sense with --unredacted (no face is masked)")
    if options.unredacted and options.keep_face is not None:
        raise UsageError("--keep-face makes no sense with --unredacted (no face is masked)")
    if all(c.number in options.withhold for c in clips):
        raise ConflictError(
            "every clip is withheld: record a refusal instead (`cctvkit request refuse ID --reason ...`)"
        )
    return approval


def process_request(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    options: ProcessOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ProcessResult:
    """Produce a release package for a request and record it in the disclosure log.

    Steps: check the request may be answered (identity, refusal, police approval); find its
    footage (restricted, purged and missing parts become named gaps); lease the source recordings
    so a concurrent purge skips them; verify their hashes; cut each clip frame-accurately across
    segments; redact it (third-party faces and privacy zones masked, no audio) or, for an approved
    police copy, mask the zones only; write the clips, ``manifest.json`` and ``SHA256SUMS`` in a
    staging directory; optionally seal it; then in one transaction record the release, its clips,
    the disclosure and the audit records, and rename the staging directory into place.

    Raises:
        PolicyError: identity not verified, refused, restricted footage only, no approval for an
            unredacted copy, or a source altered since indexing.
        ConflictError: the request is closed, or there is nothing to release.
        UsageError: unknown clip numbers, or kept track ids that do not exist in their clip;
            a ``keep_face`` photo without one clear face.
        NotFoundError: the ``keep_face`` photo does not exist.
        ModelError: ``keep_face`` without the extra ``faces`` installed.
        ArchivePathError: the release directory overlaps an archive root.
    """
    now = now or datetime.now(UTC)
    options = options or ProcessOptions()
    request = get_request(catalog, request_id)
    coverage = find_coverage(catalog, request)
    all_clips = plan_clips(coverage)
    approval = _check_choices(request, all_clips, options, actor)
    clips = [c for c in all_clips if c.number not in options.withhold]
    release_root = check_release_dir(config.release_dir, config.archive_roots)
    with catalog.read() as conn:
        rel_id = release_id(request.id, relq.count_releases(conn, request.id) + 1)
    final = release_root / rel_id
    work = work_dir(config, request.id)
    recording_ids = sorted({r for c in clips for r in c.recording_ids})
    entries: list[ManifestClip] = []
    rows: list[ReleaseClip] = []
    with (
        request_run(catalog, config, request.id, actor=actor, release_id=rel_id),
        leased(
            catalog,
            recording_ids,
            holder=f"request {request.id} pid {os.getpid()}",
            ttl=lease_ttl(catalog, sum(round(s.duration_s * s.fps) for c in clips for s in c.spans)),
        ),
        staged_package(final) as stage,
        closing(make_backend(config.jobs)) as backend,
    ):
        hashes = verify_sources(clips)
        cuts = cut_clips(clips, work, hashes)
        detector = None if options.unredacted else build_detector(options.redact)
        embedder = reference = None
        if options.keep_face is not None and detector is not None:
            embedder = FaceEmbedder()
            reference = load_reference(
                options.keep_face, detector=detector, embedder=embedder, threshold=options.redact.threshold
            )
        (stage / "clips").mkdir(mode=0o700)
        for clip in clips:
            cut = cuts[clip.number]
            camera = config.camera(clip.camera_id)
            zones = camera.privacy_zones if camera else []
            local = cut.start_utc.astimezone(config.tz)
            name = f"clips/{clip.number:02d}-{clip.camera_id}-{local:%Y%m%dT%H%M%S}.mp4"
            if options.unredacted:
                frames, seconds = copy_unredacted(Path(cut.path), stage / name, privacy_zones=zones)
                summary: dict[str, object] = {
                    "engine": "none: unredacted police copy",
                    "faces_masked": 0,
                    "tracks_kept": 0,
                    "privacy_zones": len(zones),
                    "audio": False,
                    "frames": frames,
                    "processing_s": round(seconds, 3),
                }
                faces, kept, elapsed = 0, 0, seconds
            else:
                keep = sorted(options.keep_tracks.get(clip.number, ()))
                identity: IdentityMatch | None = None
                report_path = work / f"release-{rel_id}-clip-{clip.number:02d}.redaction.json"
                if reference is not None and embedder is not None:
                    report, identity = redact_keeping_reference(
                        Path(cut.path),
                        stage / name,
                        reference,
                        embedder=embedder,
                        options=options.redact,
                        privacy_zones=zones,
                        keep_tracks=keep,
                        max_distance=options.max_face_distance,
                        detector=detector,
                        progress=progress,
                        report_path=report_path,
                        metadata=_container_tags(cut, rel_id),
                    )
                    # One pass (the reference is matched against one analysis' tracks): one chunk.
                    run = ChunkedRun(report, (one_pass_record(report),), "this process (--keep-face)")
                else:
                    run = redact_chunked(
                        Path(cut.path),
                        stage / name,
                        options=options.redact,
                        settings=config.jobs,
                        backend=backend,
                        directory=work / "jobs",
                        owner=f"{request.id}/clip-{clip.number:02d}",
                        privacy_zones=zones,
                        keep_tracks=keep,
                        detector=detector,
                        progress=progress,
                        report_path=report_path,
                        metadata=_container_tags(cut, rel_id),
                        label=f"clip {clip.number}",
                    )
                    report = run.report
                if report.unknown_kept_tracks:
                    raise UsageError(
                        f"clip {clip.number}: track id(s) {list(report.unknown_kept_tracks)} do not exist; "
                        f"pick ids from `cctvkit request review {request.id}`"
                    )
                frames = report.frame_count
                summary = _redaction_summary(report, run)
                if identity is not None:
                    summary["identity"] = identity.to_dict()
                faces, kept, elapsed = int(summary["faces_masked"]), len(report.kept_tracks), report.elapsed_s
            if frames != cut.frame_count:
                raise ConflictError(f"clip {clip.number}: wrote {frames} of {cut.frame_count} frames")
            digest = sha256_file(stage / name)
            entries.append(
                ManifestClip(
                    file=name,
                    sha256=digest,
                    size_bytes=(stage / name).stat().st_size,
                    camera_id=clip.camera_id,
                    window_seq=clip.window.seq,
                    window_place=clip.window.place,
                    window_start_utc=clip.window.start_utc,
                    window_end_utc=clip.window.end_utc,
                    start_utc=cut.start_utc,
                    end_utc=cut.end_utc,
                    frame_count=cut.frame_count,
                    fps=cut.fps,
                    width=cut.width,
                    height=cut.height,
                    sources=_source_entries(cut),
                    redaction=summary,
                )
            )
            rows.append(
                ReleaseClip(
                    name,
                    clip.camera_id,
                    clip.window.seq,
                    cut.start_utc,
                    cut.end_utc,
                    frames,
                    digest,
                    faces,
                    kept,
                    round(elapsed, 3),
                )
            )
        withheld = _unavailable_parts(coverage) + [
            WithheldPart(
                c.window.seq,
                c.camera_id,
                c.spans[0].start_utc,
                c.spans[-1].end_utc,
                "withheld",
                f"clip {c.number} withheld by {actor}: {options.withhold[c.number]} (13.9)",
                True,
            )
            for c in all_clips
            if c.number in options.withhold
        ]
        outcome = "partial" if any(w.withheld for w in withheld) else "released"
        manifest = ReleaseManifest(
            release_id=rel_id,
            created_at=now,
            operator=actor,
            site_name=config.site.name,
            timezone=config.site.timezone,
            request={
                "id": request.id,
                "type": request.kind,
                "received_on": request.received_on.isoformat(),
                "due_on": request.due_on.isoformat(),
                "requester": request.requester,
                "police_reference": request.police_reference,
                "identity_method": request.identity_method,
                "purpose": request.purpose,
            },
            recipient={"name": request.recipient, "category": recipient_category(request.kind)},
            legal_basis=request.legal_basis,
            outcome=outcome,
            redacted=not options.unredacted,
            approval=None
            if approval is None
            else {
                "scope": approval.scope,
                "approved_by": approval.approved_by,
                "approved_at": approval.approved_at.isoformat(),
                "copy_made_by": actor,
            },
            clips=tuple(entries),
            withheld=tuple(withheld),
        )
        manifest_sha = write_manifest_and_sums(stage, manifest)
        archive = None
        if options.passphrase:
            archive = seal_directory(stage, staged_archive_path(stage), options.passphrase)
        try:
            release = record_release(
                catalog,
                request,
                manifest,
                rows,
                manifest_sha=manifest_sha,
                final=final,
                archive=archive,
                stage=stage,
                now=now,
            )
        except BaseException:
            if archive is not None:
                archive.unlink(missing_ok=True)
            if final.exists() and not stage.exists():
                shutil.rmtree(final, ignore_errors=True)
            raise
    log.info(
        "release %s for %s: %d clip(s), %s, %d part(s) not released",
        rel_id,
        request.id,
        len(entries),
        outcome,
        len(withheld),
    )
    sealed = Path(release.archive_path) if release.archive_path else None
    return ProcessResult(release, final, sealed, manifest)
