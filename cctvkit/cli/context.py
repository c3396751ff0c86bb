"""What every command needs: the loaded config, the open catalog, the operator, output helpers."""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from cctvkit.errors import UsageError
from cctvkit.timeparse import parse_optional

# The config (pydantic), the catalog (SQLAlchemy) and the roles are imported where they are first
# used: `cctvkit --help` and every command's --help need none of them (issue 24).
if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from cctvkit.catalog import Catalog
    from cctvkit.config import SiteConfig

__all__ = [
    "AppState",
    "console",
    "err_console",
    "parse_when",
    "print_json",
    "progress_bar",
    "state",
]

UNBOUNDED_WIDTH = 100_000
"""Console width off a terminal: a pipe or a cron log gets whole lines, never hard-wrapped."""


def _make_console(*, stderr: bool) -> Console:
    from rich.console import Console, ConsoleDimensions

    class _Console(Console):
        """Rich console that prints text as given: no markup, no emoji codes, no wrapping into a pipe.

        Messages and table cells carry file names, reasons and requesters typed by people; parsing them
        as markup swallowed ``[x]`` and turned ``:abc:`` into an emoji (issue 18). The width is read on
        every use: ``$COLUMNS`` when set, else the terminal's, else unbounded.
        """

        def __init__(self, *, stderr: bool = False) -> None:
            super().__init__(stderr=stderr, markup=False, emoji=False, highlight=False)

        @property
        def size(self) -> ConsoleDimensions:
            columns = os.environ.get("COLUMNS", "")
            if columns.isdigit() and int(columns) > 0:
                return ConsoleDimensions(int(columns), super().size.height)
            if self.is_terminal:
                return super().size
            return ConsoleDimensions(UNBOUNDED_WIDTH, super().size.height)

        @size.setter
        def size(self, new_size: tuple[int, int]) -> None:
            Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    return _Console(stderr=stderr)


class _LazyConsole:
    """A console made on first use: ``--help`` prints through click and need not import rich."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def real(self) -> Console:
        """The console itself, for rich's own objects (a progress bar) to hold."""
        if self._console is None:
            self._console = _make_console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


console = cast("Console", _LazyConsole())
err_console = cast("Console", _LazyConsole(stderr=True))

OPERATOR_ENV = "CCTVKIT_OPERATOR"


@dataclass
class AppState:
    """Per-invocation state, built from the global options and filled lazily."""

    config_path: Path | None = None
    debug: bool = False
    _config: SiteConfig | None = None
    _catalog: Catalog | None = None
    authorized: bool = False
    _closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def config(self) -> SiteConfig:
        if self._config is None:
            from cctvkit.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    @property
    def optional_config(self) -> SiteConfig | None:
        """The config where one is named or found (``--config``, ``$CCTVKIT_CONFIG``, ./cctvkit.toml).

        For commands that also run outside a site (``redact`` on one file); a named file that is
        missing or wrong is still an error.
        """
        from cctvkit.config import CONFIG_ENV, DEFAULT_CONFIG_NAME

        named = self.config_path is not None or os.environ.get(CONFIG_ENV)
        if not named and not Path(DEFAULT_CONFIG_NAME).exists():
            return None
        return self.config

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            from cctvkit.catalog import open_catalog

            self._catalog = open_catalog(self.config.database_url, archive_roots=self.config.archive_roots)
            self._closers.append(self._catalog.dispose)
        return self._catalog

    @property
    def operator(self) -> str:
        """Who is acting: $CCTVKIT_OPERATOR, else the config's operator, else the login name."""
        name = os.environ.get(OPERATOR_ENV) or self.config.site.operator or _login()
        if not name or not name.strip():
            raise UsageError(f"no operator name: set {OPERATOR_ENV} or site.operator in the config")
        return name.strip()

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()


def _login() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _command_path(ctx: typer.Context) -> str:
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def state(ctx: typer.Context) -> AppState:
    """The AppState of this invocation (created by the root callback).

    Every command starts here, so this is where the site's ``[access]`` roles are enforced for the
    command being run (issue 19; :data:`cctvkit.access.COMMAND_ROLES` says which needs which).

    Raises:
        PolicyError: the OS user lacks the command's role (the refusal is audited).
    """
    from cctvkit.access import authorize, role_for

    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    st = root.obj
    if not st.authorized:
        st.authorized = True
        command = _command_path(ctx)
        if role_for(command) is not None and st.config.access is not None:
            authorize(st.catalog, st.config, command, actor=st.operator)
    return st


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (no colour, no wrapping)."""
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    # Lone surrogates (file names that are not UTF-8) become JSON \udcXX escapes, not a crash.
    sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")


def parse_when(value: str | None, config: SiteConfig, *, option: str) -> datetime | None:
    """An optional wall-clock time in the site's timezone, to UTC (see :mod:`cctvkit.timeparse`).

    Raises:
        UsageError: not a date/time, or DST-ambiguous or non-existent.
    """
    return parse_optional(value, config.tz, what=option)


JOBS_LOGGER = "cctvkit.jobs"
"""Chunk jobs' coordinator logs here: its lines are a run's progress off a terminal (issue 30)."""


class _JobLines(logging.Handler):
    """The coordinator's lines: into the progress bar on a terminal, as log lines off one."""

    def __init__(self, bar: Progress | None, task: TaskID | None, description: str) -> None:
        super().__init__(logging.INFO)
        self.bar, self.task, self.description = bar, task, description
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            chunks = getattr(record, "chunks", None)
            if self.bar is None:
                err_console.file.write(self.format(record) + "\n")
                err_console.file.flush()
            elif chunks is not None and record.levelno < logging.WARNING:
                self.bar.update(self.task, description=f"{self.description}: {chunks.short()}")
            else:
                self.bar.console.print(record.getMessage())
        except Exception:  # a log line must never stop a redaction
            self.handleError(record)


@contextmanager
def _job_lines(bar: Progress | None, task: TaskID | None, description: str) -> Iterator[None]:
    """Route :data:`JOBS_LOGGER`'s INFO lines to the bar or to stderr, whatever ``-v`` says."""
    logger = logging.getLogger(JOBS_LOGGER)
    handler = _JobLines(bar, task, description)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(min(logger.getEffectiveLevel(), logging.INFO))
    logger.propagate = False  # -v would print each line twice
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on a terminal; silent (the callback does nothing) under cron or pipes.

    Chunk jobs' progress (chunks done, running and waiting, and who runs them) shows in the
    bar's description on a terminal; off one (cron, a systemd unit, a pipe; ``--json`` too) the
    coordinator's lines go to stderr, one per chunk event and one at least every
    ``[jobs] report_interval_s`` while it waits.
    """
    if not (enabled and sys.stderr.isatty()):
        with _job_lines(None, None, description):
            yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=cast(_LazyConsole, err_console).real(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with _job_lines(bar, task, description):
            yield update
