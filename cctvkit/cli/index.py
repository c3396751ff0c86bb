"""`cctvkit index`: scan the archive into the catalog, list and show recordings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from cctvkit.cli.choices import RecordingState
from cctvkit.cli.columns import Col, compact_time, print_table
from cctvkit.cli.context import console, parse_when, print_json, progress_bar, state

app = typer.Typer(help="Index the archive: scan files into the catalog, list and show recordings.")


@app.command("scan")
def scan(
    ctx: typer.Context,
    *,
    no_hash: Annotated[bool, typer.Option("--no-hash", help="Skip SHA-256 of new files (faster).")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Walk the archive roots and bring the catalog up to date (incremental)."""
    from cctvkit.ingest import scan_archive

    st = state(ctx)
    with progress_bar("indexing", enabled=not as_json_out) as update:
        summary = scan_archive(
            st.catalog, st.config, actor=st.operator, hash_files=not no_hash, progress=update
        )
    if as_json_out:
        print_json(
            {
                "files_seen": summary.files_seen,
                "new": summary.new,
                "changed": summary.changed,
                "unchanged": summary.unchanged,
                "quarantined": summary.quarantined,
                "damaged": summary.damaged,
                "unindexable": summary.unindexable,
                "missing": summary.missing,
                "bytes_hashed": summary.bytes_hashed,
                "seconds": round(summary.seconds, 3),
                "problems": [{"path": p, "reason": r} for p, r in summary.problems],
                "damage": [{"path": p, "reason": r} for p, r in summary.damage],
            }
        )
        return
    for path, reason in summary.problems:
        console.print(f"quarantined {path}: {reason}", style="yellow", markup=False)
    for path, reason in summary.damage:
        console.print(
            f"damaged {path}: {reason} (indexed with its decodable span)", style="yellow", markup=False
        )
    console.print(summary.line())


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    camera: Annotated[list[str] | None, typer.Option("--camera", help="Camera id (repeatable).")] = None,
    place: Annotated[str | None, typer.Option(help="Area name (or 'site/area').")] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="TIME", help="Start, e.g. 2026-10-01T09:00 (site time unless it says +01:00)."
        ),
    ] = None,
    to: Annotated[str | None, typer.Option(metavar="TIME", help="End, as --from.")] = None,
    state_filter: Annotated[
        list[RecordingState] | None,
        typer.Option(
            "--state", metavar="STATE", help=f"Recording state: {', '.join(RecordingState)} (repeatable)."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Place and kind columns, full times.")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recordings overlapping a time window, by camera and place."""
    from cctvkit.ingest.listing import list_recordings, recording_json

    st = state(ctx)
    cfg = st.config
    rows = list_recordings(
        st.catalog,
        cfg,
        cameras=camera,
        place=place,
        start_utc=parse_when(from_, cfg, option="--from"),
        end_utc=parse_when(to, cfg, option="--to"),
        states=[str(s) for s in state_filter] if state_filter else None,
        limit=limit,
    )
    if as_json_out:
        print_json([recording_json(r) for r in rows])
        return
    tz, now = cfg.tz, datetime.now(UTC)
    cells = []
    for r in rows:
        path = _short_path(r.path, cfg.archive_roots)
        end = r.end_utc.astimezone(tz).strftime("%H:%M:%S") if r.end_utc else "-"
        if wide:
            start = r.start_utc.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if r.start_utc else "-"
            cells.append([str(r.id), r.camera_id or "-", r.area or "-", start, end, r.kind, r.state, path])
        else:
            start = compact_time(r.start_utc, tz, now=now, seconds=True)
            cells.append([str(r.id), r.camera_id or "-", start, end, r.state, path])
    if wide:
        columns = [Col("id", justify="right"), Col("camera"), Col("place", cut="right"), Col("start"),
                   Col("end"), Col("kind"), Col("state"), Col("path", cut="left", min_width=16)]  # fmt: skip
    else:
        # 80 columns: place and kind go to --wide; the path keeps its tail (the file name).
        columns = [Col("id", justify="right"), Col("camera"), Col("start"), Col("end"), Col("state"),
                   Col("path", cut="left", min_width=16)]  # fmt: skip
    print_table(console, columns, cells)
    console.print(f"{len(rows)} recording(s); times {cfg.site.timezone}")


def _short_path(path: str, roots: list) -> str:
    """The path below its archive root (full paths stay in --json)."""
    for root in roots:
        prefix = str(root).rstrip("/") + "/"
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


@app.command("show")
def show(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Recording id or path.")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show everything the catalog knows about one recording."""
    from cctvkit.ingest.listing import find_recording, recording_json

    rec = find_recording(state(ctx).catalog, target)
    data = recording_json(rec)
    if as_json_out:
        print_json(data)
        return
    for key, value in data.items():
        if key != "note":
            console.print(f"{key:>18} {value}")
    if rec.note:  # what disagrees between name and container (issue 14), set apart
        console.print(f"note: {rec.note}", style="yellow")
