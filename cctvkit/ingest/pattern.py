"""Time patterns: strftime-style codes in a camera's file names or whole paths, to tz-aware UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["FilenamePattern", "NameTimes", "PathPattern", "TimeAmbiguous", "TimeNotFound", "localize"]

_CODE_REGEX = {
    "Y": r"(?P<Y>\d{4})",
    "m": r"(?P<m>\d{2})",
    "d": r"(?P<d>\d{2})",
    "H": r"(?P<H>\d{2})",
    "M": r"(?P<M>\d{2})",
    "S": r"(?P<S>\d{2})",
    "z": r"(?P<z>[+-]\d{4}|Z)",
}


class TimeNotFound(ValueError):
    """The name does not match the pattern, or names an impossible time."""


class TimeAmbiguous(ValueError):
    """The local time occurs twice (DST fall-back) or never (spring-forward gap)."""


@dataclass(frozen=True, slots=True)
class FilenamePattern:
    """A compiled pattern such as ``gate_%Y%m%d_%H%M%S``, matched against a file's stem."""

    pattern: str
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, pattern: str) -> FilenamePattern:
        out = []
        i = 0
        seen: set[str] = set()
        while i < len(pattern):
            ch = pattern[i]
            if ch == "%" and i + 1 < len(pattern):
                code = pattern[i + 1]
                if code == "%":
                    out.append("%")
                elif code in _CODE_REGEX and code not in seen:
                    out.append(_CODE_REGEX[code])
                    seen.add(code)
                elif code in _CODE_REGEX:
                    out.append(r"\d+")
                else:
                    raise ValueError(f"unsupported code %{code} in {pattern!r}")
                i += 2
            else:
                out.append(re.escape(ch))
                i += 1
        return cls(pattern, re.compile("^" + "".join(out) + "$"))

    def parse(self, stem: str) -> tuple[datetime, timezone | None]:
        """Return the naive local time in the name and the explicit UTC offset, if the name has one.

        Raises:
            TimeNotFound: the stem does not match or names an impossible date.
        """
        m = self.regex.match(stem)
        if not m:
            raise TimeNotFound(f"name does not match pattern {self.pattern!r}")
        g = m.groupdict()
        try:
            naive = datetime(
                int(g["Y"]), int(g["m"]), int(g["d"]), int(g["H"]), int(g["M"]), int(g.get("S") or 0)
            )
        except ValueError as exc:
            raise TimeNotFound(f"name holds an impossible time ({exc})") from exc
        return naive, _offset(g.get("z"))


def localize(naive: datetime, tz: ZoneInfo, hint_utc: datetime | None = None) -> datetime:
    """Turn a naive local time in ``tz`` into aware UTC, refusing to guess around DST changes.

    Args:
        naive: wall-clock time read from a file name.
        tz: the camera's zone.
        hint_utc: an independent UTC time (the container's creation_time) used only to choose
            between the two instants of an ambiguous fall-back hour.

    Raises:
        TimeAmbiguous: the wall time is in the spring-forward gap, or is ambiguous and no hint
            decides it.
    """
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    early_utc, late_utc = early.astimezone(UTC), late.astimezone(UTC)
    # A gap time does not survive the round trip back to local wall time.
    if (
        early_utc.astimezone(tz).replace(tzinfo=None) != naive
        and late_utc.astimezone(tz).replace(tzinfo=None) != naive
    ):
        raise TimeAmbiguous(f"{naive:%Y-%m-%d %H:%M:%S} does not exist in {tz.key} (DST gap)")
    if early_utc == late_utc:
        return early_utc
    if hint_utc is not None:
        # Pick the instant the container's clock agrees with (within ten minutes).
        best = min((early_utc, late_utc), key=lambda t: abs((t - hint_utc).total_seconds()))
        if abs((best - hint_utc).total_seconds()) <= 600:
            return best
    raise TimeAmbiguous(
        f"{naive:%Y-%m-%d %H:%M:%S} occurs twice in {tz.key} (DST fall-back) and the file has no "
        "creation time to tell which"
    )


_FIELD_REGEX = {
    "Y": r"\d{4}",
    "m": r"\d{2}",
    "d": r"\d{2}",
    "H": r"\d{2}",
    "M": r"\d{2}",
    "S": r"\d{2}",
    "f": r"\d{1,9}",
    "z": r"[+-]\d{4}|Z",
}
_END_PREFIX = "%(end)"
_REQUIRED = ("Y", "m", "d", "H", "M")
_EXTENSION = r"(?:\.[A-Za-z0-9]{1,8})?"
_LITERAL_EXT = re.compile(r"\.[A-Za-z0-9]{1,8}$")


@dataclass(frozen=True, slots=True)
class NameTimes:
    """Times read from a path: naive wall-clock start (and end), each with its explicit offset if any.

    An end whose name carries no date (``HH.MM.SS-HH.MM.SS``) is given on the start's date with
    ``end_dated`` false: only the zone can tell a run past midnight from one across a DST fall-back
    (01:50 BST to 01:05 GMT), so the caller decides once both are placed in time.
    """

    start: datetime
    start_offset: timezone | None
    end: datetime | None = None
    end_offset: timezone | None = None
    end_dated: bool = False


