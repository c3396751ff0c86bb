"""The site's cameras: the catalog's camera rows kept in step with the config, places resolved to cameras."""

from __future__ import annotations

from datetime import datetime

from cctvkit.audit import write_audit
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.records import Camera
from cctvkit.config import SiteConfig

__all__ = ["cameras_watching", "sync_cameras"]


def sync_cameras(catalog: Catalog, config: SiteConfig, actor: str, now: datetime) -> None:
    """Make the catalog's camera rows match the config (retention changes are audited)."""
    with catalog.write() as conn:
        for cam in config.cameras:
            record = Camera(
                id=cam.id,
                site=cam.site,
                area=cam.area,
                timezone=cam.timezone or config.site.timezone,
                retention_days=cam.retention_days,
                retention_justification=cam.retention_justification,
            )
            if rq.upsert_camera(conn, record, now):
                write_audit(
                    conn,
                    actor=actor,
                    action="camera.configure",
                    object_kind="camera",
                    object_id=cam.id,
                    camera_id=cam.id,
                    details={"retention_days": cam.retention_days, "site": cam.site, "area": cam.area},
                    now=now,
                )


def cameras_watching(place: str, config: SiteConfig) -> tuple[str, ...]:
    """Ids of the cameras watching an area (``area`` or ``site/area``, case-insensitive), config order.

    Empty when none does; callers word their own error (a hold names places, a request window
    cameras and areas).
    """
    site, _, area = place.strip().rpartition("/")
    return tuple(
        c.id
        for c in config.cameras
        if c.area.casefold() == area.strip().casefold()
        and (not site or c.site.casefold() == site.strip().casefold())
    )
