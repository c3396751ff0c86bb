"""Kill a real purge process (SIGKILL) at every journal step and at random instants; the next run heals.

After every kill: nothing held or in retention is gone, and every present row whose file is gone has an
open ``deleting`` journal row (the only transient state). After the final run: everything due is gone,
the catalog matches the disk exactly, no journal row is open, the audit chain verifies.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cctvkit.catalog import purge_journal as jq
from cctvkit.retention import place_hold, restrict_recording
from tests.retention.conftest import Archive, assert_catalog_matches_disk

REPO = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)

SERVER = """
import os, sys
from cctvkit.catalog import open_catalog
from cctvkit.config import load_config
from cctvkit.retention.purge import run_purge
print("ready", flush=True)
for line in sys.stdin:
    batch, fault = line.split()
    pid = os.fork()
    if pid == 0:  # a fresh purge process: its own config, catalog connection and fault plan
        if fault != "-":
            os.environ["CCTVKIT_FAULT"] = fault
        cfg = load_config(sys.argv[1])
        summary = run_purge(open_catalog(cfg.database_url), cfg, actor="cron", batch_size=int(batch))
        os._exit(9 if summary.failed else 130 if summary.interrupted else 0)
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(code, flush=True)
"""


class PurgeServer:
    """Imports cctvkit once, then forks one real purge process per run (a second instead of a minute).

    Each run is a separate process that the test may SIGKILL from outside, as cron's would be.
    """

    def __init__(self, config: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(config)],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={k: v for k, v in os.environ.items() if k != "CCTVKIT_FAULT"},
        )  # fmt: skip
        assert self._read() == "ready"

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line, "the purge server died"
        return line

    def start(self, batch: int, fault: str | None = None) -> int:
        """Start a purge; return its pid."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{batch} {fault or '-'}\n")
        self.proc.stdin.flush()
        return int(self._read())

    def wait(self) -> int:
        """Exit code of the last run (negative: killed by that signal)."""
        return int(self._read())

    def run(self, batch: int, fault: str | None = None) -> int:
        self.start(batch, fault)
        return self.wait()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def server(arch: Archive) -> Iterator[PurgeServer]:
    srv = PurgeServer(arch.config.source)
    yield srv
    srv.close()


@dataclass
class Layout:
    keep: set[int]  # held, in retention, quarantined: must survive every instant
    due: set[int]  # must be gone after the final run


def build(arch: Archive, now: datetime) -> Layout:
    keep: set[int] = set()
    due: set[int] = set()
    old = now - 40 * DAY
    for i in range(24):  # gate keeps 30 days; three day directories
        due.add(arch.add("gate", old - (i % 3) * DAY + i * timedelta(minutes=5)))
    held_start = old - 10 * DAY
    for i in range(4):
        keep.add(arch.add("gate", held_start + i * timedelta(minutes=10)))
    place_hold(
        arch.catalog, arch.config, actor="officer", cameras=["gate"], from_utc=held_start,
        to_utc=held_start + timedelta(hours=1), reason="burglary", reference="CASE-1", now=now - DAY,
    )  # fmt: skip
    for i in range(6):
        keep.add(arch.add("gate", now - 20 * DAY + i * timedelta(hours=1)))
    for i in range(10):  # hall keeps 7 days
        due.add(arch.add("hall", now - 10 * DAY + i * timedelta(minutes=7)))
    for i in range(4):
        keep.add(arch.add("hall", now - 3 * DAY + i * timedelta(hours=2)))
    restricted_due = arch.add("hall", now - 9 * DAY)
    restricted_fresh = arch.add("hall", now - 2 * DAY)
    restrict_recording(arch.catalog, restricted_due, actor="dpo", reason="objection", now=now - DAY)
    restrict_recording(arch.catalog, restricted_fresh, actor="dpo", reason="objection", now=now - DAY)
    due.add(restricted_due)
    keep.add(restricted_fresh)
    mystery = arch.root / "gate" / "mystery.mp4"
    mystery.write_bytes(b"?")
    keep.add(arch.insert(mystery, "gate", None, state="quarantined"))
    return Layout(keep, due)


def check_instant(arch: Archive, layout: Layout) -> None:
    """What must hold at any instant, even right after a SIGKILL."""
    rows = arch.rows()
    for rid in layout.keep:
        assert rows[rid].state in ("present", "quarantined") and os.path.lexists(rows[rid].path), rid
    with arch.catalog.read() as conn:
        deleting = {e.recording_id for e in jq.journal_entries(conn, states=["deleting"])}
    for rid, row in rows.items():
        if row.state in ("purged", "missing"):
            assert not os.path.lexists(row.path), f"row {rid} says {row.state} but the file exists"
        elif not os.path.lexists(row.path):
            assert rid in deleting, f"row {rid} is present, its file is gone, and no journal row explains it"


