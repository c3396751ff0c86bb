"""`cctvkit key`: an approver's personal signing key (issue 19): make one, list yours."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cctvkit.cli.context import print_json
from cctvkit.cli.output import KEY_PASSPHRASE_ENV, read_key_passphrase, say
from cctvkit.keys import KEY_DIR_ENV

__all__ = ["app"]

app = typer.Typer(help="Your approver key: made once, kept encrypted in your own directory.")


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Your name, as the site's approvers list will show it.")],
    *,
    directory: Annotated[
        Path | None, typer.Option("--dir", help=f"Key directory [${KEY_DIR_ENV} or ~/.config/cctvkit/keys].")
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(help=f"File whose first line is the new passphrase [${KEY_PASSPHRASE_ENV} or prompt]."),
    ] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Make your Ed25519 key pair; print the public key for the site's [[approvers]] list."""
    from cctvkit.keys import create_key

    key = create_key(name, read_key_passphrase(passphrase_file, confirm=True), directory=directory)
    if as_json_out:
        print_json(
            {
                "name": key.name,
                "public_key": key.public_key,
                "fingerprint": key.fingerprint,
                "path": str(key.path),
            }
        )
        return
    say(f"key of {key.name} written to {key.path} (0600; the passphrase protects it)")
    say(f"fingerprint {key.fingerprint}")
    say("give the site administrator these lines for the config:")
    say("")
    say("[[approvers]]")
    say(f"name = {json.dumps(key.name, ensure_ascii=False)}")  # a JSON string is a TOML one
    say(f'public_key = "{key.public_key}"')


@app.command("ls")
def ls(
    *,
    directory: Annotated[Path | None, typer.Option("--dir", help="Key directory.")] = None,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The keys in your key directory (names, fingerprints, public keys)."""
    from cctvkit.keys import default_key_dir, list_keys

    folder = directory or default_key_dir()
    keys = list_keys(folder)
    if as_json_out:
        print_json(
            [
                {
                    "name": k.name,
                    "public_key": k.public_key,
                    "fingerprint": k.fingerprint,
                    "path": str(k.path),
                }
                for k in keys
            ]
        )
        return
    for k in keys:
        say(f"{k.name}  {k.fingerprint}  {k.public_key}  {k.path}")
    say(f"{len(keys)} key(s) in {folder}")
