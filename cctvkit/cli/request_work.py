"""`cctvkit request find/estimate/review/process`: from a request's windows to a release package."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cctvkit.cli.context import print_json, progress_bar, state
from cctvkit.cli.output import PASSPHRASE_ENV, duration_text, read_passphrase, say, short_time
from cctvkit.cli.redact_flags import redaction_flags, redaction_options
from cctvkit.cli.request import app
from cctvkit.errors import UsageError
from cctvkit.redact.options import DEFAULT_MAX_DISTANCE, FaceCheckOptions

if TYPE_CHECKING:
    from cctvkit.redact.options import RedactOptions

__all__: list[str] = []  # the commands register themselves on cctvkit.cli.request.app


@app.command("find")
def find(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The recordings covering each window (clips, and stills named still-N), and the gaps
    (no footage, purged, restricted)."""
    from cctvkit.requests import find_coverage, get_request
    from cctvkit.requests.views import coverage_json

    st = state(ctx)
    cov = find_coverage(st.catalog, get_request(st.catalog, request_id))
    data = coverage_json(cov, st.config.tz)
    if as_json_out:
        print_json(data)
        return
    number = still = 0
    for c in data:
        say(
            f"window {c['window']} {c['camera_id']}: {short_time(c['start_local'])} - "
            f"{short_time(c['end_local'])}, {c['seconds']:.1f} s of footage"
        )
        for run in c["clips"]:
            number += 1
            files = ", ".join(
                f"#{s['recording_id']} {s['file']} [{s['span_s'][0]}-{s['span_s'][1]} s]" for s in run
            )
            say(f"  clip {number}: {files}")
        for shot in c["stills"]:
            still += 1
            say(
                f"  still-{still}: #{shot['recording_id']} {shot['file']} "
                f"at {short_time(shot['taken_local'])}"
            )
        for g in c["gaps"]:
            say(f"  {g['reason']} {short_time(g['from_local'])} - {short_time(g['to_local'])}: {g['detail']}")