def check_final(arch: Archive, layout: Layout) -> None:
    check_instant(arch, layout)
    rows = arch.rows()
    assert {rid for rid in layout.due if rows[rid].state == "purged"} == layout.due
    assert_catalog_matches_disk(arch)


# Each point is reached by the run that the previous kill left behind, so later kills also land
# inside the recovery of an interrupted run.
POINTS = [
    ("locked", 1, None),  # nothing journaled yet
    ("journaled", 1, "planned"),
    ("marked", 1, "deleting"),
    ("unlinked", 1, "deleting"),  # first file of the batch gone, the rest not
    ("unlinked", 3, "deleting"),
    ("committed", 1, None),
    ("marked", 2, "deleting"),
    ("committed", 2, None),
]


def test_sigkill_at_each_journal_step(arch: Archive, server: PurgeServer) -> None:
    layout = build(arch, datetime.now(UTC))
    for point, n, open_state in POINTS:
        assert server.run(4, f"purge:{point}:{n}") == -signal.SIGKILL, f"{point}:{n} did not kill"
        check_instant(arch, layout)
        with arch.catalog.read() as conn:
            states = {e.state for e in jq.open_entries(conn)}
        if open_state:
            assert open_state in states, (point, n, states)
    # A hold placed on a file while its deletion hung in the balance wins over the killed run.
    assert server.run(4, "purge:marked:1") == -signal.SIGKILL
    with arch.catalog.read() as conn:
        pending = jq.journal_entries(conn, states=["deleting"])
    saved = arch.rows()[pending[0].recording_id]
    place_hold(
        arch.catalog, arch.config, actor="officer", cameras=[saved.camera_id], from_utc=saved.start_utc,
        to_utc=saved.start_utc + timedelta(seconds=1), reason="new evidence", reference="CASE-2",
    )  # fmt: skip
    layout.due.discard(saved.id)
    layout.keep.add(saved.id)
    assert server.run(4) == 0
    check_final(arch, layout)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_sigkill_at_random_instants(
    arch: Archive, server: PurgeServer, seed: int, database_url: str | None
) -> None:
    rng = random.Random(seed)
    layout = build(arch, datetime.now(UTC))
    # Half the kills come from outside at a random instant (a run of this archive takes ~0.1 s on
    # SQLite, ~0.4 s on PostgreSQL once forked); half at a random visit of a random journal point.
    # Every run is bounded to 3 batches (a timed run stops itself at its 3rd commit if the kill has
    # not landed yet, and is killed there), so 10 runs purge at most 30 of the 35 due files: each
    # run is killed mid-purge however fast the machine is, and the count below is exact.
    window_s = 0.2 if database_url else 0.05
    killed = 0
    for _ in range(10):
        if rng.random() < 0.5:
            point, n = rng.choice(
                [("journaled", 1), *((p, rng.randint(1, 3)) for p in ("marked", "unlinked", "committed"))]
            )
            pid = server.start(1, f"purge:{point}:{n}")
        else:
            pid = server.start(1, "purge:committed:3:stop")
            time.sleep(rng.uniform(0.0, window_s))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        code = server.wait()
        killed += code == -signal.SIGKILL
        check_instant(arch, layout)
    assert killed == 10
    assert server.run(1) == 0
    check_final(arch, layout)


def test_sigterm_stops_cleanly_between_batches(arch: Archive, server: PurgeServer) -> None:
    layout = build(arch, datetime.now(UTC))
    pid = server.start(4, "purge:marked:1:stop")  # it stops itself with a batch marked 'deleting'
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "T" and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(pid, signal.SIGTERM)  # pending while stopped; handled once it continues
    os.kill(pid, signal.SIGCONT)
    assert server.wait() == 130
    check_instant(arch, layout)
    with arch.catalog.read() as conn:
        assert jq.open_entries(conn) == []  # the batch under way finished, the rest was cancelled
    rows = arch.rows()
    assert sum(rows[rid].state == "purged" for rid in layout.due) == 4
    assert server.run(4) == 0
    check_final(arch, layout)


def test_two_purges_started_together_exactly_one_works(arch: Archive) -> None:
    """Both real CLI processes start at once; the winner stops itself just after taking the lock."""
    layout = build(arch, datetime.now(UTC))
    env = {**os.environ, "CCTVKIT_OPERATOR": "cron", "CCTVKIT_FAULT": "purge:locked:1:stop"}
    cmd = [str(Path(sys.executable).parent / "cctvkit"), "-c", str(arch.config.source), "purge"]
    procs = [
        subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while all(p.poll() is None for p in procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        loser = next(p for p in procs if p.poll() is not None)
        winner = next(p for p in procs if p is not loser)
        assert loser.returncode == 8
        assert "another purge is running" in loser.stderr.read()
        check_instant(arch, layout)  # the loser touched nothing
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
    assert winner.wait(timeout=60) == 0, winner.stderr.read()
    assert winner.stdout.read().startswith(f"purge: deleted {len(layout.due)}")
    check_final(arch, layout)
