"""Tables that fit the terminal (80 columns and up): fixed columns whole, long text cut to what is left.

Ids, numbers and times are never cut: staff type and act on them. Text columns (places, paths,
reasons, details) share the width that is left and are cut with an ellipsis, paths from the left
(the file name is what tells two recordings apart); the full values are in ``--json`` and ``show``.
Off a terminal the console is unbounded (see :mod:`cctvkit.cli.context`), so nothing is cut or
wrapped in a pipe or a cron log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # rich's tables load on first use: `--help` draws none
    from rich.console import Console
    from rich.table import Table

__all__ = ["Col", "compact_time", "cut_left", "cut_right", "fit_table", "print_table", "room_left"]

ELLIPSIS = "…"
GAP = 2
"""Characters between two columns (the table has no borders)."""


@dataclass(frozen=True, slots=True)
class Col:
    """One column.

    Attributes:
        header: its heading (short: it counts against the width as much as a value does).
        cut: ``None`` for a column shown whole; ``"right"`` or ``"left"`` for text cut to fit.
        min_width: a cut column is not made narrower than this (unless its values are).
        justify: ``"right"`` for numbers.
    """

    header: str
    cut: Literal["left", "right"] | None = None
    min_width: int = 8
    justify: Literal["left", "right"] = "left"


def cut_right(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, ending in ``…`` when cut."""
    return text if len(text) <= width else text[: max(0, width - 1)] + ELLIPSIS


def cut_left(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, starting with ``…`` when cut (keeps a path's tail)."""
    return text if len(text) <= width else ELLIPSIS + text[len(text) - max(0, width - 1) :]


def compact_time(
    moment: datetime | None, tz: ZoneInfo, *, now: datetime, seconds: bool = False, clock: bool = True
) -> str:
    """A local time in few characters: ``10-01 09:00`` this year, ``2025-10-01 09:00`` otherwise.

    Args:
        moment: aware time (``None``: ``-``).
        tz: the zone it is shown in (the site's; tables name it once, in the title or footer).
        now: decides "this year".
        seconds: add ``:SS``.
        clock: ``False`` for the day alone.
    """
    if moment is None:
        return "-"
    local = moment.astimezone(tz)
    day = "%m-%d" if local.year == now.astimezone(tz).year else "%Y-%m-%d"
    if not clock:
        return local.strftime(day)
    return local.strftime(f"{day} {'%H:%M:%S' if seconds else '%H:%M'}")


def _shares(natural: list[int], floors: list[int], room: int) -> list[int]:
    """Widths for the cut columns: each its natural width if all fit, else a fair share of ``room``."""
    widths = [min(n, f) for n, f in zip(natural, floors, strict=True)]
    if sum(widths) > room:
        # Not even the floors fit: share what there is (the fixed columns are never squeezed).
        widths = [min(n, 1) for n in natural]
    room -= sum(widths)
    # Water-filling: widen the narrowest unfinished column one step at a time.
    while room > 0:
        growing = [i for i, w in enumerate(widths) if w < natural[i]]
        if not growing:
            break
        i = min(growing, key=lambda k: widths[k])
        widths[i] += 1
        room -= 1
    return widths


def room_left(width: int, columns: Sequence[Col], rows: Sequence[Sequence[str]]) -> int:
    """Characters left for one more cut column after ``columns`` at their widths (whole ones at
    their natural width, cut ones at their floor) and the gaps, one more gap included."""
    used = 0
    for i, col in enumerate(columns):
        natural = max([len(col.header), *(len(r[i]) for r in rows)])
        used += min(natural, col.min_width) if col.cut else natural
    return width - used - GAP * len(columns)


def fit_table(
    console: Console,
    columns: Sequence[Col],
    rows: Sequence[Sequence[str]],
) -> Table:
    """A borderless table of ``rows`` (strings, one per column) that fits ``console.width``.

    Returns:
        The table, every column unwrapped; cut columns already shortened.
    """
    natural = [max([len(c.header), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    cut = [i for i, c in enumerate(columns) if c.cut]
    fixed = sum(w for i, w in enumerate(natural) if i not in cut)
    room = console.width - fixed - GAP * (len(columns) - 1)
    shares = _shares([natural[i] for i in cut], [columns[i].min_width for i in cut], room)
    widths = dict(zip(cut, shares, strict=True))
    from rich import box
    from rich.table import Table

    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        padding=(0, 1),
    )
    for i, col in enumerate(columns):
        table.add_column(col.header, no_wrap=True, justify=col.justify, max_width=widths.get(i))
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            col = columns[i]
            if col.cut:
                value = " ".join(value.split())  # a reason typed over several lines stays one row
            if col.cut == "left":
                value = cut_left(value, widths[i])
            elif col.cut == "right":
                value = cut_right(value, widths[i])
            cells.append(value)
        table.add_row(*cells)
    return table


def print_table(console: Console, columns: Sequence[Col], rows: Sequence[Sequence[str]]) -> None:
    """Print :func:`fit_table`; off a terminal without the padding after each line's last value."""
    table = fit_table(console, columns, rows)
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