def _tokens(pattern: str) -> list[tuple[str, str]]:
    """Split a pattern into ("start"|"end", code), ("any", "*") and ("text", char) tokens.

    Raises:
        ValueError: an unknown or unfinished code.
    """
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(_END_PREFIX, i):
            code = pattern[i + len(_END_PREFIX) : i + len(_END_PREFIX) + 1]
            if code not in _FIELD_REGEX:
                raise ValueError(f"unsupported end code %(end){code} (use %(end) before one of YmdHMSfz)")
            out.append(("end", code))
            i += len(_END_PREFIX) + 1
        elif pattern[i] == "%":
            code = pattern[i + 1 : i + 2]
            if code == "%":
                out.append(("text", "%"))
            elif code in _FIELD_REGEX:
                out.append(("start", code))
            else:
                raise ValueError(f"unsupported code %{code} (supported: %Y %m %d %H %M %S %f %z %%, %(end)X)")
            i += 2
        elif pattern[i] == "*":
            out.append(("any", "*"))
            i += 1
        else:
            out.append(("text", pattern[i]))
            i += 1
    return out


def _regex(tokens: list[tuple[str, str]], seen: set[str], backrefs: bool) -> str:
    """Regex text for tokens; a code seen before must repeat the same digits (a backreference)."""
    out = []
    for kind, value in tokens:
        if kind == "text":
            out.append(re.escape(value))
        elif kind == "any":
            out.append(r"[^/]*?")
        else:
            group = value if kind == "start" else "e" + value
            if group in seen:
                out.append(f"(?P={group})" if backrefs else f"(?:{_FIELD_REGEX[value]})")
            else:
                seen.add(group)
                out.append(f"(?P<{group}>{_FIELD_REGEX[value]})")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A pattern matched against a file's whole path below an archive root (``/`` between folders).

    Codes: ``%Y %m %d %H %M %S`` (``%S`` optional), ``%f`` (1-9 digits of a fraction of a second),
    ``%z`` (``+0100`` or ``Z``), ``%%``; ``%(end)X`` for the same codes of the end time a name may
    carry; ``*`` for any run of characters inside one folder or file name. A code used twice (the
    hour in a folder and in the name) must read the same digits both times. When the pattern does
    not end in an extension of its own, any extension (or none) is accepted.
    """

    pattern: str
    regex: re.Pattern[str]
    segments: tuple[re.Pattern[str], ...]
    has_end: bool

    @classmethod
    def compile(cls, pattern: str) -> PathPattern:
        """Compile ``pattern``.

        Raises:
            ValueError: an unknown code, a missing date or time code, an absolute path or ``..``.
        """
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise ValueError("a path_pattern is relative to an archive root, without '..'")
        if "" in pattern.split("/"):
            raise ValueError("a path_pattern has an empty folder name ('//' or a trailing '/')")
        tokens = _tokens(pattern)
        starts = {v for k, v in tokens if k == "start"}
        ends = {v for k, v in tokens if k == "end"}
        missing = [c for c in _REQUIRED if c not in starts]
        if missing:
            raise ValueError(
                f"needs the start codes %Y %m %d %H %M (missing {' '.join('%' + c for c in missing)})"
            )
        if ends and not {"H", "M"} <= ends:
            raise ValueError("an end time needs at least %(end)H and %(end)M")
        tail = "" if _LITERAL_EXT.search(pattern) else _EXTENSION
        body = _regex(tokens, set(), backrefs=True)
        parts = pattern.split("/")
        segments = tuple(
            re.compile(
                "^"
                + _regex(_tokens(part), set(), backrefs=False)
                + (tail if i == len(parts) - 1 else "")
                + "$"
            )
            for i, part in enumerate(parts)
        )
        return cls(pattern, re.compile("^" + body + tail + "$"), segments, bool(ends))

    def match(self, rel: str) -> NameTimes | None:
        """The times in ``rel`` (a POSIX path below the root), or None when it does not match.

        Raises:
            TimeNotFound: the path matches but names an impossible date or time.
        """
        m = self.regex.match(rel)
        if not m:
            return None
        g = m.groupdict()
        start = _datetime(g)
        end = None
        if self.has_end:
            fields = {k: g.get("e" + k) or g.get(k) for k in ("Y", "m", "d", "S", "f")}
            fields.update(H=g["eH"], M=g["eM"])
            if not g.get("eS"):
                fields["S"] = None
            if not g.get("ef"):
                fields["f"] = None
            end = _datetime(fields)
        end_offset = _offset(g.get("ez")) or _offset(g.get("z"))
        return NameTimes(start, _offset(g.get("z")), end, end_offset, bool(g.get("ed")))

    def nearness(self, rel: str) -> tuple[int, int, str]:
        """How far ``rel`` gets through this pattern: (folders matched, same depth, first mismatch)."""
        parts = rel.split("/")
        matched = 0
        for seg, part in zip(self.segments, parts, strict=False):
            if not seg.match(part):
                break
            matched += 1
        same_depth = int(len(parts) == len(self.segments))
        why = []
        if matched < min(len(parts), len(self.segments)):
            why.append(f"{parts[matched]!r} does not match {self.pattern.split('/')[matched]!r}")
        if not same_depth:
            why.append(f"it is {len(parts) - 1} folder(s) deep, the pattern {len(self.segments) - 1}")
        return matched, same_depth, "; ".join(why) or "the times in it do not agree"


def _datetime(g: dict) -> datetime:
    try:
        frac = g.get("f")
        micro = int(frac.ljust(6, "0")[:6]) if frac else 0
        return datetime(
            int(g["Y"]),
            int(g["m"]),
            int(g["d"]),
            int(g["H"]),
            int(g["M"]),
            int(g.get("S") or 0),
            micro,
        )
    except ValueError as exc:
        raise TimeNotFound(f"name holds an impossible time ({exc})") from exc


def _offset(z: str | None) -> timezone | None:
    if not z:
        return None
    if z == "Z":
        return UTC
    sign = 1 if z[0] == "+" else -1
    return timezone(sign * timedelta(hours=int(z[1:3]), minutes=int(z[3:5])))
