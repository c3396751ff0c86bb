"""The retention rule (policy 12.5): a recording is due once its start is older than its period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cctvkit.config import MAX_RETENTION_DAYS, SiteConfig

__all__ = ["RetentionPolicy", "retention_cutoff"]


def retention_cutoff(now_utc: datetime, retention_days: int) -> datetime:
    """Recordings that *start* before this instant are due for deletion.

    Counting from the start (not the end) means no frame is ever kept past the period. Periods are
    exact 24-hour days in UTC, so a DST change in the site's zone neither shortens nor lengthens them.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    return now_utc - timedelta(days=retention_days)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Each camera's period in days; cameras not listed get the policy ceiling (90 days).

    Attributes:
        periods_days: ``{camera_id: days}`` for every configured camera (1..90).
        ceiling_days: the hard ceiling, for footage of cameras no longer configured.
    """

    periods_days: Mapping[str, int] = field(default_factory=dict)
    ceiling_days: int = MAX_RETENTION_DAYS

    def __post_init__(self) -> None:
        for camera_id, days in self.periods_days.items():
            if not 1 <= days <= self.ceiling_days:
                raise ValueError(
                    f"camera {camera_id!r}: retention {days} days outside 1..{self.ceiling_days}"
                )

    @classmethod
    def from_config(cls, config: SiteConfig) -> RetentionPolicy:
        return cls({c.id: c.retention_days for c in config.cameras})

    def days_for(self, camera_id: str | None) -> int:
        return self.periods_days.get(camera_id or "", self.ceiling_days)

    def cutoff_for(self, camera_id: str | None, now_utc: datetime) -> datetime:
        return retention_cutoff(now_utc, self.days_for(camera_id))

    def cutoffs(self, now_utc: datetime) -> dict[str, datetime]:
        """``{camera_id: cutoff}`` for every configured camera."""
        return {cam: retention_cutoff(now_utc, days) for cam, days in self.periods_days.items()}

    def ceiling_cutoff(self, now_utc: datetime) -> datetime:
        return retention_cutoff(now_utc, self.ceiling_days)

    def is_due(self, camera_id: str | None, start_utc: datetime, now_utc: datetime) -> bool:
        """True once ``start_utc`` is strictly older than the camera's period (exactly at it: kept)."""
        return start_utc < self.cutoff_for(camera_id, now_utc)
