"""Indexing: scanning the archive roots, filename time patterns, probing."""

from cctvkit.ingest.scan import ScanSummary, scan_archive

__all__ = ["ScanSummary", "scan_archive"]
