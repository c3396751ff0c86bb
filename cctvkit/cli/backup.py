"""`cctvkit backup`: a consistent copy of the catalog and audit log, safe while other commands run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cctvkit.audit import write_audit
from cctvkit.catalog.backup import backup_catalog
from cctvkit.cli.context import console, print_json, state
from cctvkit.errors import ConflictError
from cctvkit.files import atomic_path, sha256_file


def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="File to write (must not exist).")],
    *,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy the catalog (recordings, holds, requests, audit log) consistently into one private file."""
    st = state(ctx)
    if dest.exists():
        raise ConflictError(f"{dest} exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest, mode=0o600) as tmp:
        result = backup_catalog(st.catalog, tmp)
    digest = sha256_file(dest)
    with st.catalog.write() as conn:
        write_audit(
            conn,
            actor=st.operator,
            action="catalog.backup",
            object_kind="catalog",
            details={"path": str(dest.resolve()), "sha256": digest, "tables": result.tables},
        )
    if as_json_out:
        print_json({"path": str(dest), "format": result.format, "sha256": digest, "tables": result.tables})
        return
    rows = sum(result.tables.values())
    console.print(f"backed up {rows} rows ({result.format}) to {dest} sha256 {digest}")
