"""`cctvkit request find/estimate/review/process`: from a request's windows to a release package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cctvkit.cli.context import print_json, progress_bar, state
from cctvkit.cli.output import PASSPHRASE_ENV, duration_text, read_passphrase, say, short_time
from cctvkit.cli.request import app
from cctvkit.redact.identity.match import DEFAULT_MAX_DISTANCE
from cctvkit.requests import estimate_work, find_coverage, get_request
from cctvkit.requests.clips import parse_keep_tracks, parse_withhold
from cctvkit.requests.run import plan_request
from cctvkit.requests.views import coverage_json, estimate_json

__all__: list[str] = []  # the commands register themselves on cctvkit.cli.request.app


@app.command("find")
def find(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The recordings covering each window, and the gaps (no footage, purged, restricted)."""
    st = state(ctx)
    cov = find_coverage(st.catalog, get_request(st.catalog, request_id))
    data = coverage_json(cov, st.config.tz)
    if as_json_out:
        print_json(data)
        return
    number = 0
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
        for g in c["gaps"]:
            say(f"  {g['reason']} {short_time(g['from_local'])} - {short_time(g['to_local'])}: {g['detail']}")


@app.command("estimate")
def estimate(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The work a request would take (13.9.2): footage, cameras, clips, processing time."""
    st = state(ctx)
    est = estimate_work(st.catalog, find_coverage(st.catalog, get_request(st.catalog, request_id)))
    data = estimate_json(est)
    if as_json_out:
        print_json(data)
        return
    say(
        f"{data['footage_hours']:.3f} h of footage ({data['frames']} frames) on {data['cameras']} camera(s) "
        f"in {data['clips']} clip(s); {data['gaps']} gap(s); expected processing "
        f"{duration_text(data['processing_s'])} at {data['speed_fps']} frames/s ({data['speed_source']})"
    )


@app.command("review")
def review(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Contact sheets of each clip's face tracks, to pick the requester's ids for --keep-track."""
    st = state(ctx)
    with progress_bar("reviewing", enabled=not as_json_out) as update:
        from cctvkit.requests.review import review_request  # the detector stack: only when used

        sheets = review_request(st.catalog, st.config, request_id, actor=st.operator, progress=update)
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


@app.command("process")
def process(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="Request id.")],
    *,
    keep_track: Annotated[
        list[str] | None, typer.Option(help="CLIP:TRACK left visible (the requester), from `request review`.")
    ] = None,
    keep_face: Annotated[
        Path | None,
        typer.Option(
            "--keep-face",
            metavar="PHOTO",
            help="Photo of the requester: in every clip, leave visible the tracks whose face matches it "
            "(needs the extra `faces`).",
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
        list[str] | None, typer.Option(help="CLIP=REASON not released (13.9.1); makes the release partial.")
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
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Cut, redact and package the request's footage; record the release and the disclosure."""
    st = state(ctx)
    plan = plan_request(st.catalog, request_id)
    from cctvkit.requests.process import ProcessOptions, process_request  # the detector stack

    options = ProcessOptions(
        keep_tracks=parse_keep_tracks(keep_track or [], len(plan.clips)),
        withhold=parse_withhold(withhold or [], len(plan.clips)),
        unredacted=unredacted,
        passphrase=read_passphrase(passphrase_file, confirm=True) if encrypt else None,
        keep_face=keep_face,
        max_face_distance=max_face_distance,
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
    rel = result.release
    say(f"release {rel.id} ({rel.outcome}): {len(rel.clips)} clip(s) in {result.path}")
    if result.archive_path:
        say(f"encrypted archive: {result.archive_path}")
    for w in result.manifest.withheld:
        say(f"  {'withheld' if w.withheld else 'not available'}: {w.camera_id}: {w.detail}")
    for clip in result.manifest.clips:
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
    say(f"check it with: cctvkit release verify {result.path}")
