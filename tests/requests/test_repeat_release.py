"""A second `request process` on the same footage and decisions makes no second release (issue 30);
an explicit new release with its reason does, and the reason is recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cctvkit.catalog import open_catalog
from cctvkit.catalog.releases import list_disclosures, list_releases
from cctvkit.cli.main import app
from cctvkit.config import SiteConfig
from tests.conftest import write_tiny_video

runner = CliRunner()
WINDOW = "gate@2026-10-01T10:00:01/10:00:03"


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["-c", str(site), *args], env={"CCTVKIT_OPERATOR": "j.smith"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def request_id(site: Path) -> str:
    root = site.parent / "archive"
    write_tiny_video(root / "gate" / "gate_20261001_100000.mp4", seconds=2)
    write_tiny_video(root / "gate" / "gate_20261001_100002.mp4", seconds=2)
    assert run(site, "index", "scan")[0] == 0
    code, out, err = run(
        site,
        "request",
        "new",
        "--type",
        "subject",
        "--requester",
        "Alex Doe",
        "--window",
        WINDOW,
        "--identity-method",
        "in person, passport checked",
        "--identity-verified",
        "now",
        "--json",
    )
    assert code == 0, err
    return json.loads(out)["id"]


def _releases(site: Path) -> tuple[list, list]:
    catalog = open_catalog(SiteConfig.from_toml(site).database_url)
    try:
        with catalog.read() as conn:
            return list_releases(conn), list_disclosures(conn)
    finally:
        catalog.dispose()


def test_a_second_process_makes_no_second_release(site: Path, request_id: str) -> None:
    code, out, err = run(site, "request", "process", request_id, "--mask-everyone", "--json")
    assert code == 0, err
    first = json.loads(out)["path"]

    code, out, err = run(site, "request", "process", request_id, "--mask-everyone")
    assert code == 13
    assert f"already has release {request_id}-r1" in err and first in err and "--new-release" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    releases, disclosures = _releases(site)
    assert [r.id for r in releases] == [f"{request_id}-r1"] and len(disclosures) == 1
    assert not (Path(first).parent / f"{request_id}-r2").exists()

    # Asked for explicitly, with its reason: a second release, the reason on record.
    reason = "the police lost the first copy"
    code, out, err = run(
        site, "request", "process", request_id, "--mask-everyone", "--new-release", reason, "--json"
    )
    assert code == 0, err
    assert json.loads(out)["manifest"]["release_id"] == f"{request_id}-r2"
    releases, disclosures = _releases(site)
    assert [r.repeat_reason for r in releases] == [None, reason] and len(disclosures) == 2
    code, out, err = run(site, "audit", "ls", "--action", "release.create", "--json")
    creates = json.loads(out)
    assert [e["details"]["repeat_reason"] for e in creates] == [None, reason]

    # Different decisions are a different release: not refused.
    code, out, err = run(
        site, "request", "process", request_id, "--mask-everyone", "--face-check-rounds", "0", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["manifest"]["release_id"] == f"{request_id}-r3"
