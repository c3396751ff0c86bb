"""The only place that talks SQL: schema, migrations and named queries."""

from cctvkit.catalog.db import Catalog, open_catalog
from cctvkit.catalog.records import AuditRecord, Camera, Recording, as_json

__all__ = ["AuditRecord", "Camera", "Catalog", "Recording", "as_json", "open_catalog"]
