"""`cctvkit init`: write a commented example site configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cctvkit.cli.context import console
from cctvkit.errors import ConflictError
from cctvkit.ingest.layouts import PRESETS, Layout

EXAMPLE = """\
# cctvkit site configuration. Paths are relative to this file.

[site]
name = "Riverside Depot"
timezone = "Europe/London"            # IANA zone: times are shown and entered in it
archive_roots = ["archive"]           # one subdirectory per camera below each root
data_dir = ".cctvkit"                 # catalog.db, locks, work files (kept private, 0700)
# database_url = "postgresql+psycopg://cctvkit@localhost/cctvkit"   # default: SQLite in data_dir
# release_dir = "releases"            # default: data_dir/releases
# operator = "j.smith"                # default operator (CCTVKIT_OPERATOR overrides)

[[cameras]]
id = "gate"                           # lowercase letters, digits, - and _
site = "Riverside Depot"
area = "Vehicle gate"
directory = "gate"                    # below an archive root (default: the id)
filename_pattern = "gate_%Y%m%d_%H%M%S"   # local time in the name; %z for an explicit offset
# timezone = "Europe/London"          # default: the site's
retention_days = 30                   # 1..90: policy 12.5 allows 90 days at most
retention_justification = "Gate incidents are reported within days; 30 days covers claims."
# Polygons in normalised x, y (0..1), always masked in releases (policy 12.4), e.g. a neighbour's window:
privacy_zones = [[[0.70, 0.0], [1.0, 0.0], [1.0, 0.35], [0.70, 0.35]]]

# People whose signed approval unlocks an unredacted police copy: each runs `cctvkit key new NAME`
# under their own account and sends you the lines it prints. Keep this file writable by you alone.
# [[approvers]]
# name = "K. Jones"
# public_key = "ed25519:..."
# user = "kjones"                     # optional: their OS login (approve only from it, never copy from it)

# Optional roles by OS user, "group:NAME" or "*"; once this section exists every role must be listed.
# [access]
# purge = ["cctv"]
# review = ["group:cctv-staff"]
# release = ["group:cctv-staff"]
# approve = ["group:cctv-managers"]
# admin = ["group:cctv-admin"]
"""


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("cctvkit.toml"),
    *,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    layout: Annotated[
        Layout | None,
        typer.Option("--layout", help="Cameras of an NVR's archive: frigate, hikvision, dahua."),
    ] = None,
) -> None:
    """Write a commented example configuration to edit."""
    if path.exists() and not force:
        raise ConflictError(f"{path} exists; use --force to overwrite")
    text = EXAMPLE
    if layout is not None:
        text = EXAMPLE[: EXAMPLE.index("[[cameras]]")] + PRESETS[layout].example
    path.write_text(text, encoding="utf-8")
    console.print(f"wrote {path}; edit it, create the archive roots, then run `cctvkit index scan`")
