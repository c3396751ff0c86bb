"""Property-based tests (hypothesis) beside tests/test_properties.py: request windows across DST, the
purge plan never choosing held or in-retention footage, and config validation that fails only cleanly.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cctvkit.catalog.holds import Hold
from cctvkit.catalog.purge_candidates import Candidate
from cctvkit.config import SiteConfig
from cctvkit.errors import ConfigError, UsageError
from cctvkit.requests.windows import parse_window
from cctvkit.retention.plan import plan_purge
from cctvkit.retention.policy import RetentionPolicy
from tests.conftest import SITE_TOML

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Europe/Vilnius", "Asia/Kolkata"]
EXAMPLES = 150

local_times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


def _transitions(zone: str) -> list[datetime]:
    """Local wall times of the zone's offset changes, 2020-2030 (hourly scan, UTC)."""
    tz, out = ZoneInfo(zone), []
    t = datetime(2020, 1, 1, tzinfo=UTC)
    while t.year < 2031:
        if t.astimezone(tz).utcoffset() != (t + timedelta(hours=1)).astimezone(tz).utcoffset():
            out.append((t + timedelta(hours=1)).astimezone(tz).replace(tzinfo=None))
        t += timedelta(hours=1)
    return out


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}


@st.composite
def zone_and_time(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a local time: anywhere, or within three hours of one of its DST changes."""
    zone = draw(st.sampled_from(ZONES))
    if TRANSITIONS[zone] and draw(st.booleans()):
        near = draw(st.sampled_from(TRANSITIONS[zone]))
        return zone, near + timedelta(minutes=draw(st.integers(-180, 180)))
    return zone, draw(local_times)


def _config(tmp: Path, zone: str) -> SiteConfig:
    (tmp / "archive").mkdir(exist_ok=True)
    path = tmp / f"{zone.replace('/', '_')}.toml"
    path.write_text(SITE_TOML.format(tz=zone))
    return SiteConfig.from_toml(path)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=zone_and_time(), minutes=st.integers(1, 6 * 60))
def test_window_is_the_wall_clock_asked_for_or_refused(
    tmp_path: Path, where: tuple[str, datetime], minutes: int
) -> None:
    """A window's ends show exactly the wall times typed; a time DST skips or repeats is refused."""
    zone, start = where
    config = _config(tmp_path, zone)
    tz = ZoneInfo(zone)
    end = start + timedelta(minutes=minutes)
    try:
        window = parse_window(f"gate@{start.isoformat()}/{end.isoformat()}", config)
    except UsageError as exc:
        message = str(exc)
        if "DST" in message:
            # Refused only when one of the ends really is skipped or repeated.
            assert any(
                t.replace(tzinfo=tz, fold=0).astimezone(UTC) != t.replace(tzinfo=tz, fold=1).astimezone(UTC)
                for t in (start, end)
            ), message
        else:
            assert "must be after the start" in message  # the wall clock went back over the window
        return
    assert window.start_utc.tzinfo is UTC and window.end_utc > window.start_utc
    assert window.start_utc.astimezone(tz).replace(tzinfo=None) == start
    assert window.end_utc.astimezone(tz).replace(tzinfo=None) == end
    # Every real instant that shows the start's wall time is in the window (none left out by DST).
    for fold in (0, 1):
        instant = start.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == start:
            assert window.start_utc <= instant < window.end_utc


DAY = timedelta(days=1)
NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)

recording = st.tuples(
    st.sampled_from(["gate", "hall", "gone"]),  # "gone": a camera removed from the config (90 days)
    st.integers(0, 120 * 24 * 60),  # minutes before now
    st.integers(0, 3600),  # duration in seconds (0: a still)
)
hold = st.tuples(
    st.lists(st.sampled_from(["gate", "hall", "gone"]), min_size=1, max_size=3, unique=True),
    st.integers(0, 120 * 24 * 60),
    st.integers(1, 5 * 24 * 60),
    st.sampled_from(["active", "released", "ended", "ends-later"]),
)


