"""Find model weights through the manifest shipped in ``cctvkit/models/`` and verify them by sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cctvkit.errors import ModelError

__all__ = ["ModelWeights", "default_manifest_path", "load_manifest", "resolve_weights"]

log = logging.getLogger(__name__)

_REQUIRED = ("name", "file", "sha256", "licence", "source")


@dataclass(frozen=True, slots=True)
class ModelWeights:
    """One manifest entry, resolved to a verified file.

    Attributes:
        name: the key detectors are selected by (``centerface``).
        path: the weights file on disk.
        sha256: its verified hex digest.
        licence: SPDX licence id of the weights.
        source: where the file comes from.
    """

    name: str
    path: Path
    sha256: str
    licence: str
    source: str


def default_manifest_path() -> Path:
    """Return the manifest installed with the package (``cctvkit/models/manifest.toml``, package data)."""
    return Path(str(resources.files("cctvkit").joinpath("models", "manifest.toml")))


def load_manifest(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Read the manifest into ``{name: entry}``.

    Args:
        path: the manifest; defaults to :func:`default_manifest_path`.

    Returns:
        Each entry's fields, keyed by model name.

    Raises:
        ModelError: the manifest is missing, unreadable or lacks a required field.
    """
    path = Path(path) if path is not None else default_manifest_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(
            f"model manifest not found at {path} (it ships as package data cctvkit/models/manifest.toml; "
            "reinstall cctvkit)"
        ) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"model manifest {path} is unreadable: {exc}") from exc
    entries: dict[str, dict[str, str]] = {}
    for entry in data.get("model", []):
        missing = [key for key in _REQUIRED if not entry.get(key)]
        if missing:
            raise ModelError(f"model manifest {path}: entry {entry!r} lacks {', '.join(missing)}")
        entries[entry["name"]] = entry
    return entries


def _locate(entry: dict[str, str], manifest_dir: Path) -> Path:
    package = entry.get("package")
    if not package:
        return manifest_dir / entry["file"]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModelError(
            f"model {entry['name']!r}: package {package!r} that carries {entry['file']} is not installed"
        )
    for folder in locations:
        candidate = Path(folder) / entry["file"]
        if candidate.is_file():
            return candidate
    return Path(locations[0]) / entry["file"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_weights(
    name: str, *, manifest_path: Path | None = None, weights_path: Path | None = None
) -> ModelWeights:
    """Find the weights of model ``name`` and check them against the manifest.

    Args:
        name: the manifest entry.
        manifest_path: the manifest; defaults to :func:`default_manifest_path`.
        weights_path: use this file instead of the one the manifest points at (it must still
            have the manifest's sha256).

    Returns:
        The verified weights.

    Raises:
        ModelError: unknown name, file missing, or its sha256 differs from the manifest's.
    """
    manifest_path = Path(manifest_path) if manifest_path is not None else default_manifest_path()
    entries = load_manifest(manifest_path)
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise ModelError(f"model {name!r} is not in {manifest_path} (known: {known})")
    entry = entries[name]
    path = Path(weights_path) if weights_path is not None else _locate(entry, manifest_path.parent)
    if not path.is_file():
        raise ModelError(f"model {name!r}: weights file {path} is missing")
    actual = _sha256(path)
    expected = entry["sha256"].lower()
    if actual != expected:
        raise ModelError(f"model {name!r}: {path} has sha256 {actual}, the manifest expects {expected}")
    log.debug("model %s verified at %s", name, path)
    return ModelWeights(name, path, actual, entry["licence"], entry["source"])
