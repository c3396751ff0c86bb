"""A site copied with `cp -r` (or moved, or restored elsewhere) reads its own archive (issue 30):
the catalog stores recording paths relative to their archive root, `index scan` in the copy finds
the same recordings (no duplicates), and a release in the copy is cut from the copy's files."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from cctvkit.catalog import open_catalog
from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from tests.conftest import SITE_TOML, write_tiny_video

runner = CliRunner()
WINDOW = "gate@2026-10-01T10:00:01/10:00:03"
FILES = ("gate_20261001_100000.mp4", "gate_20261001_100002.mp4")


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(config), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


def _site(root: Path) -> Path:
    (root / "archive" / "hall").mkdir(parents=True)
    for name in FILES:
        write_tiny_video(root / "archive" / "gate" / name, seconds=2)
    config = root / "cctvkit.toml"
    config.write_text(SITE_TOML.format(tz="Europe/London"), encoding="utf-8")  # SQLite in data/
    return config


def _ls(config: Path) -> list[dict]:
    code, out, err = run(config, "index", "ls", "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_copied_site_releases_from_its_own_archive(tmp_path: Path) -> None:
    original = _site(tmp_path / "site")
    code, out, err = run(original, "index", "scan", "--json")
    assert code == 0 and json.loads(out)["new"] == 2, err
    code, out, err = run(
        original,
        "request",
        "new",
        "--type",
        "subject",
        "--requester",
        "Alex Doe",
        "--window",
        WINDOW,
        "--identity-method",
        "in person",
        "--identity-verified",
        "now",
        "--json",
    )
    assert code == 0, err
    rid = json.loads(out)["id"]
    before = _ls(original)

    subprocess.run(["cp", "-r", str(tmp_path / "site"), str(tmp_path / "copy")], check=True)
    copy = tmp_path / "copy" / "cctvkit.toml"
    # The original's footage goes away: a copy still reading it would fail (or release it).
    for name in FILES:
        (tmp_path / "site" / "archive" / "gate" / name).unlink()

    code, out, err = run(copy, "index", "scan", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["new"] == 0 and summary["missing"] == 0, summary
    after = _ls(copy)
    assert [(r["id"], r["sha256"], r["state"]) for r in after] == [
        (r["id"], r["sha256"], r["state"]) for r in before
    ]
    assert all(r["path"].startswith(str(tmp_path / "copy" / "archive")) for r in after)
    code, out, err = run(copy, "status", "--json")
    assert code == 0, err

    code, out, err = run(copy, "request", "process", rid, "--mask-everyone", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["path"].startswith(str(tmp_path / "copy"))
    (clip,) = result["manifest"]["clips"]
    assert [s["sha256"] for s in clip["sources"]] == [r["sha256"] for r in before]
    code, _, err = run(copy, "release", "verify", result["path"])
    assert code == 0, err


def test_an_existing_catalog_is_migrated_to_relative_paths(tmp_path: Path) -> None:
    config_path = _site(tmp_path / "site")
    config = SiteConfig.from_toml(config_path)
    # A catalog as cctvkit kept it before: absolute paths (opened without the site's roots).
    catalog = open_catalog(config.database_url)
    from cctvkit.ingest import scan_archive

    scan_archive(catalog, config, actor="j.smith")
    catalog.dispose()
    db = tmp_path / "site" / "data" / "catalog.db"
    with sqlite3.connect(db) as conn:
        assert all(p.startswith("/") for (p,) in conn.execute("SELECT path FROM recordings"))
        conn.execute("DELETE FROM schema_version WHERE version = 11")  # made before migration 11

    code, _, err = run(config_path, "index", "ls")  # any command opens it with the site's roots
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        stored = sorted(p for (p,) in conn.execute("SELECT path FROM recordings"))
        assert stored == [f"0:gate/{name}" for name in FILES]
        assert 11 in {v for (v,) in conn.execute("SELECT version FROM schema_version")}
    subprocess.run(["mv", str(tmp_path / "site"), str(tmp_path / "moved")], check=True)
    moved = tmp_path / "moved" / "cctvkit.toml"
    code, out, err = run(moved, "index", "scan", "--json")
    assert code == 0 and json.loads(out)["new"] == 0 and json.loads(out)["missing"] == 0, err
    archive = tmp_path / "moved" / "archive" / "gate"
    assert [r["path"] for r in _ls(moved)] == [str(archive / n) for n in FILES]


def test_a_copy_of_a_catalog_never_migrated_recognises_its_files(tmp_path: Path) -> None:
    """Copied before any command opened it with its roots: rows still name the original's files."""
    config_path = _site(tmp_path / "site")
    config = SiteConfig.from_toml(config_path)
    catalog = open_catalog(config.database_url)
    from cctvkit.ingest import scan_archive

    scan_archive(catalog, config, actor="j.smith")
    catalog.dispose()
    subprocess.run(["cp", "-r", str(tmp_path / "site"), str(tmp_path / "copy")], check=True)
    copy = tmp_path / "copy" / "cctvkit.toml"
    code, out, err = run(copy, "index", "scan", "--json")
    assert code == 0, err
    assert json.loads(out)["new"] == 0, out  # same path below the root, same content: the same recording
    paths = [r["path"] for r in _ls(copy)]
    assert paths == [str(tmp_path / "copy" / "archive" / "gate" / n) for n in FILES]
