"""Process a request: cut its windows, redact clips and stills, package, record the release and disclosure."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Release, ReleaseClip, Request, ReviewRecord
from cctvkit.catalog.reviews import latest_reviews
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError, FacesRemainError, PolicyError, UsageError
from cctvkit.files import sha256_file
from cctvkit.jobs import make_backend
from cctvkit.keys import site_key
from cctvkit.os_account import current_identity
from cctvkit.redact import FaceDetector
from cctvkit.redact.face_check import REPORT_KEY
from cctvkit.redact.spec import MaskSpec, Outputs
from cctvkit.redact.still import copy_still_unredacted
from cctvkit.requests.approval import SignedApproval, check_unredacted_allowed
from cctvkit.requests.clips import PlannedStill
from cctvkit.requests.decisions import ClipDecisions, load_decisions
from cctvkit.requests.disclosure import record_release
from cctvkit.requests.face_findings import page_acceptance, release_report_path
from cctvkit.requests.keeping import check_keep_choices, keep_summary
from cctvkit.requests.kinds import release_blockers
from cctvkit.requests.manifest import (
    ManifestBuilder,
    ReleaseManifest,
    container_tags,
    still_redaction_summary,
    unredacted_summary,
)
from cctvkit.requests.package import (
    check_release_dir,
    staged_archive_path,
    staged_package,
    write_manifest_and_sums,
)
from cctvkit.requests.process_options import ProcessOptions
from cctvkit.requests.redactor import (
    ClipOutcome,
    Redactor,
    build_redactor,
    judge_face_check,
    render_unredacted,
)
from cctvkit.requests.repeat import check_not_repeated
from cctvkit.requests.requester_mode import (
    MODE,
    acceptable,
    check_requester_only,
    clip_region,
    remaining_hint,
    requester_only_for,
)
from cctvkit.requests.run import ClipRun, RequestPlan, clip_run, plan_request
from cctvkit.requests.sealed import seal_directory
from cctvkit.requests.text_lines import kept_text_boxes

__all__ = ["ClipOutcome", "ProcessOptions", "ProcessResult", "process_request"]

log = logging.getLogger(__name__)


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


def _review_summary(decided: ClipDecisions, *, overridden: bool) -> dict[str, object]:
    """What the review page decided for a clip, for the manifest (who kept what, which boxes were added)."""
    return {
        "kept_tracks": sorted(decided.keep_tracks),
        "kept_tracks_overridden_by_cli": overridden,
        "track_decisions": [
            {"track_id": d.track_id, "keep": d.keep, "reason": d.reason, "by": d.decided_by}
            for d in decided.decided_tracks.values()
        ],
        "manual_masks": [
            {"id": m.id, "frames": [m.first_frame, m.last_frame], "reason": m.reason, "by": m.created_by}
            for m in decided.masks
        ],
        **(
            {
                "text_lines": [
                    {"line": d.line_id, "keep": d.keep, "reason": d.reason, "by": d.decided_by}
                    for d in decided.text_lines.values()
                ]
            }
            if decided.text_lines
            else {}
        ),
        **(
            {
                "accepted_faces": [
                    {"id": a.id, "frames": [a.first_frame, a.last_frame], "reason": a.reason}
                    | {"by": a.decided_by}
                    for a in decided.accepted
                ]
            }
            if decided.accepted
            else {}
        ),
    }


def _check_choices(
    request: Request,
    plan: RequestPlan,
    options: ProcessOptions,
    actor: str,
    config: SiteConfig,
    reviews: Mapping[int, ReviewRecord],
    page_keeps: Mapping[int, frozenset[int]],
) -> SignedApproval | None:
    clips, stills = plan.clips, plan.stills
    problems = release_blockers(request)
    if problems:
        raise PolicyError(f"cannot release for {request.id}: " + "; ".join(problems))
    approval = check_unredacted_allowed(request, actor, config) if options.unredacted else None
    if not clips and not stills:
        raise ConflictError(
            f"request {request.id}: no footage can be released (see `cctvkit request find {request.id}`); "
            f"record the answer with `cctvkit request refuse {request.id} --reason ...`"
        )
    numbers = {c.number for c in clips}
    for number in [*options.keep_tracks, *options.withhold, *options.accept_faces]:
        if number not in numbers:
            raise UsageError(f"clip {number} does not exist (clips 1..{len(clips)})")
    for number in [*options.withhold_stills, *options.accept_still_faces]:
        if not 1 <= number <= len(stills):
            raise UsageError(f"still-{number} does not exist (the request has {len(stills)} still(s))")
    both = sorted(set(options.withhold) & set(options.accept_faces))
    if both:
        raise UsageError(f"clip {both[0]} is both withheld and accepted: choose one")
    both = sorted(set(options.withhold_stills) & set(options.accept_still_faces))
    if both:
        raise UsageError(f"still-{both[0]} is both withheld and accepted: choose one")
    if options.unredacted and (options.accept_faces or options.accept_still_faces):
        raise UsageError("--accept-faces makes no sense with --unredacted (no face is masked)")
    if options.unredacted and options.keep_tracks:
        raise UsageError("--keep-track makes no sense with --unredacted (no face is masked)")
    if options.unredacted and options.keep_face is not None:
        raise UsageError("--keep-face makes no sense with --unredacted (no face is masked)")
    check_keep_choices(
        request,
        clips,
        # The page's kept tracks count as the operator's choice; --keep-track overrides per clip.
        keep_tracks={**page_keeps, **options.keep_tracks},
        keep_face=options.keep_face,
        mask_everyone=options.mask_everyone,
        unredacted=options.unredacted,
        options=options.redact,
        reviews=reviews,
    )
    if all(c.number in options.withhold for c in clips) and all(
        s.number in options.withhold_stills for s in stills
    ):
        raise ConflictError(
            "every clip and still is withheld: record a refusal instead "
            "(`cctvkit request refuse ID --reason ...`)"
        )
    return approval


def _requester_only(request: Request, options: ProcessOptions, config: SiteConfig) -> bool:
    """Whether this release is requester-only (the run's choice, else the site's default; issue 26)."""
    chosen = requester_only_for(
        request,
        options.requester_only,
        site_default=config.redaction.requester_only_for_subject_requests,
        mask_everyone=options.mask_everyone,
    )
    if chosen:
        check_requester_only(request, unredacted=options.unredacted, mask_everyone=options.mask_everyone)
    return chosen


def _mode_columns(redaction: Mapping[str, object]) -> dict[str, object]:
    """A released clip's ``mode`` and ``region_frames`` as the catalog records them."""
    region = redaction.get("requester_only")
    if redaction.get("mode") != MODE or not isinstance(region, dict):
        return {}
    return {"mode": MODE, "region_frames": int(region["frames"])}


