"""Process a request: cut its windows, redact, package, record the release and the disclosure."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Approval, Release, ReleaseClip, Request
from cctvkit.config import JobsSection, SiteConfig
from cctvkit.errors import ConflictError, PolicyError, UsageError
from cctvkit.files import sha256_file
from cctvkit.jobs import Backend, ChunkedRun, make_backend, one_pass_record, redact_chunked
from cctvkit.redact import FaceDetector, RedactOptions, build_detector
from cctvkit.redact.identity import (
    DEFAULT_MAX_DISTANCE,
    FaceEmbedder,
    IdentityMatch,
    ReferenceFace,
    load_reference,
    redact_keeping_reference,
)
from cctvkit.redact.zones import Polygon
from cctvkit.requests.approval import check_unredacted_allowed
from cctvkit.requests.clips import PlannedClip
from cctvkit.requests.cut import CutClip
from cctvkit.requests.disclosure import record_release
from cctvkit.requests.kinds import release_blockers
from cctvkit.requests.manifest import (
    ManifestBuilder,
    ReleaseManifest,
    container_tags,
    redaction_summary,
    unredacted_summary,
)
from cctvkit.requests.package import (
    check_release_dir,
    staged_archive_path,
    staged_package,
    write_manifest_and_sums,
)
from cctvkit.requests.plain_copy import copy_unredacted
from cctvkit.requests.run import RequestPlan, clip_run, plan_request
from cctvkit.requests.sealed import seal_directory

__all__ = ["ClipOutcome", "ProcessOptions", "ProcessResult", "process_request"]

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


@dataclass(frozen=True, slots=True)
class ClipOutcome:
    """What rendering one clip of a release produced.

    Attributes:
        frames: frames written.
        faces_masked: face tracks masked.
        tracks_kept: face tracks left visible.
        elapsed_s: seconds the render took.
        redaction: the manifest's ``redaction`` entry for the clip.
        identity: the ``keep_face`` decisions, if a photo was given.
        unknown_kept_tracks: requested kept ids no track of the clip had.
    """

    frames: int
    faces_masked: int
    tracks_kept: int
    elapsed_s: float
    redaction: dict[str, object]
    identity: IdentityMatch | None = None
    unknown_kept_tracks: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Redactor:
    """The redacting renderer for a release: detector (and face reference) loaded once, chunks
    run on the ``[jobs]`` backend (issue 16)."""

    options: RedactOptions
    detector: FaceDetector
    reference: ReferenceFace | None
    embedder: FaceEmbedder | None
    max_distance: float
    jobs: JobsSection
    backend: Backend

    def render(
        self,
        cut: CutClip,
        output: Path,
        *,
        zones: Sequence[Polygon],
        keep: Sequence[int],
        report_path: Path,
        metadata: dict[str, str],
        progress: Callable[[int, int], None] | None,
        jobs_dir: Path,
        job_owner: str,
        label: str,
    ) -> ClipOutcome:
        identity = None
        if self.reference is not None and self.embedder is not None:
            report, identity = redact_keeping_reference(
                Path(cut.path),
                output,
                self.reference,
                embedder=self.embedder,
                options=self.options,
                privacy_zones=zones,
                keep_tracks=keep,
                max_distance=self.max_distance,
                detector=self.detector,
                progress=progress,
                report_path=report_path,
                metadata=metadata,
            )
            # One pass (the photo is matched against one analysis' tracks): one chunk, here.
            run = ChunkedRun(report, (one_pass_record(report),), "this process (--keep-face)")
        else:
            run = redact_chunked(
                Path(cut.path),
                output,
                options=self.options,
                settings=self.jobs,
                backend=self.backend,
                directory=jobs_dir,
                owner=job_owner,
                privacy_zones=zones,
                keep_tracks=keep,
                detector=self.detector,
                progress=progress,
                report_path=report_path,
                metadata=metadata,
                label=label,
            )
            report = run.report
        summary = redaction_summary(report)
        # Which worker redacted which frames: the release names the hosts that saw them.
        summary["jobs"] = {"backend": run.backend, "chunks": [c.to_dict() for c in run.chunks]}
        if identity is not None:
            summary["identity"] = identity.to_dict()
        return ClipOutcome(
            report.frame_count,
            int(summary["faces_masked"]),  # type: ignore[call-overload]
            len(report.kept_tracks),
            report.elapsed_s,
            summary,
            identity,
            report.unknown_kept_tracks,
        )


def _redactor(options: ProcessOptions, jobs: JobsSection, backend: Backend) -> _Redactor:
    detector = build_detector(options.redact)
    embedder = reference = None
    if options.keep_face is not None:
        embedder = FaceEmbedder()
        reference = load_reference(
            options.keep_face, detector=detector, embedder=embedder, threshold=options.redact.threshold
        )
    return _Redactor(
        options.redact, detector, reference, embedder, options.max_face_distance, jobs, backend
    )


def _render_unredacted(cut: CutClip, output: Path, zones: Sequence[Polygon]) -> ClipOutcome:
    """The approved police copy: only the privacy zones masked."""
    frames, seconds = copy_unredacted(Path(cut.path), output, privacy_zones=zones)
    summary = unredacted_summary(zones=len(zones), frames=frames, seconds=seconds)
    return ClipOutcome(frames, 0, 0, seconds, summary)


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
    plan: RequestPlan | None = None,
) -> ProcessResult:
    """Produce a release package for a request and record it in the disclosure log.

    Steps: check the request may be answered (identity, refusal, police approval); find its
    footage (restricted, purged and missing parts become named gaps); lease the source recordings
    so a concurrent purge skips them; verify their hashes; cut each clip frame-accurately across
    segments; redact it (third-party faces and privacy zones masked, no audio) or, for an approved
    police copy, mask the zones only; write the clips, ``manifest.json`` and ``SHA256SUMS`` in a
    staging directory; optionally seal it; then in one transaction record the release, its clips,
    the disclosure and the audit records, and rename the staging directory into place.

    Args:
        plan: the request's clips as :func:`~cctvkit.requests.run.plan_request` numbered them
            (what ``options``' clip numbers refer to); found here if None.

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
    plan = plan or plan_request(catalog, request_id)
    if plan.request.id != request_id:
        raise UsageError(f"the clip plan is of request {plan.request.id}, not {request_id}")
    request = plan.request
    approval = _check_choices(request, plan.clips, options, actor)
    clips = [c for c in plan.clips if c.number not in options.withhold]
    release_root = check_release_dir(config.release_dir, config.archive_roots)
    rows: list[ReleaseClip] = []
    with (
        clip_run(
            catalog,
            config,
            plan,
            actor=actor,
            holder=f"request {request.id} pid {os.getpid()}",
            clips=clips,
            release=True,
        ) as run,
        staged_package(release_root / str(run.release_id)) as stage,
        closing(make_backend(config.jobs)) as backend,
    ):
        rel_id = str(run.release_id)
        final = release_root / rel_id
        cuts = run.cut()
        redactor = None if options.unredacted else _redactor(options, config.jobs, backend)
        builder = ManifestBuilder(
            release_id=rel_id,
            created_at=now,
            operator=actor,
            site_name=config.site.name,
            timezone=config.site.timezone,
            request=request,
            redacted=not options.unredacted,
            approval=approval,
        )
        (stage / "clips").mkdir(mode=0o700)
        for clip in clips:
            cut = cuts[clip.number]
            camera = config.camera(clip.camera_id)
            zones = camera.privacy_zones if camera else []
            local = cut.start_utc.astimezone(config.tz)
            name = f"clips/{clip.number:02d}-{clip.camera_id}-{local:%Y%m%dT%H%M%S}.mp4"
            if redactor is None:
                outcome = _render_unredacted(cut, stage / name, zones)
            else:
                outcome = redactor.render(
                    cut,
                    stage / name,
                    zones=zones,
                    keep=sorted(options.keep_tracks.get(clip.number, ())),
                    report_path=run.work / f"release-{rel_id}-clip-{clip.number:02d}.redaction.json",
                    metadata=container_tags(cut, rel_id),
                    progress=progress,
                    jobs_dir=run.work / "jobs",
                    job_owner=f"{request.id}/clip-{clip.number:02d}",
                    label=f"clip {clip.number}",
                )
                if outcome.unknown_kept_tracks:
                    raise UsageError(
                        f"clip {clip.number}: track id(s) {list(outcome.unknown_kept_tracks)} do not exist; "
                        f"pick ids from `cctvkit request review {request.id}`"
                    )
            if outcome.frames != cut.frame_count:
                raise ConflictError(f"clip {clip.number}: wrote {outcome.frames} of {cut.frame_count} frames")
            digest = sha256_file(stage / name)
            builder.add_clip(
                clip,
                cut,
                file=name,
                sha256=digest,
                size_bytes=(stage / name).stat().st_size,
                redaction=outcome.redaction,
            )
            rows.append(
                ReleaseClip(
                    name,
                    clip.camera_id,
                    clip.window.seq,
                    cut.start_utc,
                    cut.end_utc,
                    outcome.frames,
                    digest,
                    outcome.faces_masked,
                    outcome.tracks_kept,
                    round(outcome.elapsed_s, 3),
                )
            )
        builder.add_unavailable(plan.coverage)
        for clip in plan.clips:
            if clip.number in options.withhold:
                builder.add_withheld(clip, options.withhold[clip.number])
        manifest = builder.build()
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
        len(manifest.clips),
        manifest.outcome,
        len(manifest.withheld),
    )
    sealed = Path(release.archive_path) if release.archive_path else None
    return ProcessResult(release, final, sealed, manifest)
