"""The model manifest ships inside the wheel, so a non-editable install finds its weights."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cctvkit.redact.weights import default_manifest_path, load_manifest

REPO = Path(__file__).resolve().parents[2]


def test_default_manifest_is_package_data() -> None:
    path = default_manifest_path()
    assert path == REPO / "cctvkit" / "models" / "manifest.toml"
    assert "centerface" in load_manifest(path)


@pytest.mark.skipif(not (REPO / "pyproject.toml").is_file(), reason="needs the source tree")
def test_wheel_carries_the_manifest(tmp_path: Path) -> None:
    # Build from a copy: setuptools writes build/ and *.egg-info beside pyproject.toml.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "cctvkit", source / "cctvkit", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    # The build backend in-process (the venv that uv makes has no pip; setuptools is in the dev extra).
    build = "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])"
    done = subprocess.run(
        [sys.executable, "-c", build, str(wheels)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("cctvkit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("cctvkit/models/manifest.toml")
    assert shipped == (REPO / "cctvkit" / "models" / "manifest.toml").read_bytes()
