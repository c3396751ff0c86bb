"""`cctvkit backup`: a consistent copy of the catalog and audit log, safe while other commands run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cctvkit.cli.context import console, print_json, state


def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="File to write (must not exist).")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy the catalog (recordings, holds, requests, audit log) consistently into one private file."""
    from cctvkit.backup import back_up

    st = state(ctx)
    done = back_up(st.catalog, dest, actor=st.operator)
    if as_json_out:
        print_json({"path": str(dest), "format": done.format, "sha256": done.sha256, "tables": done.tables})
        return
    rows = sum(done.tables.values())
    console.print(f"backed up {rows} rows ({done.format}) to {dest} sha256 {done.sha256}")
