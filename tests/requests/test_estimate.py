"""Estimates (13.9.2) from measured speed per resolution band: the site's own runs, else the benchmark."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cctvkit.ingest import scan_archive
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests.coverage import find_coverage
from cctvkit.requests.estimate import INT8_PREPARE_S, RUN_SETUP_S, estimate_work
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.speed import (
    DEFAULT_REDACTION_FPS,
    FACE_CHECK_S,
    band_of,
    benchmark_speed,
    choose_speed,
)
from cctvkit.requests.windows import parse_window
from tests.conftest import write_tiny_video
from tests.requests.conftest import OPERATOR, IndexedSite

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("size", "band"),
    [((64, 48), "sd"), ((720, 576), "sd"), ((1280, 720), "720p"), ((1920, 1080), "1080p"),
     ((2560, 1440), "2160p"), ((3840, 2160), "2160p"), ((None, None), "1080p")],
)  # fmt: skip
def test_bands(size: tuple[int | None, int | None], band: str) -> None:
    assert band_of(*size) == band


def test_speed_prefers_the_site_then_the_benchmark_then_the_default() -> None:
    site = choose_speed("720p", [(40, 2.0), (60, 3.0)])
    assert (site.fps, site.source, site.detail) == (20.0, "site", "measured on this site over 2 clip(s)")
    few = choose_speed("720p", [(10, 0.5)])  # under 50 frames: start-up costs would dominate
    assert few == benchmark_speed("720p") and few.source == "benchmark" and "2 cores" in few.detail
    # The benchmark ran without the face check; planned with it, each checked frame adds its time.
    checked = choose_speed("720p", [], check_every=2)
    assert checked.fps == pytest.approx(1 / (1 / few.fps + FACE_CHECK_S / 2))
    assert "plus the face check" in checked.detail
    # The benchmark's machine nearest in cores; each band has its own figure, slower when larger.
    figures = [benchmark_speed(b, cores=2).fps for b in ("sd", "720p", "1080p", "2160p")]
    assert figures == sorted(figures, reverse=True) and len(set(figures)) == 4
    assert choose_speed("8k", []).fps == DEFAULT_REDACTION_FPS  # nothing measured: the default, said so
    assert choose_speed("8k", []).source == "default"


def _request(site: IndexedSite, *windows: str):
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Alex Doe",
        windows=tuple(parse_window(w, site.config) for w in windows),
        received_on=date(2026, 10, 3),
    )
    req = open_request(site.catalog, site.config, new, actor=OPERATOR, now=NOW)
    return identify_requester(site.catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)


def test_estimate_uses_the_sites_runs_per_band(indexed_site: IndexedSite) -> None:
    site = indexed_site
    # A 720p hall camera next to the 64x48 gate camera.
    write_tiny_video(site.root / "archive" / "hall" / "hall_2026-10-01T11-00-00.mp4", size_wh=(1280, 720))
    scan_archive(site.catalog, site.config, actor=OPERATOR)
    ask = ("gate@2026-10-01T10:00:00/10:00:06", "hall@2026-10-01T11:00:00/11:00:01")
    before = estimate_work(site.catalog, find_coverage(site.catalog, _request(site, *ask)), check_every=None)
    assert {b.band: (b.frames, b.speed.source) for b in before.bands} == {
        "sd": (60, "benchmark"),
        "720p": (10, "benchmark"),
    }
    # A real release of the gate footage (60 frames at SD) measures this site's SD speed.
    req = _request(site, "gate@2026-10-01T10:00:00/10:00:06")
    options = ProcessOptions(mask_everyone=True)
    process_request(site.catalog, site.config, req.id, actor=OPERATOR, options=options, now=NOW)
    after = estimate_work(
        site.catalog, find_coverage(site.catalog, _request(site, *ask)), check_every=None, load=0.0
    )
    sd, hd = (next(b for b in after.bands if b.band == name) for name in ("sd", "720p"))
    assert sd.speed.source == "site" and sd.speed.detail == "measured on this site over 1 clip(s)"
    assert sd.speed.fps != benchmark_speed("sd").fps
    assert hd.speed == benchmark_speed("720p")  # nothing measured at 720p yet: still the benchmark
    assert after.processing_s == pytest.approx(60 / sd.speed.fps + 10 / hd.speed.fps + RUN_SETUP_S)
    assert "up to 720x576: " in after.speed_source and "measured on this site" in after.speed_source
    assert "up to 1280x720: " in after.speed_source and "benchmark: " in after.speed_source


def test_estimate_counts_the_face_check_the_first_run_and_the_load(indexed_site: IndexedSite) -> None:
    """What issue 27's estimate left out: the face check, loading the models, the first run's int8
    preparation, and a busy machine; each said in words."""
    site = indexed_site
    cov = find_coverage(site.catalog, _request(site, "gate@2026-10-01T10:00:00/10:00:06"))
    sd = benchmark_speed("sd", cores=2)
    free = estimate_work(site.catalog, cov, load=1.0, cores=2)
    per_frame = 1 / sd.fps + FACE_CHECK_S / FaceCheckOptions().every  # the default cadence
    assert free.processing_s == pytest.approx(60 * per_frame + RUN_SETUP_S)
    assert free.int8_s == 0 and free.load_factor == 1.0
    first = estimate_work(site.catalog, cov, load=1.0, cores=2, int8_pending=True)
    assert first.processing_s == pytest.approx(free.processing_s + INT8_PREPARE_S)
    busy = estimate_work(site.catalog, cov, load=8.0, cores=2, int8_pending=True)
    assert busy.load_factor == 4.0 and busy.processing_s == pytest.approx(4 * first.processing_s)
    assert "load is 8.0 on 2 core(s)" in busy.load_text
    assert busy.range_s == pytest.approx((busy.processing_s / 2, busy.processing_s * 2))


def test_estimate_cli_says_what_it_is_based_on(indexed_site: IndexedSite) -> None:
    from tests.reliability.conftest import cli

    site = indexed_site
    req = _request(site, "gate@2026-10-01T10:00:00/10:00:06")
    code, out, err = cli(site.config_path, "request", "estimate", req.id)
    assert code == 0, err
    assert "60 frames up to 720x576" in out and "the face check included" in out
    assert "plus the face check's" in out and "loading the models" in out
    assert "expected processing: " in out and "(between " in out and "sd:" not in out
