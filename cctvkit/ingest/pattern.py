"""Filename time patterns: strftime-style codes in a camera's file names, to tz-aware UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["FilenamePattern", "TimeAmbiguous", "TimeNotFound", "localize"]

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
        offset = None
        if g.get("z"):
            z = g["z"]
            if z == "Z":
                offset = UTC
            else:
                sign = 1 if z[0] == "+" else -1
                offset = timezone(sign * timedelta(hours=int(z[1:3]), minutes=int(z[3:5])))
        return naive, offset


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
