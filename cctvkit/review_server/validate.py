"""Strict reading of what the review page sends: every field checked, a bad one a 400 with one line.

The page is the only client, so anything it would not send is refused rather than coerced: a
boolean is JSON ``true``/``false`` (the string ``"false"`` once kept a face visible), an id is
ASCII decimal within SQLite's range (``²``, ``١``, ``--1`` and 5000-digit numbers once reached
``int()`` or the database and became 500s), a box is four finite numbers clipped to the frame, and
the body is limited in size before it is read and in nesting before it is parsed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.requests import Request

from cctvkit.errors import UsageError

__all__ = [
    "MAX_BODY",
    "MAX_DEPTH",
    "MAX_ID",
    "boolean",
    "box",
    "id_list",
    "json_object",
    "text",
    "whole_number",
]

MAX_BODY = 64 * 1024
"""Largest JSON body accepted (a decision is a few hundred bytes)."""

MAX_DEPTH = 8
"""Deepest JSON nesting accepted (the page sends at most an object holding a list)."""

MAX_ID = 2**31 - 1
"""Largest clip, track, mask or frame number (far below SQLite's 2**63)."""

MAX_TEXT = 500
"""Longest reason, in characters."""

MAX_LIST = 10_000
"""Most track ids in one decision."""

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,9}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def whole_number(value: Any, name: str) -> int:
    """A JSON integer or a path segment of ASCII digits, 0 to :data:`MAX_ID`."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = int(value)
    else:
        raise UsageError(f"{name} must be a whole number in ASCII digits")
    if not 0 <= number <= MAX_ID:
        raise UsageError(f"{name} must be between 0 and {MAX_ID}")
    return number


def boolean(value: Any, name: str) -> bool:
    """JSON ``true`` or ``false``, nothing else (no strings, numbers or null)."""
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be true or false")
    return value


def text(value: Any, name: str) -> str:
    """A short string without control or direction-changing characters; absent is empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a string")
    if len(value) > MAX_TEXT:
        raise UsageError(f"{name} is longer than {MAX_TEXT} characters")
    if _CONTROL.search(value):
        raise UsageError(f"{name} holds control or text-direction characters")
    return value


def id_list(value: Any, name: str) -> list[int]:
    """A non-empty JSON list of whole numbers."""
    if not isinstance(value, list) or not value:
        raise UsageError(f"{name} must be a non-empty list of ids")
    if len(value) > MAX_LIST:
        raise UsageError(f"{name} lists more than {MAX_LIST} ids")
    return [whole_number(v, name) for v in value]


def box(value: Any, name: str, *, width: int, height: int) -> list[float]:
    """``[x1, y1, x2, y2]``: four finite numbers, ordered and clipped to the ``width`` x ``height`` frame."""
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise UsageError(f"{name} must be [x1, y1, x2, y2] in pixels")
    if not all(math.isfinite(v) for v in value):
        raise UsageError(f"{name} must hold finite numbers")
    x1, y1, x2, y2 = (float(v) for v in value)
    x1, x2 = max(0.0, min(x1, x2)), min(float(width), max(x1, x2))
    y1, y2 = max(0.0, min(y1, y2)), min(float(height), max(y1, y2))
    if x2 - x1 < 4 or y2 - y1 < 4:
        raise UsageError(f"{name} needs at least 4x4 pixels inside the {width}x{height} frame")
    return [x1, y1, x2, y2]


def fields(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse keys the page never sends (a typo must not be silently ignored)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise UsageError(f"unknown field(s): {', '.join(unknown)[:200]}")


def _check_depth(data: str) -> None:
    # json.loads recurses per level: 30000 levels overflowed the interpreter's stack (a 500).
    depth, in_string, escaped = 0, False, False
    for char in data:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise UsageError(f"the body nests deeper than {MAX_DEPTH} levels")
        elif char in "]}":
            depth -= 1


def _no_constant(name: str) -> float:
    raise UsageError(f"the body holds {name}, which is not JSON")


async def json_object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, refused past :data:`MAX_BODY` bytes before more is read.

    Args:
        request: the request.
        optional: an empty body is ``{}`` (else an error).
    """
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isascii() or not declared.isdigit()):
        raise UsageError("bad Content-Length")
    if declared is not None and int(declared) > MAX_BODY:
        raise UsageError(f"request body too large (at most {MAX_BODY} bytes)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise UsageError(f"request body too large (at most {MAX_BODY} bytes)")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if optional:
            return {}
        raise UsageError("the body must be a JSON object")
    try:
        data = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the body is not UTF-8") from None
    _check_depth(data)
    try:
        parsed = json.loads(data, parse_constant=_no_constant)
    except ValueError:
        raise UsageError("the body is not JSON") from None
    if not isinstance(parsed, dict):
        raise UsageError("the body must be a JSON object")
    return parsed
