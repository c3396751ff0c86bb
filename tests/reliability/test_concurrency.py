"""Purges and releases at the same time, and two operators on one request: nothing lost, nothing leaked.

Every run here is a real ``cctvkit`` process; a run is held at a known step by a SIGSTOP fault point
while the other one goes ahead, or killed at random instants.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cctvkit.audit import verify_chain
from cctvkit.catalog import Catalog, open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.catalog import releases as relq
from cctvkit.catalog.audit_store import iter_audit
from cctvkit.config import SiteConfig, load_config
from cctvkit.requests.verify import verify_path
from cctvkit.retention.holds import list_holds
from tests.reliability.conftest import LONDON, CliServer, cli, footage_aged, resume, spawn, wait_stopped
from tests.reliability.faces import leaked_faces, truth_of, write_face_footage

RANDOM_PURGE_KILLS = 4
"""Purges killed at a random instant while a release of held footage runs."""


@dataclass
class Busy:
    config_path: Path
    config: SiteConfig
    catalog: Catalog
    request_id: str
    sources: list[Path]  # due footage the request asks for
    other_due: list[Path]  # due footage nobody asked for
    fresh: list[Path]  # in retention

    def rows(self) -> dict[str, rq.Recording]:
        with self.catalog.read() as conn:
            return {Path(r.path).name: r for r in rq.list_recordings(conn)}

    def releases(self) -> list[relq.Release]:
        with self.catalog.read() as conn:
            return relq.list_releases(conn, self.request_id)

    def release_hold(self) -> None:
        (hold,) = list_holds(self.catalog, request_id=self.request_id)
        code, _out, err = cli(self.config_path, "hold", "release", str(hold.id), "--reason", "case dropped")
        assert code == 0, err

    def lost_in_retention(self) -> int:
        return sum(not p.exists() for p in self.fresh)

    def faces_leaked(self) -> int:
        leaked = 0
        for rel in self.releases():
            assert verify_path(Path(rel.path)).ok
            (clip,) = (Path(rel.path) / "clips").iterdir()
            leaked += leaked_faces(clip, self.sources, 0, truth_of(40))
        return leaked

    def audit_ok(self) -> bool:
        with self.catalog.read() as conn:
            return verify_chain(iter_audit(conn)) == []


@pytest.fixture
def busy(site: Path) -> Iterator[Busy]:
    start = (datetime.now(LONDON) - timedelta(days=40)).replace(microsecond=0, tzinfo=None)
    sources = write_face_footage(site, start.replace(tzinfo=LONDON), 2)
    other_due = footage_aged(site, "gate", days=41, count=3)
    fresh = footage_aged(site, "gate", days=2, count=2) + footage_aged(site, "hall", days=1, count=2)
    assert cli(site, "index", "scan")[0] == 0
    window = f"gate@{start.isoformat()}/{(start + timedelta(seconds=4)).time().isoformat()}"
    code, out, err = cli(
        site, "request", "new", "--requester", "Alex Doe", "--window", window,
        "--identity-method", "in person, passport", "--identity-verified", "now",
    )  # fmt: skip
    assert code == 0, err
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    yield Busy(site, cfg, catalog, out.split()[1], sources, other_due, fresh)
    catalog.dispose()


def test_purge_skips_footage_a_release_is_reading(busy: Busy) -> None:
    """The request's hold is released while its release runs: the lease alone keeps the sources."""
    release = spawn(
        busy.config_path,
        "request",
        "process",
        busy.request_id,
        "--mask-everyone",
        fault="release:verified:1:stop",
    )
    wait_stopped(release)  # sources leased and re-hashed; about to cut them
    busy.release_hold()
    code, out, err = cli(busy.config_path, "purge")
    assert code == 0, err
    assert out.startswith("purge: deleted 3 ") and "kept 0 held, 2 leased" in out, out
    assert all(p.exists() for p in busy.sources)
    code, _out, err = resume(release)
    assert code == 0, err
    assert len(busy.releases()) == 1 and busy.faces_leaked() == 0
    # The lease ended with the run; the next purge deletes the (now unheld, due) sources.
    code, out, err = cli(busy.config_path, "purge")
    assert code == 0 and out.startswith("purge: deleted 2 "), out
    assert busy.lost_in_retention() == 0 and busy.audit_ok()


def test_release_fails_cleanly_when_a_purge_got_there_first(busy: Busy) -> None:
    busy.release_hold()
    purge = spawn(busy.config_path, "purge", fault="purge:marked:1:stop")
    wait_stopped(purge)  # every due file is marked 'deleting'
    code, _out, err = cli(busy.config_path, "request", "process", busy.request_id, "--mask-everyone")
    assert code == 13 and "being purged" in err, err
    assert busy.releases() == []
    assert [p.name for p in Path(busy.config.release_dir).iterdir()] == []
    code, _out, err = resume(purge)
    assert code == 0, err
    assert not any(p.exists() for p in busy.sources) and busy.lost_in_retention() == 0
    # Retried: nothing is left to release, and it says why (a refusal is the answer to record).
    code, _out, err = cli(busy.config_path, "request", "process", busy.request_id, "--mask-everyone")
    assert code == 13 and "no footage can be released" in err, err
    assert busy.audit_ok()


def test_two_operators_on_one_request(busy: Busy) -> None:
    first = spawn(
        busy.config_path,
        "request",
        "process",
        busy.request_id,
        "--mask-everyone",
        fault="release:staged:1:stop",
    )
    wait_stopped(first)
    code, _out, err = cli(
        busy.config_path, "request", "process", busy.request_id, "--mask-everyone", operator="k.jones"
    )
    assert code == 8 and f"another run on request {busy.request_id} is running" in err, err
    code, _out, err = cli(busy.config_path, "request", "review", busy.request_id, operator="k.jones")
    assert code == 8, err
    # Closing would delete the working clips the running release reads: refused until it ends.
    code, _out, err = cli(busy.config_path, "request", "close", busy.request_id, operator="k.jones")
    assert code == 8 and "is running" in err, err
    code, _out, err = resume(first)
    assert code == 0, err
    code, _out, err = cli(
        busy.config_path, "request", "process", busy.request_id, "--mask-everyone",
        "--new-release", "a second copy", operator="k.jones",
    )  # fmt: skip
    assert code == 0, err
    releases = busy.releases()
    assert [(r.id[-2:], r.created_by) for r in releases] == [("r1", "j.smith"), ("r2", "k.jones")]
    assert busy.faces_leaked() == 0 and busy.audit_ok()


def test_purges_killed_at_random_while_releases_run(busy: Busy) -> None:
    rng = random.Random(11)
    # The purge server imports no more than before: its kills keep their spread over a purge's steps.
    releases, purges = CliServer(busy.config_path), CliServer(busy.config_path, preload=())
    try:
        for _ in range(RANDOM_PURGE_KILLS):
            releases.start("request", "process", busy.request_id, "--mask-everyone", "--new-release", "again")
            pid = purges.start("purge")
            time.sleep(rng.uniform(0.0, 0.6))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            assert purges.wait() in (0, -signal.SIGKILL)
            assert releases.wait() == 0
            assert all(p.exists() for p in busy.sources)  # held by the open request
            assert busy.lost_in_retention() == 0
        assert purges.run("purge") == 0
    finally:
        releases.close()
        purges.close()
    rows = busy.rows()
    assert {rows[p.name].state for p in busy.other_due} == {"purged"}
    assert not any(p.exists() for p in busy.other_due)
    assert len(busy.releases()) == RANDOM_PURGE_KILLS and busy.faces_leaked() == 0
    assert busy.audit_ok()