def _release_still(
    still: PlannedStill,
    stage: Path,
    builder: ManifestBuilder,
    options: ProcessOptions,
    redactor: Redactor | None,
    config: SiteConfig,
    run: ClipRun,
    rel_id: str,
    actor: str,
    refused: list[str],
) -> ReleaseClip:
    """Redact one still into the package (or, for an approved police copy, mask its zones only),
    add its manifest entry and return its catalog row."""
    camera = config.camera(still.camera_id)
    zones = camera.privacy_zones if camera else []
    local = still.taken_utc.astimezone(config.tz)
    name = f"stills/{still.number:02d}-{still.camera_id}-{local:%Y%m%dT%H%M%S}.jpg"
    output = stage / name
    if redactor is None:
        (width, height), seconds = copy_still_unredacted(
            Path(still.recording.path), output, privacy_zones=zones
        )
        redaction = unredacted_summary(zones=len(zones), frames=1, seconds=seconds)
        faces_masked = faces_kept = 0
    else:
        report = redactor.render_still(
            still,
            redactor.clip_spec(
                zones,
                camera=camera,
                # A still has no tracks: only the reference face finds the requester on it.
                requester_only=clip_region((), options.keep_face) if options.requester_only else None,
            ),
            Outputs(output, report_path=run.work / f"release-{rel_id}-{still.label}.redaction.json"),
        )
        redaction = still_redaction_summary(report)
        still_region = report.parameters.get("requester_only")
        if isinstance(still_region, dict):
            redaction["mode"] = MODE
            redaction["requester_only"] = {"frames": 1 if still_region["region"] else 0, **still_region}
        redaction["keep"] = {
            "mask_everyone": options.mask_everyone,
            "kept_by_track": [],  # a still has no tracks
            "kept_by_face": options.keep_face is not None,
        }
        faces_masked, faces_kept, seconds = report.faces_masked, len(report.kept_faces), report.elapsed_s
        width, height = report.width, report.height
        if options.keep_face is None and not options.mask_everyone and faces_masked:
            log.info("%s: every face masked (--keep-track does not apply to a still)", still.label)
    faces_remaining, accepted = judge_face_check(
        redaction, still.label, options.accept_still_faces.get(still.number), actor, refused
    )
    digest = sha256_file(output)
    source_sha = run.hashes[still.recording.id]  # verified before anything was cut
    builder.add_still(
        still,
        file=name,
        sha256=digest,
        size_bytes=output.stat().st_size,
        width=width,
        height=height,
        source_sha256=source_sha,
        redaction=redaction,
    )
    return ReleaseClip(
        name,
        still.camera_id,
        still.window.seq,
        still.taken_utc,
        still.taken_utc,
        1,
        digest,
        faces_masked,
        faces_kept,
        round(seconds, 3),
        faces_remaining,
        accepted,
        kind="still",
        **_mode_columns(redaction),
    )


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
    detector: FaceDetector | None = None,
) -> ProcessResult:
    """Produce a release package for a request and record it in the disclosure log.

    Steps: check the request may be answered (identity, refusal, police approval); find its
    footage (restricted, purged and missing parts become named gaps); lease the source recordings
    so a concurrent purge skips them; verify their hashes; cut each clip frame-accurately across
    segments; redact it (third-party faces and privacy zones masked, no audio) or, for an approved
    police copy, mask the zones only; write the clips, ``manifest.json`` and ``SHA256SUMS`` in a
    staging directory; optionally seal it; then in one transaction record the release, its clips,
    the disclosure and the audit records, and rename the staging directory into place. The
    review page's decisions (kept tracks, manual masks) apply unless ``options`` overrides them.

    Args:
        plan: the request's clips as :func:`~cctvkit.requests.run.plan_request` numbered them
            (what ``options``' clip numbers refer to); found here if None.
        detector: replaces the one ``options.redact`` names (the one the review used).

    Raises:
        PolicyError: identity not verified, refused, restricted footage only, no approval for an
            unredacted copy, or a source altered since indexing.
        ConflictError: the request is closed, or there is nothing to release, or it already has
            a release from the same footage and decisions (and ``options.new_release`` is None).
        ConflictError: also, review decisions made on a clip that has changed since.
        UsageError: unknown clip numbers, or kept track ids that do not exist in their clip;
            a ``keep_face`` photo without one clear face.
        NotFoundError: the ``keep_face`` photo does not exist.
        ModelError: ``keep_face`` without the extra ``faces`` installed.
        FacesRemainError: the face check still sees faces in a clip neither withheld nor accepted
            (exit 9; nothing is published).
        ArchivePathError: the release directory overlaps an archive root.
    """
    now = now or datetime.now(UTC)
    options = options or ProcessOptions()
    if options.redact is None:
        options = replace(options, redact=config.redaction.options())
    plan = plan or plan_request(catalog, request_id)
    if plan.request.id != request_id:
        raise UsageError(f"the clip plan is of request {plan.request.id}, not {request_id}")
    request = plan.request
    with catalog.read() as conn:
        reviews = latest_reviews(conn, request.id)
    # Kept tracks and manual masks from the review page (issue #15); refused if the plan changed.
    reviewed = {} if options.unredacted else load_decisions(catalog, request.id, plan.clips)
    page_keeps = {n: d.keep_tracks for n, d in reviewed.items() if d.keep_tracks}
    approval = _check_choices(request, plan, options, actor, config, reviews, page_keeps)
    options = replace(options, requester_only=_requester_only(request, options, config))
    inputs = check_not_repeated(catalog, plan, options, reviewed)
    clips = [c for c in plan.clips if c.number not in options.withhold]
    stills = [s for s in plan.stills if s.number not in options.withhold_stills]
    release_root = check_release_dir(config.release_dir, config.archive_roots)
    rows: list[ReleaseClip] = []
    refused: list[str] = []
    with (
        clip_run(
            catalog,
            config,
            plan,
            actor=actor,
            holder=f"request {request.id} pid {os.getpid()}",
            clips=clips,
            stills=stills,
            release=True,
        ) as run,
        staged_package(release_root / str(run.release_id)) as stage,
        closing(make_backend(config.jobs)) as backend,
    ):
        rel_id = str(run.release_id)
        final = release_root / rel_id
        cuts = run.cut()
        redactor = None
        if not options.unredacted:
            release_spec = MaskSpec(
                options.redact or config.redaction.options(),
                options.face_check,
                max_face_distance=options.max_face_distance,
            )
            redactor = build_redactor(release_spec, options.keep_face, detector, config.jobs, backend)
        builder = ManifestBuilder(
            release_id=rel_id,
            created_at=now,
            operator=actor,
            site_name=config.site.name,
            timezone=config.site.timezone,
            request=request,
            redacted=not options.unredacted,
            approval=None if approval is None else approval.manifest_entry(actor, current_identity()),
        )
        (stage / "clips").mkdir(mode=0o700)
        for clip in clips:
            cut = cuts[clip.number]
            camera = config.camera(clip.camera_id)
            zones = camera.privacy_zones if camera else []
            local = cut.start_utc.astimezone(config.tz)
            name = f"clips/{clip.number:02d}-{clip.camera_id}-{local:%Y%m%dT%H%M%S}.mp4"
            if redactor is None:
                outcome = render_unredacted(cut, stage / name, zones)
            else:
                decided = reviewed.get(clip.number, ClipDecisions())
                outcome = redactor.render(
                    cut,
                    redactor.clip_spec(
                        zones,
                        keep=(keep := sorted(options.keep_tracks.get(clip.number, decided.keep_tracks))),
                        manual_masks=decided.extra_boxes(),
                        requester_only=clip_region(keep, options.keep_face, decided.region_boxes())
                        if options.requester_only
                        else None,
                        camera=camera,
                        keep_text=kept_text_boxes(run.work, clip.number, decided.keep_text_lines),
                    ),
                    Outputs(
                        stage / name,
                        report_path=release_report_path(run.work, rel_id, clip.number),
                        metadata=container_tags(cut, rel_id),
                        progress=progress,
                    ),
                    redactor.runner(
                        run.work / "jobs",
                        owner=f"{request.id}/clip-{clip.number:02d}",
                        label=f"clip {clip.number}",
                    ),
                )
                outcome.redaction["review"] = _review_summary(
                    decided, overridden=clip.number in options.keep_tracks
                )
                if outcome.unknown_kept_tracks:
                    raise UsageError(
                        f"clip {clip.number}: track id(s) {list(outcome.unknown_kept_tracks)} do not exist; "
                        f"pick ids from `cctvkit request review {request.id}`"
                    )
                outcome.redaction["keep"] = keep_summary(
                    clip.number,
                    keep_tracks=options.keep_tracks,
                    keep_face=options.keep_face,
                    mask_everyone=options.mask_everyone,
                    reviews=reviews,
                )
            if outcome.frames != cut.frame_count:
                raise ConflictError(f"clip {clip.number}: wrote {outcome.frames} of {cut.frame_count} frames")
            # --accept-faces, else the faces accepted on the review page (issue 25)
            reason = options.accept_faces.get(clip.number) or page_acceptance(
                outcome.redaction.get(REPORT_KEY), reviewed.get(clip.number, ClipDecisions()).accepted
            )
            faces_remaining, accepted = judge_face_check(
                outcome.redaction,
                f"clip {clip.number}",
                acceptable(outcome.redaction, reason),
                actor,
                refused,
            )
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
                    faces_remaining,
                    accepted,
                    **_mode_columns(outcome.redaction),
                )
            )
        if stills:
            (stage / "stills").mkdir(mode=0o700)
        for still in stills:
            rows.append(
                _release_still(still, stage, builder, options, redactor, config, run, rel_id, actor, refused)
            )
        if refused:
            # 13.9.1: nothing is published while a third party may be identifiable in it.
            raise FacesRemainError(
                "the face check still sees faces: "
                + "; ".join(refused)
                + ". Nothing was published: check those frames, then withhold the clip or still "
                "(--withhold CLIP=REASON, --withhold still-N=REASON) or accept the findings "
                "(--accept-faces CLIP=REASON, --accept-faces still-N=REASON)"
                + remaining_hint(request, bool(options.requester_only))
            )
        builder.add_unavailable(plan.coverage)
        for clip in plan.clips:
            if clip.number in options.withhold:
                builder.add_withheld(clip, options.withhold[clip.number])
        for still in plan.stills:
            if still.number in options.withhold_stills:
                builder.add_withheld_still(still, options.withhold_stills[still.number])
        manifest = builder.build()
        manifest_sha = write_manifest_and_sums(stage, manifest, site_key=site_key(config.site_key_path))
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
                inputs=inputs,
            )
        except BaseException:
            if archive is not None:
                archive.unlink(missing_ok=True)
            if final.exists() and not stage.exists():
                shutil.rmtree(final, ignore_errors=True)
            raise
    log.info(
        "release %s for %s: %d clip(s), %d still(s), %s, %d part(s) not released",
        rel_id,
        request.id,
        len(manifest.clips),
        len(manifest.stills),
        manifest.outcome,
        len(manifest.withheld),
    )
    sealed = Path(release.archive_path) if release.archive_path else None
    return ProcessResult(release, final, sealed, manifest)
