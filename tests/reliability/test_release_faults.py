"""Kill a real release run (SIGKILL) at every step and at random instants; nothing false is left behind.

After every kill: nothing under a final name in the release directory is unrecorded, no staging
leftover verifies, every package that verifies shows no third-party face, and the held footage is all
there. The next run settles what the killed one left (a recorded package is put in place, an
unrecorded one removed, stale temporary files deleted) and never touches a live run's files.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from cctvkit.audit import verify_chain
from cctvkit.catalog import Catalog, open_catalog
from cctvkit.catalog import recordings as rq
from cctvkit.catalog import releases as relq
from cctvkit.catalog.audit_store import iter_audit
from cctvkit.config import SiteConfig, load_config
from cctvkit.files import PARTIAL_MARK
from cctvkit.requests.verify import verify_path
from tests.reliability.conftest import LONDON, CliServer, cli
from tests.reliability.faces import leaked_faces, truth_of, write_face_footage

PASSPHRASE = "correct horse battery staple"
START = datetime(2026, 10, 1, 10, 0, 0, tzinfo=LONDON)

KILL_POINTS = [
    "leased",  # sources leased, nothing written
    "verified",  # sources re-hashed
    "cut",  # the working clip is cut (unredacted, in the work dir)
    "staged",  # the staging directory exists, empty
    "summed",  # clips, manifest and SHA256SUMS staged: complete but for the name
    "recording",  # inside the transaction that records the release, before COMMIT
    "recorded",  # committed, not yet renamed into place
    "published",  # renamed into place
]
"""Every step of a release run, in order (``release:<point>:1`` in CCTVKIT_FAULT)."""

RANDOM_KILLS = 4
"""Kills from outside at a random instant (most land in the redaction, the longest step)."""


@dataclass
class ReleaseSite:
    config_path: Path
    config: SiteConfig
    catalog: Catalog
    request_id: str
    sources: list[Path]
    seen: dict[str, int] = field(default_factory=dict)  # verifying packages -> faces leaked

    @property
    def release_root(self) -> Path:
        return Path(os.path.realpath(self.config.release_dir))

    def process_args(self) -> list[str]:
        secret = self.config_path.parent / "passphrase"
        secret.write_text(PASSPHRASE + "\n")
        os.chmod(secret, 0o600)
        return [
            "request",
            "process",
            self.request_id,
            "--mask-everyone",
            "--new-release",  # each kill point ends in a release of the same inputs (issue 30)
            "fault test",
            "--encrypt",
            "--passphrase-file",
            str(secret),
        ]


@pytest.fixture
def rsite(site: Path) -> Iterator[ReleaseSite]:
    sources = write_face_footage(site, START, 2)
    assert cli(site, "index", "scan")[0] == 0
    code, out, err = cli(
        site, "request", "new", "--requester", "Alex Doe", "--received", "2026-10-02",
        "--window", "gate@2026-10-01T10:00:00/10:00:04", "--identity-method", "in person, passport",
        "--identity-verified", "now",
    )  # fmt: skip
    assert code == 0, err
    request_id = out.split()[1]
    cfg = load_config(site)
    catalog = open_catalog(cfg.database_url)
    yield ReleaseSite(site, cfg, catalog, request_id, sources)
    catalog.dispose()


def recorded(rs: ReleaseSite) -> dict[str, relq.Release]:
    with rs.catalog.read() as conn:
        return {r.id: r for r in relq.list_releases(conn, rs.request_id)}


def check_instant(rs: ReleaseSite, *, pending_ok: bool = False) -> None:
    """What must hold at any instant, even right after a SIGKILL."""
    releases = recorded(rs)
    names = {Path(r.path).name for r in releases.values()}
    names |= {Path(r.archive_path).name for r in releases.values() if r.archive_path}
    root = rs.release_root
    for entry in sorted(root.iterdir()) if root.exists() else []:
        if entry.name.startswith("."):
            if entry.is_dir():
                assert not verify_path(entry).ok, f"staging leftover {entry.name} verifies as a package"
            continue
        assert entry.name in names, f"{entry.name} is in the release directory but in no disclosure log"
        if entry.is_dir():
            assert verify_path(entry).ok, entry
            if entry.name not in rs.seen:
                (clip,) = (entry / "clips").iterdir()
                rs.seen[entry.name] = leaked_faces(clip, rs.sources, 0, truth_of(40))
    for rel in releases.values():
        staged = [p for p in root.iterdir() if p.name.startswith(f".{rel.id}{PARTIAL_MARK}") and p.is_dir()]
        assert Path(rel.path).exists() or (pending_ok and staged), f"recorded {rel.id} has no package"
    with rs.catalog.read() as conn:
        rows = rq.list_recordings(conn, camera_ids=["gate"])
        assert verify_chain(iter_audit(conn)) == []
    assert all(r.state == "present" and os.path.exists(r.path) for r in rows)  # held footage all there


def check_final(rs: ReleaseSite) -> None:
    check_instant(rs)
    leftovers = [p for p in rs.release_root.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers
    work = Path(rs.config.data_dir) / "work" / rs.request_id
    assert [p.name for p in work.rglob(f"*{PARTIAL_MARK}*")] == []
    for rel in recorded(rs).values():
        assert rel.archive_path and verify_path(Path(rel.archive_path), passphrase=PASSPHRASE).ok
    assert sum(rs.seen.values()) == 0, rs.seen


@pytest.fixture
def server(rsite: ReleaseSite) -> Iterator[CliServer]:
    srv = CliServer(rsite.config_path)
    yield srv
    srv.close()


def test_sigkill_a_release_at_each_step(rsite: ReleaseSite, server: CliServer) -> None:
    args = rsite.process_args()
    for point in KILL_POINTS:
        assert server.run(*args, fault=f"release:{point}:1") == -signal.SIGKILL, point
        check_instant(rsite, pending_ok=point == "recorded")
    # The kill after "recorded" left a recorded package under its staging name; the kill at
    # "published" ran the recovery first, so it is in place now, and so is the one published.
    assert sorted(recorded(rsite)) == [f"{rsite.request_id}-r1", f"{rsite.request_id}-r2"]
    assert server.run(*args) == 0
    check_final(rsite)
    assert len(recorded(rsite)) == 3 and len(rsite.seen) == 3


def test_sigkill_a_release_at_random_instants(rsite: ReleaseSite, server: CliServer) -> None:
    rng = random.Random(7)
    args = rsite.process_args()
    killed = 0
    for _ in range(RANDOM_KILLS):
        pid = server.start(*args)
        time.sleep(rng.uniform(0.05, 1.2))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        code = server.wait()
        assert code in (0, -signal.SIGKILL), code
        killed += code == -signal.SIGKILL
        check_instant(rsite, pending_ok=True)
    assert server.run(*args) == 0
    check_final(rsite)
    assert killed >= 2
