"""Indexing: scanning the archive roots, filename time patterns, probing.

Nothing is imported eagerly (PEP 562): the config imports :mod:`cctvkit.ingest.layouts` to check
cameras' patterns, and must not pull in the scanner (the catalog, PyAV) with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cctvkit._lazy import lazy_getattr

if TYPE_CHECKING:
    from cctvkit.ingest.scan import ScanSummary, scan_archive

__all__ = ["ScanSummary", "scan_archive"]

__getattr__ = lazy_getattr(__name__, dict.fromkeys(__all__, "cctvkit.ingest.scan"))
