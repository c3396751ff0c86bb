"""The purge lock on a shared PostgreSQL catalog: one purge across hosts, freed when its holder dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cctvkit.catalog import open_catalog
from cctvkit.catalog.locks import AdvisoryLock
from cctvkit.config import load_config
from cctvkit.errors import LockedError
from cctvkit.locks import FileLock
from cctvkit.retention.lock import PURGE_ADVISORY_KEY, purge_lock
from tests.conftest import SITE_TOML
from tests.pgserver import PgServer


@pytest.fixture
def pg_url(pg_server: PgServer | None) -> str:
    if pg_server is None:
        pytest.skip("no PostgreSQL server could be started here (install Debian's postgresql)")
    return pg_server.new_database()


def _host(tmp_path: Path, name: str, url: str) -> Path:
    """A site as another host sees it: its own data directory, the shared catalog."""
    base = tmp_path / name
    (base / "archive").mkdir(parents=True)
    cfg = base / "cctvkit.toml"
    text = SITE_TOML.format(tz="UTC").replace(
        'data_dir = "data"\n', f'data_dir = "data"\ndatabase_url = "{url}"\n'
    )
    cfg.write_text(text)
    return cfg


def test_purges_on_two_hosts_exclude_each_other(tmp_path: Path, pg_url: str) -> None:
    a, b = load_config(_host(tmp_path, "host-a", pg_url)), load_config(_host(tmp_path, "host-b", pg_url))
    cat_a, cat_b = open_catalog(a.database_url), open_catalog(b.database_url)
    lock_a, lock_b = purge_lock(a, cat_a), purge_lock(b, cat_b)
    assert isinstance(lock_a, AdvisoryLock)  # a file lock would not see the other host
    with lock_a, pytest.raises(LockedError, match=r"another purge is running \(server pid \d+"):
        lock_b.acquire()
    with lock_b:  # released: the other host gets it
        pass


def test_sqlite_catalog_uses_a_file_lock(tmp_path: Path) -> None:
    cfg = load_config(_host(tmp_path, "solo", "sqlite:///" + str(tmp_path / "solo.db")))
    assert isinstance(purge_lock(cfg, open_catalog(cfg.database_url)), FileLock)


def test_lock_of_a_killed_holder_is_freed(pg_url: str) -> None:
    holder = textwrap.dedent(
        f"""
        import sys, time
        from cctvkit.catalog import open_catalog
        from cctvkit.catalog.locks import AdvisoryLock
        lock = AdvisoryLock(open_catalog({pg_url!r}), {PURGE_ADVISORY_KEY})
        lock.acquire()
        print("locked", flush=True)
        time.sleep(120)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        mine = AdvisoryLock(open_catalog(pg_url), PURGE_ADVISORY_KEY)
        with pytest.raises(LockedError):
            mine.acquire()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 20
        while True:
            try:
                mine.acquire()
                break
            except LockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        mine.release()
    finally:
        if proc.poll() is None:
            proc.kill()
