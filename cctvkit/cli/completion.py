"""`cctvkit completion SHELL`: the shell's tab-completion script, kept off the main help page."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["completion"]


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(
    shell: Annotated[Shell, typer.Argument(help="Your shell.", metavar="bash|zsh|fish")],
) -> None:
    """Print tab completion for your shell; e.g. add `eval "$(cctvkit completion bash)"` to ~/.bashrc."""
    from typer._completion_shared import get_completion_script  # typer's own scripts

    script = get_completion_script(prog_name="cctvkit", complete_var="_CCTVKIT_COMPLETE", shell=shell.value)
    typer.echo(script)
