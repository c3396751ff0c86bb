"""cctvkit: index, retain, purge, redact and release a CCTV archive as its privacy policy promises."""

__all__ = ["__version__"]

__version__ = "0.1.0"
