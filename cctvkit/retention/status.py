"""Per camera, what the archive holds and how much of it is past retention (`cctvkit status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cctvkit.catalog import recordings as rq
from cctvkit.catalog.db import Catalog
from cctvkit.config import SiteConfig
from cctvkit.retention.policy import retention_cutoff

__all__ = ["ArchiveStatus", "archive_status"]


@dataclass(frozen=True, slots=True)
class ArchiveStatus:
    """The archive at a moment.

    Attributes:
        site: the site's name.
        cameras: per configured camera, its figures (``camera``, ``site``, ``area``,
            ``retention_days``, ``recordings``, ``hours``, ``bytes``, ``oldest``/``newest`` as
            ISO UTC, ``past_retention``, ``missing``, ``quarantined``, ``purged``).
        quarantined_without_camera: quarantined files in no camera's directory.
    """

    site: str
    cameras: list[dict[str, Any]]
    quarantined_without_camera: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "cameras": self.cameras,
            "quarantined_without_camera": self.quarantined_without_camera,
        }


def archive_status(catalog: Catalog, config: SiteConfig, *, now: datetime) -> ArchiveStatus:
    """Count each camera's recordings by state, and those past its retention at ``now``."""
    with catalog.read() as conn:
        stats = rq.camera_stats(conn)
        rows = []
        for cam in config.cameras:
            present = [s for s in stats if s.camera_id == cam.id and s.state == "present"]
            other = {s.state: s.count for s in stats if s.camera_id == cam.id and s.state != "present"}
            p = present[0] if present else None
            rows.append(
                {
                    "camera": cam.id,
                    "site": cam.site,
                    "area": cam.area,
                    "retention_days": cam.retention_days,
                    "recordings": p.count if p else 0,
                    "hours": round(p.seconds / 3600, 3) if p else 0.0,
                    "bytes": p.bytes if p else 0,
                    "oldest": p.oldest_utc.isoformat() if p and p.oldest_utc else None,
                    "newest": p.newest_utc.isoformat() if p and p.newest_utc else None,
                    "past_retention": rq.count_started_before(
                        conn, cam.id, retention_cutoff(now, cam.retention_days)
                    ),
                    "missing": other.get("missing", 0),
                    "quarantined": other.get("quarantined", 0),
                    "purged": other.get("purged", 0),
                }
            )
        unassigned = sum(s.count for s in stats if s.camera_id is None)
    return ArchiveStatus(config.site.name, rows, unassigned)
