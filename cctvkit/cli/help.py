"""Help pages an operator reads: placeholders in words, options in titled groups, nothing over 80 columns.

Typer names a value by its Python type (``<list[str]>``, ``<float range>``) and braces a required
argument (``{request_id}``); a placeholder should say what to type (``REQUEST``, ``SECONDS``). Once
the command tree is built, :func:`plain_help` gives every argument and option without a metavar of
its own one from :data:`PLACEHOLDERS` (else its name in capitals), and prints options under the
``rich_help_panel`` their declaration names (plain text: rich markup stays off, issue 18).
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["PLACEHOLDERS", "plain_help"]

PLACEHOLDERS = {
    "request_id": "REQUEST",
    "recording_id": "RECORDING",
    "hold_id": "HOLD",
    "restriction_id": "RESTRICTION",
    "input_path": "INPUT",
    "path": "PATH",
    "dest": "DIRECTORY",
    "name": "NAME",
    "target": "FILE_OR_ID",
    "output": "OUTPUT",
    "report": "FILE",
    "config": "FILE",
    "start": "SECONDS",
    "end": "SECONDS",
    "chunk_seconds": "SECONDS",
    "processes": "N",
    "face_check_rounds": "N",
    "face_check_every": "N",
    "port": "PORT",
    "limit": "N",
    "days": "DAYS",
    "camera": "CAMERA",
    "zone": "X,Y;X,Y;X,Y",
    "max_face_distance": "DISTANCE",
    "passphrase_file": "FILE",
    "withhold": "CLIP=REASON",
    "accept_faces": "CLIP=REASON",
}
"""Placeholders by parameter name, for those declared without a metavar."""


def plain_help(command: Any) -> None:
    """Give ``command`` and every command below it operator placeholders and grouped options."""
    for param in command.params:
        if param.param_type_name == "argument":
            name = param.metavar or PLACEHOLDERS.get(param.name or "", (param.name or "").upper())
            param.metavar = name
            # The usage line shows INPUT, not {INPUT}; the argument's row shows no type.
            param._usage_display_name = types.MethodType(_usage_name, param)
            param.display_type_rich = types.MethodType(_no_type, param)
        elif param.metavar is None and not getattr(param, "is_flag", False):
            param.metavar = PLACEHOLDERS.get(param.name or "", (param.name or "").upper())
    command.format_options = types.MethodType(_format_options, command)
    if not command.short_help and command.help:
        # The first sentence whole (wrapped if need be), not cut with "..." to fit one line.
        first = " ".join(command.help.strip().split("\n\n")[0].split())
        command.short_help = first.split(". ")[0].rstrip(".") + "."
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)


def _usage_name(param: Any) -> str:
    name = param.metavar
    if not param.required:
        name = f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


def _no_type(_param: Any, ctx: Any) -> None:
    return None


def _format_options(command: Any, ctx: Any, formatter: Any) -> None:
    """Arguments, then options by panel (in the order panels first appear), then sub-commands."""
    arguments: list[tuple[str, str]] = []
    panels: dict[str, list[tuple[str, str]]] = {}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if param.param_type_name == "argument":
            arguments.append(record)
        else:
            panels.setdefault(getattr(param, "rich_help_panel", None) or "Options", []).append(record)
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    general = panels.pop("Options", [])
    for title, rows in [("Options", general), *panels.items()]:
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)
    if hasattr(command, "format_commands"):
        command.format_commands(ctx, formatter)
