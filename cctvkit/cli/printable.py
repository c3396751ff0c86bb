"""Text someone typed, made safe to print on a terminal: the one helper every command's output uses.

A requester's name, a reason or an operator name can hold ESC sequences (clear the screen, retitle
the terminal, fake a line) or Unicode direction overrides (U+202E shows ``gpj.exe`` as
``exe.jpg``). The console (:mod:`cctvkit.cli.context`) passes every string it renders through
:func:`printable`, tables and messages alike, and :func:`json_printable` guards ``--json``.
"""

from __future__ import annotations

import unicodedata

__all__ = ["json_printable", "printable"]

_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
"""Unicode categories escaped: controls (C0, C1), formats (bidi, zero-width), surrogates, private
use, line and paragraph separators."""


def _unsafe(ch: str, keep: str) -> bool:
    return ch not in keep and (ord(ch) < 0x20 or unicodedata.category(ch) in _UNSAFE)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str, *, keep: str = "\n") -> str:
    """``text`` with every control, format and direction character shown as an escape (``\\x1b``,
    ``\\u202e``); the characters in ``keep`` (newline: multi-line output) pass."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if _unsafe(ch, keep) else ch for ch in text)


def json_printable(text: str) -> str:
    """JSON text whose strings keep no raw terminal-driving character: JSON escapes ``\\uXXXX``
    them (``json.dumps`` already escapes C0; C1 and bidi would pass raw). Still the same JSON value."""
    if text.isprintable():
        return text
    # Outside strings JSON has only ASCII punctuation and newlines: escaping anywhere else is safe.
    return "".join(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 and _unsafe(ch, "\n") else ch for ch in text)
