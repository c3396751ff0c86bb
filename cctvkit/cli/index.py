"""`cctvkit index`: scan the archive into the catalog, list and show recordings."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cctvkit.cli.context import console, parse_when, print_json, progress_bar, state
from cctvkit.ingest import scan_archive
from cctvkit.ingest.listing import find_recording, list_recordings, recording_json

app = typer.Typer(help="Index the archive: scan files into the catalog, list and show recordings.")


@app.command("scan")
def scan(
    ctx: typer.Context,
    *,
    no_hash: Annotated[bool, typer.Option("--no-hash", help="Skip SHA-256 of new files (faster).")] = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Walk the archive roots and bring the catalog up to date (incremental)."""
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
                "unindexable": summary.unindexable,
                "missing": summary.missing,
                "bytes_hashed": summary.bytes_hashed,
                "seconds": round(summary.seconds, 3),
                "problems": [{"path": p, "reason": r} for p, r in summary.problems],
            }
        )
        return
    for path, reason in summary.problems:
        console.print(f"[yellow]quarantined[/] {path}: {reason}")
    console.print(summary.line())


@app.command("ls")
def ls(
    ctx: typer.Context,
    *,
    camera: Annotated[list[str] | None, typer.Option("--camera", help="Camera id (repeatable).")] = None,
    place: Annotated[str | None, typer.Option(help="Area name (or 'site/area').")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Start, ISO; site timezone if naive.")] = None,
    to: Annotated[str | None, typer.Option(help="End, ISO; site timezone if naive.")] = None,
    state_filter: Annotated[
        list[str] | None, typer.Option("--state", help="present/missing/quarantined/purged (repeatable).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recordings overlapping a time window, by camera and place."""
    st = state(ctx)
    cfg = st.config
    rows = list_recordings(
        st.catalog,
        cfg,
        cameras=camera,
        place=place,
        start_utc=parse_when(from_, cfg, option="--from"),
        end_utc=parse_when(to, cfg, option="--to"),
        states=state_filter,
        limit=limit,
    )
    if as_json_out:
        print_json([recording_json(r) for r in rows])
        return
    table = Table("id", "camera", "place", "start", "end", "kind", "state", "path")
    tz = cfg.tz
    for r in rows:
        table.add_row(
            str(r.id),
            r.camera_id or "-",
            r.area or "-",
            r.start_utc.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if r.start_utc else "-",
            r.end_utc.astimezone(tz).strftime("%H:%M:%S") if r.end_utc else "-",
            r.kind,
            r.state,
            _short_path(r.path, cfg.archive_roots),
        )
    console.print(table)
    console.print(f"{len(rows)} recording(s)")


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
    rec = find_recording(state(ctx).catalog, target)
    data = recording_json(rec)
    if as_json_out:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"[bold]{key:>18}[/] {value}")
