"""Finding a window's footage (gaps, restrictions) and cutting it frame-accurately across segments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from cctvkit.catalog import open_catalog
from cctvkit.config import SiteConfig
from cctvkit.files import sha256_file
from cctvkit.ingest import scan_archive
from cctvkit.requests.coverage import find_coverage
from cctvkit.requests.cut import cut_run
from cctvkit.requests.estimate import RUN_SETUP_S, estimate_work
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, open_request
from cctvkit.requests.speed import benchmark_speed
from cctvkit.requests.windows import parse_window
from cctvkit.retention.restrictions import restrict_recording
from cctvkit.video import VideoReader
from tests.conftest import write_shifted, write_tiny_video
from tests.requests.conftest import OPERATOR, IndexedSite

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def _request(site: IndexedSite, *windows: str):
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Alex Doe",
        windows=tuple(parse_window(w, site.config) for w in windows),
        received_on=date(2026, 10, 3),
    )
    return open_request(site.catalog, site.config, new, actor=OPERATOR, now=NOW)


def _bar_x(image: np.ndarray) -> int:
    """Column of the bright bar that write_tiny_video moves 3 px a frame."""
    return int(np.argmax(image[:, :, 0].mean(axis=0) > 130))


def test_window_across_three_segments(indexed_site: IndexedSite, tmp_path: Path) -> None:
    site = indexed_site
    req = _request(site, "gate@2026-10-01T10:00:01/10:00:05", "hall@2026-10-01T10:00:01/10:00:02.5")
    cov = find_coverage(site.catalog, req)
    gate, hall = cov
    assert gate.camera_id == "gate" and len(gate.runs) == 1 and gate.gaps == ()
    run = gate.runs[0]
    assert [Path(s.recording.path).name[-10:] for s in run] == ["100000.mp4", "100002.mp4", "100004.mp4"]
    assert [(s.start_s, s.end_s) for s in run] == [(1.0, 2.0), (0.0, 2.0), (0.0, 1.0)]
    assert gate.frames == 40 and hall.frames == 10 and [g.reason for g in hall.gaps] == ["no footage"]

    est = estimate_work(site.catalog, cov, check_every=None, load=0.0)
    assert est.cameras == 2 and est.clips == 2 and est.frames == 50
    # No release yet: 64x48 footage is planned at the benchmark's SD figure, and says so.
    (band,) = est.bands
    figure = benchmark_speed("sd")
    assert band.band == "sd" and band.frames == 50 and band.speed == figure and figure.source == "benchmark"
    assert est.processing_s == 50 / figure.fps + RUN_SETUP_S
    assert est.speed_source.startswith("up to 720x576: ")

    hashes = {s.recording.id: sha256_file(Path(s.recording.path)) for s in run}
    clip = cut_run(run, tmp_path / "work" / "cut.mp4", hashes=hashes)
    assert clip.frame_count == 40 and clip.fps == "10"
    assert clip.start_utc == datetime(2026, 10, 1, 9, 0, 1, tzinfo=UTC)  # 10:00:01 BST
    assert clip.end_utc - clip.start_utc == timedelta(seconds=4)
    assert [p.frames for p in clip.parts] == [10, 20, 10]
    assert (Path(clip.path).stat().st_mode & 0o777) == 0o600
    with VideoReader(Path(clip.path)) as reader:
        frames = list(reader.frames())
    assert len(frames) == 40
    # Source frame k of each 20-frame segment has its bar at 3k: the cut starts at frame 10 of the
    # first segment, then runs 0..19 of the second and 0..9 of the third.
    expected = [3 * k for k in range(10, 20)] + [3 * k % 64 for k in range(20)] + [3 * k for k in range(10)]
    assert [_bar_x(f.image) for f in frames] == expected
    # Cut again: the finished working clip is reused.
    assert cut_run(run, Path(clip.path), hashes=hashes) == clip


def test_gaps_and_restrictions_are_named(indexed_site: IndexedSite) -> None:
    site = indexed_site
    req = _request(site, "gate@2026-10-01T10:00:01/10:00:08")
    middle = next(s.recording for s in find_coverage(site.catalog, req)[0].runs[0] if s.start_s == 0.0)
    restrict_recording(site.catalog, middle.id, actor=OPERATOR, reason="13.2.2 objection pending", now=NOW)
    (cov,) = find_coverage(site.catalog, req)
    assert len(cov.runs) == 2  # before and after the restricted segment
    reasons = [(g.reason, g.recording_id) for g in cov.gaps]
    assert reasons == [("restricted", middle.id), ("no footage", None)]
    restricted, missing = cov.gaps
    assert (restricted.end_utc - restricted.start_utc).total_seconds() == 2.0
    assert missing.start_utc == datetime(2026, 10, 1, 9, 0, 6, tzinfo=UTC)
    assert "restriction" in restricted.detail


def test_index_and_cut_agree_on_edit_lists_and_late_starts(site: Path, tmp_path: Path) -> None:
    """An MP4 whose edit list hides its first 0.5 s, and a Matroska file whose first frame is at
    1.0 s: the index records the frames the release will hold, no more, and neither is "damaged"
    (issue 27)."""
    gate = site.parent / "archive" / "gate"
    whole = write_tiny_video(tmp_path / "whole.mp4", seconds=2)
    write_shifted(whole, gate / "gate_20261001_100000.mp4", -0.5)  # shows source frames 5..19
    write_shifted(whole, gate / "gate_20261001_100002.mkv", 1.0, format="matroska")
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    try:
        scan_archive(catalog, config, actor=OPERATOR)
        indexed = IndexedSite(site, config, catalog)
        (cov,) = find_coverage(catalog, _request(indexed, "gate@2026-10-01T10:00:00/10:00:04"))
        recordings = [span.recording for run in cov.runs for span in run]
        assert [r.state for r in recordings] == ["present", "present"]
        assert [r.duration_s for r in recordings] == [1.5, 2.0] and cov.frames == 35
        hashes = {r.id: sha256_file(Path(r.path)) for r in recordings}
        # The edit list's hidden half second shows as a gap in the index, so two clips.
        clips = [cut_run(run, tmp_path / f"cut{n}.mp4", hashes=hashes) for n, run in enumerate(cov.runs)]
    finally:
        catalog.dispose()
    assert [c.frame_count for c in clips] == [15, 20]
    bars = []
    for clip in clips:
        with VideoReader(Path(clip.path)) as reader:
            bars += [_bar_x(f.image) for f in reader.frames()]
    assert bars == [3 * k for k in range(5, 20)] + [3 * k for k in range(20)]
