"""The `cctvkit` command: global options, sub-commands, and the one place errors become exit codes."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from cctvkit import __version__
from cctvkit.cli import audit as audit_cli
from cctvkit.cli import hold as hold_cli
from cctvkit.cli import index as index_cli
from cctvkit.cli import key as key_cli
from cctvkit.cli import release as release_cli
from cctvkit.cli import request as request_cli
from cctvkit.cli import request_work  # noqa: F401  (registers find/estimate/review/process)
from cctvkit.cli import restrict as restrict_cli
from cctvkit.cli.backup import backup
from cctvkit.cli.completion import completion
from cctvkit.cli.context import AppState, err_console
from cctvkit.cli.help import plain_help
from cctvkit.cli.init import init
from cctvkit.cli.purge import purge
from cctvkit.cli.redact import redact
from cctvkit.cli.status import status
from cctvkit.cli.worker import worker
from cctvkit.errors import CctvkitError, one_line
from cctvkit.notices import notice

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """Maps cctvkit errors to one line on stderr and their exit code (also under CliRunner).

    Built once per run with the whole command tree below it, whose help pages it then gives
    operator placeholders and grouped options (:mod:`cctvkit.cli.help`).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_help(self)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CctvkitError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", 130)
        except BrokenPipeError:
            # The reader went away (`cctvkit ... | head`): stop quietly, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(141) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            obj = ctx.find_root().obj
            if isinstance(obj, AppState) and obj.debug:
                traceback.print_exc()
            _fail(ctx, f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)", 1)
        finally:
            obj = ctx.find_root().obj
            if isinstance(obj, AppState):
                obj.close()


def _fail(ctx: typer.Context, message: str, code: int) -> None:
    err_console.print(f"cctvkit: error: {one_line(message)}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


app = typer.Typer(
    cls=_Group,
    help="Run a CCTV archive as its privacy policy promises: index, retain and purge, redact and release.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Help is plain text: rich markup swallowed "[requester]", "[yolo]", "[default: ...]" (issue 18).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,  # `cctvkit completion SHELL` instead: off the main page
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cctvkit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    *,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", envvar="CCTVKIT_CONFIG", help="Site config TOML (default: ./cctvkit.toml)."
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks and debug logging.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log INFO lines to stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Global options."""
    ctx.obj = AppState(config_path=config, debug=debug)
    # Quiet by default: commands print their own summary; -v adds structured log lines (cron).
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.ERROR
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # Waits such as the first run's detector preparation are said whatever the level.
    progress = logging.StreamHandler(sys.stderr)
    progress.setFormatter(logging.Formatter("cctvkit: %(message)s"))
    notice.handlers, notice.propagate = [progress], False
    notice.setLevel(logging.INFO)


# Summaries for `cctvkit --help`: each fits its line at 80 columns (the pages say more).
app.command("init", short_help="Write an example site configuration to edit.")(init)
app.command("status", short_help="Per camera: files, hours, oldest, newest, problems.")(status)
app.add_typer(index_cli.app, name="index", short_help="Scan the archive into the catalog; list, show.")
app.command("redact", short_help="Mask every face (but kept ones) in one video or still.")(redact)
app.command("backup", short_help="Copy the catalog and audit log, checked.")(backup)
app.command("purge", short_help="Delete footage past retention (holds kept).")(purge)
app.add_typer(hold_cli.app, name="hold", short_help="Keep footage past retention for an investigation.")
app.add_typer(restrict_cli.app, name="restrict", short_help="Keep recordings out of releases (13.2.2).")
app.add_typer(audit_cli.app, name="audit", short_help="The tamper-evident audit log: verify it, list it.")
app.add_typer(request_cli.app, name="request", short_help="Access requests: open, estimate, review, release.")
app.add_typer(key_cli.app, name="key", short_help="Your approver key for unredacted police copies.")
app.add_typer(release_cli.app, name="release", short_help="Verify a release package.")
app.command("disclosures", short_help="Who received what, when and why.")(release_cli.disclosures)
app.command("worker", short_help="Take redaction chunk jobs from the [jobs] broker.")(worker)
app.command("completion", short_help="Print tab completion for bash, zsh or fish.")(completion)


def main() -> None:
    """Console-script entry point."""
    app()
