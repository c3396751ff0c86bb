"""Domain records the catalog returns: frozen dataclasses with tz-aware UTC times."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cctvkit.states import FOOTAGE_STATES, RECORDING_STATES  # re-exported: defined in cctvkit.states

__all__ = ["FOOTAGE_STATES", "RECORDING_STATES", "AuditRecord", "Camera", "Recording", "as_json"]


@dataclass(frozen=True, slots=True)
class Camera:
    id: str
    site: str
    area: str
    timezone: str
    retention_days: int
    retention_justification: str


@dataclass(frozen=True, slots=True)
class Recording:
    """One file of the archive (video segment or still) as the catalog knows it.

    ``start_utc``/``end_utc`` are ``None`` only for quarantined files whose time could not be
    established (policy 12.6: never guessed).
    """

    id: int
    path: str
    camera_id: str | None
    site: str | None
    area: str | None
    kind: str
    start_utc: datetime | None
    end_utc: datetime | None
    duration_s: float | None
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    frame_count: int | None
    has_audio: bool | None
    size_bytes: int
    mtime_ns: int
    sha256: str | None
    state: str
    state_reason: str | None
    indexed_at: datetime
    state_changed_at: datetime
    note: str | None = None
    """What disagrees between the file's name and its container (issue 14), shown by ``index show``."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    ts_utc: datetime
    actor: str
    action: str
    object_kind: str
    object_id: str | None
    camera_id: str | None
    details: str
    prev_hash: str
    hash: str


def as_json(record: Any) -> dict[str, Any]:
    """A record as JSON-able dict (datetimes in ISO 8601 with offset)."""
    out = asdict(record)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
    return out
