"""Paths that try to escape, files that must stay private, an operator on every action, durable SQLite."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from cctvkit.catalog import open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.catalog.audit_store import list_audit
from cctvkit.config import load_config
from tests.conftest import write_tiny_video
from tests.reliability.conftest import cli, footage_aged

ESCAPING_IDS = ["../../etc", "R-2026-0001/../../x", "/tmp/R-2026-0001", "R-2026-0001\x00", "..", "R-2026-1"]
REQUEST_COMMANDS = [["show"], ["review"], ["process"], ["close", "--reason", "x"], ["find"]]


@pytest.mark.parametrize("command", REQUEST_COMMANDS, ids=lambda c: c[0])
def test_request_ids_that_try_to_escape_are_refused(site: Path, command: list[str]) -> None:
    for bad in ESCAPING_IDS:
        code, _out, err = cli(site, "request", command[0], bad, *command[1:])
        assert code == 2 and "is not a request id" in err, (bad, err)
    work = site.parent / "data" / "work"
    assert not work.exists() or list(work.iterdir()) == []


def test_symlinks_and_release_dirs_pointing_into_or_out_of_the_archive(site: Path, tmp_path: Path) -> None:
    archive = site.parent / "archive"
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    secret = write_tiny_video(outside / "gate_20261001_100000.mp4")
    (archive / "gate" / "gate_20261001_110000.mp4").symlink_to(secret)
    (archive / "gate" / "escape").symlink_to(outside, target_is_directory=True)
    old = footage_aged(site, "gate", days=40, count=1)[0]
    (archive / "gate" / old.name.replace(".mp4", "-link.mp4")).symlink_to(secret)
    code, _out, err = cli(site, "purge")  # scans first, then deletes what is due
    assert code == 0, err
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    try:
        with catalog.read() as conn:
            rows = {Path(r.path).name: r for r in rq.list_recordings(conn)}
    finally:
        catalog.dispose()
    link = rows["gate_20261001_110000.mp4"]
    assert link.state == "quarantined" and "outside the archive roots" in (link.state_reason or "")
    assert not any("escape" in r.path for r in rows.values())  # a symlinked directory is not followed
    assert secret.exists() and not old.exists()  # the purge deleted due footage, never a link's target

    # A release directory inside the archive, or a symlink that leads into it, is refused.
    write_tiny_video(archive / "gate" / "gate_20261001_100000.mp4", seconds=2)
    assert cli(site, "index", "scan")[0] == 0
    for release_dir in ("archive/releases", "link-to-archive"):
        (site.parent / "link-to-archive").unlink(missing_ok=True)
        (site.parent / "link-to-archive").symlink_to(archive / "gate", target_is_directory=True)
        line = f'release_dir = "{release_dir}"\n'
        text = site.read_text().replace('data_dir = "data"\n', 'data_dir = "data"\n' + line)
        cfg_path = site.with_name(f"release-{release_dir.replace('/', '-')}.toml")
        cfg_path.write_text(text)
        code, _out, err = cli(
            cfg_path, "request", "new", "--requester", "A", "--window", "gate@2026-10-01T10:00:00/10:00:02",
            "--identity-method", "passport", "--identity-verified", "now",
        )  # fmt: skip
        assert code == 0, err
        rid = _out.split()[1]
        code, _out, err = cli(cfg_path, "request", "process", rid, "--mask-everyone")
        assert code == 5 and "overlaps archive root" in err, err
    assert sorted(p.name for p in (archive / "gate").iterdir() if p.is_dir() and not p.is_symlink()) == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


AGAIN = ("--new-release", "permission check of a second run")  # issue 30: a repeat needs a reason


def test_private_files_and_refusal_when_open_to_others(site: Path) -> None:
    write_tiny_video(site.parent / "archive" / "gate" / "gate_20261001_100000.mp4", seconds=2)
    assert cli(site, "index", "scan")[0] == 0
    code, out, err = cli(
        site, "request", "new", "--requester", "A", "--window", "gate@2026-10-01T10:00:00/10:00:02",
        "--identity-method", "passport", "--identity-verified", "now",
    )  # fmt: skip
    assert code == 0, err
    rid = out.split()[1]
    code, _out, err = cli(site, "request", "process", rid, "--mask-everyone")
    assert code == 0, err
    data = site.parent / "data"
    made = [data, *data.rglob("*")]
    loose = [f"{p} {oct(_mode(p))}" for p in made if _mode(p) & 0o077 and not p.is_symlink()]
    assert loose == []  # catalog (+ -wal/-shm), locks, work files, releases: all 0700/0600

    cfg = load_config(site)
    targets = [data, data / "releases", data / "work"]
    if cfg.site.database_url is None:
        targets.append(data / "catalog.db")
    for target in targets:
        before = _mode(target)
        os.chmod(target, before | 0o004 | (0o001 if target.is_dir() else 0))
        code, _out, err = cli(site, "request", "process", rid, "--mask-everyone", *AGAIN)
        assert code == 12 and "open to other users" in err and str(target) in err, (target, err)
        os.chmod(target, before)
    assert cli(site, "request", "process", rid, "--mask-everyone", *AGAIN)[0] == 0


def test_every_action_names_its_operator(site: Path) -> None:
    footage_aged(site, "gate", days=40, count=1)
    for args in (["index", "scan"], ["purge"], ["hold", "add", "--camera", "gate", "--from", "2026-10-01",
                 "--to", "2026-10-02", "--reason", "claim", "--reference", "C-1"]):  # fmt: skip
        assert cli(site, *args, operator="  a.b  ")[0] == 0
    code, _out, err = cli(site, "purge", operator="   ")
    assert code == 2 and "no operator name" in err
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    try:
        with catalog.read() as conn:
            actors = {r.actor for r in list_audit(conn)}
    finally:
        catalog.dispose()
    assert actors == {"a.b"}


def test_sqlite_is_durable(site: Path) -> None:
    cfg = load_config(site)
    if cfg.site.database_url is not None:
        pytest.skip("PostgreSQL: durability is the server's (fsync, synchronous_commit)")
    catalog = open_catalog(cfg.database_url)
    try:
        with catalog.read() as conn:
            journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar_one()
    finally:
        catalog.dispose()
    assert (journal, sync) == ("wal", 2)  # 2 = FULL: a commit survives power loss
    with sqlite3.connect(cfg.site.data_dir / "catalog.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent in the file
