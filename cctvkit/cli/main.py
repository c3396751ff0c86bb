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
from cctvkit.cli.context import AppState, err_console
from cctvkit.cli.init import init
from cctvkit.cli.purge import purge
from cctvkit.cli.redact import redact
from cctvkit.cli.status import status
from cctvkit.cli.worker import worker
from cctvkit.errors import CctvkitError, one_line
from cctvkit.notices import notice

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """Maps cctvkit errors to one line on stderr and their exit code (also under CliRunner)."""

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


app.command("init")(init)
app.command("status")(status)
app.add_typer(index_cli.app, name="index")
app.command("redact")(redact)
app.command("backup")(backup)
app.command("purge")(purge)
app.add_typer(hold_cli.app, name="hold")
app.add_typer(restrict_cli.app, name="restrict")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(request_cli.app, name="request")
app.add_typer(key_cli.app, name="key")
app.add_typer(release_cli.app, name="release")
app.command("disclosures")(release_cli.disclosures)
app.command("worker")(worker)


def main() -> None:
    """Console-script entry point."""
    app()