@settings(max_examples=EXAMPLES)
@given(recs=st.lists(recording, max_size=40), holds=st.lists(hold, max_size=6))
def test_plan_never_deletes_held_or_in_retention_footage(recs: list, holds: list) -> None:
    policy = RetentionPolicy({"gate": 30, "hall": 7})
    candidates = [
        Candidate(i, cam, f"/a/{i}.mp4", start, start + timedelta(seconds=dur), None, 1)
        for i, (cam, ago, dur) in enumerate(recs)
        for start in [NOW - timedelta(minutes=ago)]
    ]
    hold_rows = [
        Hold(
            id=i, reason="r", reference="ref", placed_by="op", placed_at=NOW - 200 * DAY, place=None,
            from_utc=NOW - timedelta(minutes=ago), to_utc=NOW - timedelta(minutes=ago - length),
            ends_at={"ended": NOW - DAY, "ends-later": NOW + DAY}.get(state),
            request_id=None, released_at=NOW - DAY if state == "released" else None,
            released_by=None, release_reason=None, camera_ids=tuple(cams),
        )
        for i, (cams, ago, length, state) in enumerate(holds)
    ]  # fmt: skip
    plan = plan_purge(candidates, policy=policy, now=NOW, holds=hold_rows)
    chosen = {d.candidate.recording_id for d in plan.purge}
    for c in candidates:
        due = c.start_utc < NOW - policy.days_for(c.camera_id) * DAY
        held = any(
            h.released_at is None
            and (h.ends_at is None or h.ends_at > NOW)
            and c.camera_id in h.camera_ids
            and h.from_utc <= (c.end_utc or c.start_utc)
            and c.start_utc <= h.to_utc
            for h in hold_rows
        )
        assert (c.recording_id in chosen) == (due and not held), (c, due, held)


printable = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)
"""Control characters are left to the explicit test below (a known bug in config.py's messages)."""

MUTATIONS = {
    "retention_days": st.one_of(st.integers(-10, 200), printable, st.none()),
    "timezone": st.one_of(st.sampled_from(["Mars/Olympus", "UTC", "", " UTC"]), printable),
    "filename_pattern": st.one_of(printable, st.sampled_from(["%Y%m%d", "%Y%m%d_%H%M%q"])),
    "id": st.one_of(printable, st.sampled_from(["Gate", "gate", "-x", "a" * 70])),
    "retention_justification": printable,
    "privacy_zones": st.lists(st.lists(st.lists(st.floats(), max_size=3), max_size=4), max_size=2),
}


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), key=st.sampled_from(sorted(MUTATIONS)))
def test_any_config_value_loads_or_is_one_config_error(tmp_path: Path, data: st.DataObject, key: str) -> None:
    """Whatever a camera's field is set to, loading gives a config or a ConfigError naming it."""
    value = data.draw(MUTATIONS[key])
    raw = tomllib.loads(SITE_TOML.format(tz="Europe/London"))
    raw["cameras"][0][key] = value
    (tmp_path / "archive").mkdir(exist_ok=True)
    path = tmp_path / "c.toml"
    path.write_text(_toml(raw))
    try:
        SiteConfig.from_toml(path)
    except ConfigError as exc:
        assert len(str(exc).splitlines()) == 1 and str(exc).strip()
    except Exception as exc:  # anything else is a bug: the CLI would print "internal error"
        pytest.fail(f"{type(exc).__name__}: {exc}")


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if v != v else "inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(v)


def _toml(raw: dict) -> str:
    """A minimal TOML writer for the site config's shape (``None`` leaves the key out)."""
    lines = ["[site]"] + [f"{k} = {_value(v)}" for k, v in raw["site"].items()]
    for cam in raw["cameras"]:
        lines += ["", "[[cameras]]"] + [f"{k} = {_value(v)}" for k, v in cam.items() if v is not None]
    return "\n".join(lines) + "\n"


def test_config_error_with_a_control_character_is_one_line(tmp_path: Path) -> None:
    raw = tomllib.loads(SITE_TOML.format(tz="Europe/London"))
    raw["cameras"][0]["id"] = "\x1e"
    (tmp_path / "archive").mkdir()
    path = tmp_path / "c.toml"
    path.write_text(_toml(raw))
    with pytest.raises(ConfigError) as info:
        SiteConfig.from_toml(path)
    assert len(str(info.value).splitlines()) == 1