@app.command("estimate")
def estimate(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    requester_only: Annotated[
        bool | None,
        typer.Option(
            "--requester-only/--no-requester-only",
            help="Estimate a requester-only release (for a subject request, if not given: "
            "[redaction] requester_only_for_subject_requests).",
            show_default=False,
        ),
    ] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The work a request would take (13.9.2): footage, cameras, clips, processing time."""
    from cctvkit.requests import estimate_work, find_coverage, get_request
    from cctvkit.requests.estimate import int8_pending_for
    from cctvkit.requests.requester_mode import requester_only_for
    from cctvkit.requests.views import estimate_json

    st = state(ctx)
    redact = redaction_options(st.config, {})
    request = get_request(st.catalog, request_id)
    est = estimate_work(
        st.catalog,
        find_coverage(st.catalog, request),
        check_every=FaceCheckOptions().every,
        int8_pending=int8_pending_for(redact),
        requester_only=requester_only_for(
            request,
            requester_only,
            site_default=st.config.redaction.requester_only_for_subject_requests,
            mask_everyone=False,
        ),
    )
    data = estimate_json(est)
    if as_json_out:
        print_json(data)
        return
    stills = f" and {data['stills']} still(s)" if data["stills"] else ""
    say(
        f"{data['footage_hours']:.3f} h of footage ({data['frames']} frames) on {data['cameras']} camera(s) "
        f"in {data['clips']} clip(s){stills}; {data['gaps']} gap(s)"
    )
    low, high = est.range_s
    say(
        f"expected processing: {duration_text(est.processing_s)} (between {duration_text(low)} and "
        f"{duration_text(high)}), the face check included:"
    )
    for band in est.bands:
        say(
            f"  {band.frames} frames {band.words}: {duration_text(band.processing_s)} at "
            f"{band.speed.fps:.1f} frames/s ({band.speed.detail})"
        )
    if data["stills"]:
        say(f"  {data['stills']} still(s): {data['still_source']}")
    if est.setup_s:
        say(f"  starting, loading the models, cutting and packaging: {duration_text(est.setup_s)}")
    if est.int8_s:
        say(f"  preparing the int8 face detector (first run on this machine): {duration_text(est.int8_s)}")
    if est.load_factor > 1:
        say(f"  times measured on a free machine taken {est.load_factor:.1f}x: {est.load_text}")
    if est.requester_only:
        say(
            "  requester-only (the requester alone in view, all else masked): about the normal "
            "redaction's time, each clip in one pass on this machine"
        )


@app.command("review")
@redaction_flags
def review(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then open a local review page (127.0.0.1, one-time token): redacted preview, tracks, "
            "keep/mask, boxes for missed faces, approve. Ctrl-C stops it.",
        ),
    ] = False,
    port: Annotated[int, typer.Option(min=0, max=65535, help="--serve: TCP port (0: any free one).")] = 0,
    requester_only: Annotated[
        bool | None,
        typer.Option(
            "--requester-only/--no-requester-only",
            help="--serve: preview (and approve) a requester-only release: the kept requester's "
            "region outlined, everything else masked; draw the region where it is wrong (for a "
            "subject request, if not given: [redaction] requester_only_for_subject_requests).",
            show_default=False,
        ),
    ] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    flags: dict[str, Any],
) -> None:
    """Contact sheets of each clip's face tracks, to pick the requester's ids for --keep-track.

    Give `request process` the same redaction flags, or the track ids may not match."""
    st = state(ctx)
    options = redaction_options(st.config, flags)
    if requester_only and not serve:
        raise UsageError("--requester-only previews on the review page: add --serve")
    if serve:
        from cctvkit.requests import get_request
        from cctvkit.requests.requester_mode import check_requester_only, requester_only_for

        request = get_request(st.catalog, request_id)
        chosen = requester_only_for(
            request,
            requester_only,
            site_default=st.config.redaction.requester_only_for_subject_requests,
            mask_everyone=False,
        )
        if chosen:
            check_requester_only(request, unredacted=False, mask_everyone=False)
        _serve_review(st, request_id, options, port=port, as_json_out=as_json_out, requester_only=chosen)
        return
    with progress_bar("reviewing", enabled=not as_json_out) as update:
        from cctvkit.requests.review import review_request  # the detector stack: only when used

        sheets = review_request(
            st.catalog, st.config, request_id, actor=st.operator, options=options, progress=update
        )
    data = [
        {
            "clip": s.number,
            "camera_id": s.camera_id,
            "window": s.window_seq,
            "sheet": str(s.sheet_path),
            "tracks_json": str(s.tracks_path),
            "analysis": str(s.analysis_path),
            "tracks": [
                {
                    "track_id": t.track_id,
                    "first_frame": t.first_frame,
                    "last_frame": t.last_frame,
                    "best_frame": t.best_frame,
                    "best_xyxy": list(t.best_xyxy),
                }
                for t in s.tracks
            ],
        }
        for s in sheets
    ]
    if as_json_out:
        print_json(data)
        return
    for s in data:
        ids = ", ".join(str(t["track_id"]) for t in s["tracks"]) or "none"
        say(f"clip {s['clip']} ({s['camera_id']}): tracks {ids}; sheet {s['sheet']}")
    say(f"then: cctvkit request process {request_id} --keep-track CLIP:TRACK ...")


def _serve_review(
    st, request_id: str, options: RedactOptions, *, port: int, as_json_out: bool, requester_only: bool
) -> None:
    # The detector stack and the web server: imported here, never at start-up.
    from cctvkit.requests.review_page import open_review
    from cctvkit.review_server import ReviewServer

    with progress_bar("reviewing", enabled=not as_json_out) as update:
        session = open_review(
            st.catalog,
            st.config,
            request_id,
            actor=st.operator,
            options=options,
            progress=update,
            requester_only=requester_only,
        )
    server = ReviewServer(session, port=port)
    if as_json_out:  # one line, read by a script while the server runs
        sys.stdout.write(json.dumps({"url": server.url, "clips": len(session.clips)}) + "\n")
    else:
        say(f"review page for {request_id} ({len(session.clips)} clip(s)); open once, Ctrl-C stops it:")
        say(server.url)
    sys.stdout.flush()
    server.serve_forever()
    if not as_json_out:
        say("review page stopped")


@app.command("process")
@redaction_flags
def process(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    keep_track: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CLIP:TRACK",
            help="Track of a clip left visible (the requester), from `request review`; a bare TRACK "
            "when there is one clip (repeatable: --keep-track 1:3 --keep-track 2:0).",
        ),
    ] = None,
    keep_face: Annotated[
        Path | None,
        typer.Option(
            "--keep-face",
            metavar="PHOTO",
            help="Photo of the requester: in every clip, leave visible the tracks whose face matches it, "
            "in every still the matching face (needs the extra `faces`).",
        ),
    ] = None,
    max_face_distance: Annotated[
        float,
        typer.Option(
            "--max-face-distance",
            min=0.0,
            max=2.0,
            help="--keep-face: largest embedding distance that is the same person.",
        ),
    ] = DEFAULT_MAX_DISTANCE,
    withhold: Annotated[
        list[str] | None,
        typer.Option(
            help="CLIP=REASON or still-N=REASON not released (13.9.1); makes the release partial.",
        ),
    ] = None,
    mask_everyone: Annotated[
        bool,
        typer.Option(
            "--mask-everyone",
            help="Mask every face, the requester's too (a subject request otherwise needs --keep-track "
            "or --keep-face); recorded in the manifest.",
        ),
    ] = False,
    accept_faces: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-faces",
            help="CLIP=REASON or still-N=REASON: release it although the face check still sees faces in it "
            "(recorded).",
        ),
    ] = None,
    face_check_rounds: Annotated[
        int,
        typer.Option(
            "--face-check-rounds",
            min=0,
            max=5,
            help="Re-mask rounds before the face check's findings remain.",
        ),
    ] = FaceCheckOptions().rounds,
    # The name before "audit" came to mean the audit log only: scripts written for it still run.
    old_rounds: Annotated[int | None, typer.Option("--audit-rounds", min=0, max=5, hidden=True)] = None,
    requester_only: Annotated[
        bool | None,
        typer.Option(
            "--requester-only/--no-requester-only",
            help="Subject requests: leave the requester alone in view (their kept track's face and "
            "body, followed), everything else masked so that nobody else is identifiable (if not "
            "given: [redaction] requester_only_for_subject_requests).",
            show_default=False,
        ),
    ] = None,
    unredacted: Annotated[
        bool, typer.Option("--unredacted", help="Police only, approved by a second person: faces not masked.")
    ] = False,
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Also write a passphrase-encrypted archive.")
    ] = False,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(help=f"File whose first line is the passphrase [${PASSPHRASE_ENV} or prompt]."),
    ] = None,
    new_release: Annotated[
        str | None,
        typer.Option(
            "--new-release",
            metavar="REASON",
            help="Make a release although the request has one from the same footage and decisions "
            "(recorded with this reason); without it such a run says so and makes nothing (exit 13).",
        ),
    ] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
    flags: dict[str, Any],
) -> None:
    """Cut, redact and package the request's footage; record the release and the disclosure.

    Every redacted clip is checked for faces still visible (a second model family) and those
    found are re-masked; a clip with faces remaining stops the run, publishing nothing (exit 9),
    unless it is withheld (--withhold) or its findings accepted with a reason (--accept-faces).

    Stills (snapshots) in a window are released too, as JPEGs re-encoded from their masked pixels
    (no EXIF, GPS or thumbnail), redacted and checked like the clips. They are numbered apart
    from clips, as `request find` lists them: still-1, still-2... (--withhold still-1=REASON,
    --accept-faces still-1=REASON). --keep-track does not apply to a still (no tracks);
    --keep-face does.
    """
    from cctvkit.requests.clips import parse_keep_tracks, parse_reasons
    from cctvkit.requests.run import plan_request

    st = state(ctx)
    redact = redaction_options(st.config, flags)
    plan = plan_request(st.catalog, request_id)
    from cctvkit.redact.face_check import face_check_entry
    from cctvkit.redact.report import face_check_line
    from cctvkit.requests.process import ProcessOptions, process_request  # the detector stack

    count, stills = len(plan.clips), len(plan.stills)
    withheld, withheld_stills = parse_reasons(withhold or [], count, stills)
    accepted, accepted_stills = parse_reasons(accept_faces or [], count, stills, option="--accept-faces")
    options = ProcessOptions(
        keep_tracks=parse_keep_tracks(keep_track or [], count),
        withhold=withheld,
        accept_faces=accepted,
        withhold_stills=withheld_stills,
        accept_still_faces=accepted_stills,
        face_check=FaceCheckOptions(rounds=face_check_rounds if old_rounds is None else old_rounds),
        unredacted=unredacted,
        passphrase=read_passphrase(passphrase_file, confirm=True) if encrypt else None,
        keep_face=keep_face,
        max_face_distance=max_face_distance,
        mask_everyone=mask_everyone,
        redact=redact,
        new_release=new_release,
        requester_only=requester_only,
    )
    with progress_bar("redacting", enabled=not as_json_out) as update:
        result = process_request(
            st.catalog, st.config, request_id, actor=st.operator, options=options, progress=update, plan=plan
        )
    if as_json_out:
        print_json(
            {
                "path": str(result.path),
                "archive": str(result.archive_path) if result.archive_path else None,
                "manifest": result.manifest.to_dict(),
            }
        )
        return
    rel, manifest = result.release, result.manifest
    shots = f", {len(manifest.stills)} still(s)" if manifest.stills else ""
    say(f"release {rel.id} ({rel.outcome}): {len(manifest.clips)} clip(s){shots} in {result.path}")
    if result.archive_path:
        say(f"encrypted archive: {result.archive_path}")
    for w in result.manifest.withheld:
        say(f"  {'withheld' if w.withheld else 'not available'}: {w.camera_id}: {w.detail}")
    for clip in result.manifest.clips:
        check = face_check_entry(clip.redaction)
        if check:
            say(f"  {clip.file}: {face_check_line(check)}")
            if check.get("accepted"):
                say(f"    accepted by {check['accepted']['by']}: {check['accepted']['reason']}")
        region = clip.redaction.get("requester_only")
        if region:
            from cctvkit.redact.requester_only import region_line

            say(f"  {clip.file}: {region_line(region, clip.frame_count)}")
        identity = clip.redaction.get("identity")
        if identity:
            distances = ", ".join(
                f"{t['track_id']}: {t['distance'] if t['distance'] is not None else '-'} ({t['decision']})"
                for t in identity["tracks"]
            )
            say(
                f"  {clip.file}: kept {identity['kept_tracks']} by face "
                f"(max distance {identity['max_distance']}; {distances or 'no face tracks'})"
            )
    for shot in result.manifest.stills:
        check = face_check_entry(shot.redaction)
        masked = shot.redaction.get("faces_masked", 0)
        kept = shot.redaction.get("faces_kept", 0)
        say(f"  {shot.file} ({shot.label}): {masked} face(s) masked, {kept} kept")
        if check:
            say(f"  {shot.file}: {face_check_line(check)}")
            if check.get("accepted"):
                say(f"    accepted by {check['accepted']['by']}: {check['accepted']['reason']}")
        keep = shot.redaction.get("keep") or {}
        if masked and not keep.get("kept_by_face") and not keep.get("mask_everyone") and manifest.redacted:
            say(
                f"  {shot.file}: every face masked (--keep-track does not apply to a still; --keep-face does)"
            )
    say(f"check it with: cctvkit release verify {result.path}")
