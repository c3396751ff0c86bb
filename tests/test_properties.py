"""Property-based tests (hypothesis): filename times, timezone conversion, config bounds, audit chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cctvkit.audit import GENESIS, record_hash, verify_chain
from cctvkit.catalog.records import AuditRecord
from cctvkit.config import MAX_RETENTION_DAYS, SiteConfig
from cctvkit.errors import ConfigError
from cctvkit.ingest.pattern import FilenamePattern, TimeAmbiguous, localize
from tests.conftest import SITE_TOML

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "Europe/Vilnius"]
naive_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@given(naive=naive_times, zone=st.sampled_from(ZONES))
def test_filename_round_trip(naive: datetime, zone: str) -> None:
    """Formatting a time with the pattern and parsing it back gives the same wall-clock time."""
    pattern = FilenamePattern.compile("cam-01_%Y%m%d_%H%M%S")
    stem = naive.strftime("cam-01_%Y%m%d_%H%M%S")
    assert pattern.parse(stem) == (naive, None)


@given(naive=naive_times, zone=st.sampled_from(ZONES))
def test_localize_is_exact_or_refuses(naive: datetime, zone: str) -> None:
    """A local time becomes an instant that shows the same wall clock, or is refused: never shifted."""
    tz = ZoneInfo(zone)
    try:
        instant = localize(naive, tz)
    except TimeAmbiguous:
        early = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
        late = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        assert early != late  # refused only when DST really makes it ambiguous or impossible
        return
    assert instant.tzinfo is UTC
    assert instant.astimezone(tz).replace(tzinfo=None) == naive


@given(
    instant=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2037, 1, 1)),
    zone=st.sampled_from(ZONES),
)
def test_hint_resolves_every_fold(instant: datetime, zone: str) -> None:
    """With the container's clock as a hint, every real instant's wall time maps back to it."""
    tz = ZoneInfo(zone)
    real = instant.replace(tzinfo=UTC, microsecond=0)
    wall = real.astimezone(tz).replace(tzinfo=None)
    assert localize(wall, tz, hint_utc=real + timedelta(seconds=3)) == real


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(days=st.integers(min_value=-5, max_value=400))
def test_retention_bounds(tmp_path: Path, days: int) -> None:
    (tmp_path / "archive").mkdir(exist_ok=True)
    cfg = tmp_path / "c.toml"
    cfg.write_text(SITE_TOML.format(tz="UTC").replace("retention_days = 30", f"retention_days = {days}"))
    if 1 <= days <= MAX_RETENTION_DAYS:
        assert SiteConfig.from_toml(cfg).camera("gate").retention_days == days
    else:
        with pytest.raises(ConfigError, match=r"cameras\[gate\]\.retention_days"):
            SiteConfig.from_toml(cfg)


def _chain(n: int) -> list[AuditRecord]:
    records, prev = [], GENESIS
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "ts_utc": t0 + timedelta(seconds=seq),
            "actor": "op",
            "action": "hold.add",
            "object_kind": "hold",
            "object_id": str(seq),
            "camera_id": "gate",
            "details": f'{{"n":{seq}}}',
            "prev_hash": prev,
        }
        digest = record_hash(**fields)
        records.append(AuditRecord(**fields, hash=digest))
        prev = digest
    return records


@given(n=st.integers(2, 30), data=st.data())
def test_any_tampering_is_found(n: int, data: st.DataObject) -> None:
    records = _chain(n)
    assert verify_chain(records) == []
    kind = data.draw(st.sampled_from(["modify", "delete", "swap", "insert"]))
    i = data.draw(st.integers(0, n - 2))
    tampered = list(records)
    if kind == "modify":
        tampered[i] = replace(tampered[i], details='{"n":-1}')
    elif kind == "delete":
        del tampered[i]
    elif kind == "swap":
        tampered[i], tampered[i + 1] = tampered[i + 1], tampered[i]
    else:
        tampered.insert(i + 1, replace(tampered[i], actor="intruder"))
    problems = verify_chain(tampered)
    assert problems, kind
    assert problems[0].seq in {r.seq for r in tampered}
