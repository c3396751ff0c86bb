"""Helpers the command modules share: plain output lines, short times and durations, the passphrase."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cctvkit.cli.context import console
from cctvkit.errors import UsageError

__all__ = ["PASSPHRASE_ENV", "duration_text", "read_passphrase", "say", "short_time"]

PASSPHRASE_ENV = "CCTVKIT_PASSPHRASE"


def say(text: str) -> None:
    """One line of plain output: no markup (names and reasons may hold brackets), never re-wrapped."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def short_time(iso: str | None) -> str:
    """``2026-10-01 09:00:04`` from an ISO time (``-`` for none)."""
    return iso[:19].replace("T", " ") if iso else "-"


def duration_text(seconds: float) -> str:
    """Seconds under two minutes, else minutes."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def read_passphrase(passphrase_file: Path | None, *, confirm: bool) -> str:
    """The passphrase from a file (first line), else ``$CCTVKIT_PASSPHRASE``, else a hidden prompt."""
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise UsageError(f"--passphrase-file {passphrase_file}: cannot read a passphrase") from exc
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    return typer.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm)
