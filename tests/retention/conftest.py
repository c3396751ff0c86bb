"""An archive of tiny real files with catalog rows inserted directly, and the catalog-matches-disk check."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cctvkit.audit import verify_chain
from cctvkit.cameras import sync_cameras
from cctvkit.catalog import Catalog, Recording, open_catalog
from cctvkit.catalog import purge_journal as jq
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.audit_store import iter_audit
from cctvkit.config import SiteConfig, load_config

LONDON_PATTERNS = {"gate": "gate_%Y%m%d_%H%M%S", "hall": "hall_%Y-%m-%dT%H-%M-%S"}


@dataclass
class Archive:
    """A site from the shared ``site`` fixture, with helpers to lay down files and their rows."""

    config: SiteConfig
    catalog: Catalog
    root: Path

    def add(
        self,
        camera: str,
        start: datetime,
        *,
        seconds: float = 60.0,
        suffix: str = ".mp4",
        state: str = "present",
        size: int = 64,
    ) -> int:
        """Write a small file under ``camera/YYYY/MM/DD/`` and insert its catalog row; return its id."""
        local = start.astimezone(self.config.tz)
        name = (
            local.strftime(LONDON_PATTERNS.get(camera, camera + "_%Y%m%d_%H%M%S")) + f"_{start.microsecond}"
        )
        path = self.root / camera / local.strftime("%Y/%m/%d") / (name + suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        return self.insert(
            path, camera, start, seconds=seconds, state=state, kind="still" if suffix == ".jpg" else "video"
        )

    def insert(
        self, path: Path, camera: str | None, start: datetime | None, *, seconds: float = 60.0,
        state: str = "present", kind: str = "video",
    ) -> int:  # fmt: skip
        st = path.lstat()
        cam = self.config.camera(camera) if camera else None
        duration = 0.0 if kind == "still" else seconds
        values = {
            "path": str(path),
            "camera_id": camera,
            "site": cam.site if cam else None,
            "area": cam.area if cam else None,
            "kind": kind,
            "start_utc": start,
            "end_utc": start + timedelta(seconds=duration) if start else None,
            "duration_s": duration if start else None,
            "size_bytes": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": None,
            "state": state,
            "state_reason": "time cannot be established" if state == "quarantined" else None,
            "indexed_at": datetime(2026, 1, 1, tzinfo=UTC),
            "state_changed_at": datetime(2026, 1, 1, tzinfo=UTC),
        }
        with self.catalog.write() as conn:
            return rq.insert_recording(conn, values)

    def rows(self) -> dict[int, Recording]:
        with self.catalog.read() as conn:
            return {r.id: r for r in rq.list_recordings(conn)}

    def state_of(self, rid: int) -> str:
        return self.rows()[rid].state

    def exists(self, rid: int) -> bool:
        return os.path.lexists(self.rows()[rid].path)


def make_archive(site: Path) -> Archive:
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    sync_cameras(catalog, cfg, "tester", datetime(2026, 1, 1, tzinfo=UTC))
    return Archive(cfg, catalog, site.parent / "archive")


@pytest.fixture
def arch(site: Path) -> Archive:
    a = make_archive(site)
    yield a
    a.catalog.dispose()


def files_on_disk(root: Path) -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(root):
        out.update(str(Path(dirpath) / n) for n in names)
    return out


def assert_catalog_matches_disk(arch: Archive) -> None:
    """Present rows are exactly the files on disk; purged/missing rows have no file; no open journal."""
    rows = arch.rows()
    disk = files_on_disk(arch.root)
    present = {r.path for r in rows.values() if r.state in ("present", "quarantined")}
    gone = {r.path for r in rows.values() if r.state in ("purged", "missing")}
    assert present == disk, f"on disk but not present: {disk - present}; present but gone: {present - disk}"
    assert not (gone & disk)
    with arch.catalog.read() as conn:
        assert jq.open_entries(conn) == []
        assert verify_chain(iter_audit(conn)) == []
