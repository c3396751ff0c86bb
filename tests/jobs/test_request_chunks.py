"""A request reviewed and processed in chunks on this machine: ids unique across chunks hold from the
review to the release (and the review page reads the chunks' analyses joined), and the release reuses
the review's chunks except the one with a kept track."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cctvkit.catalog import open_catalog
from cctvkit.config import SiteConfig
from cctvkit.redact.analysis import StoredAnalysis
from cctvkit.redact.evaluation import detail_correlation
from cctvkit.requests.review_page import open_review
from cctvkit.video import VideoReader
from tests.jobs.test_celery import _new_request, _site, run


def _attempts(jobs_dir: Path) -> dict[str, int]:
    return {
        str(p.parent.relative_to(jobs_dir)): len(p.read_text().splitlines())
        for p in jobs_dir.glob("**/attempts.jsonl")
    }


def test_review_ids_hold_in_a_chunked_release(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", 'backend = "local"\nprocesses = 1\n')
    rid = _new_request(site)
    code, out, err = run(site, "request", "review", rid, "--json")
    assert code == 0, err
    (sheet,) = json.loads(out)
    assert Path(sheet["sheet"]).is_file()
    ids = [t["track_id"] for t in sheet["tracks"]]
    assert len(ids) == len(set(ids)) and {i // 10_000 for i in ids} == {0, 1}  # two chunks
    # The review page's input: the chunks' analyses joined, in clip frames with the sheet's ids.
    stored = StoredAnalysis.loads(Path(sheet["analysis"]).read_text())
    assert [f.index for f in stored.frames] == list(range(80)) and stored.summary.clip.span_s is None
    assert {t for f in stored.frames for t in f.tracker_id if t >= 0} <= set(ids)
    assert {t.track_id for t in stored.summary.tracks} == set(ids)
    jobs_dir = tmp_path / "site" / ".cctvkit" / "work" / rid / "jobs"
    reviewed = _attempts(jobs_dir)
    assert len(reviewed) == 2

    second = next(t for t in sheet["tracks"] if t["track_id"] >= 10_000)
    code, out, err = run(site, "request", "process", rid, "--keep-track", f"1:{second['track_id']}", "--json")
    assert code == 0, err
    (clip,) = json.loads(out)["manifest"]["clips"]
    assert clip["redaction"]["kept_track_ids"] == [second["track_id"]]
    assert second["track_id"] not in clip["redaction"]["masked_track_ids"]
    # The audit in the second chunk saw the kept face and left it (ids and frames mapped to the chunk).
    audit = clip["redaction"]["face_check"]
    assert audit["chunks"][1]["kept_skipped"] > 0 and audit["remaining"] == 0
    chunks = clip["redaction"]["jobs"]["chunks"]
    assert [c["frames"] for c in chunks] == [40, 40] and all(c["host"] for c in chunks)
    # The first chunk keeps nothing: the review's job, reused; the second is a new job.
    after = _attempts(jobs_dir)
    assert {k: after[k] for k in reviewed} == reviewed and len(after) == 3
    assert chunks[0]["job"] in reviewed and chunks[1]["job"] not in reviewed

    code, _, err = run(site, "request", "process", rid, "--keep-track", "1:10999", "--json")
    assert code == 2 and "10999" in err


@pytest.mark.parametrize("text", ['backend = "celery"\n', 'backend = "spark"\n'])
def test_bad_jobs_config_is_one_line(tmp_path: Path, text: str) -> None:
    site = _site(tmp_path / "site", text)
    code, _, err = run(site, "status")
    assert code == 3 and len(err.strip().splitlines()) == 1 and "jobs" in err


def test_review_page_masks_reach_both_chunks_of_a_release(tmp_path: Path) -> None:
    """The review page opens a chunked clip (its joined analysis), and a box drawn there over frames
    30-49 (the seam is at 40) is masked in the release on both sides of the seam, and only there."""
    site = _site(tmp_path / "site", 'backend = "local"\nprocesses = 1\n')
    rid = _new_request(site)
    config = SiteConfig.from_toml(site)
    catalog = open_catalog(config.database_url)
    try:
        session = open_review(catalog, config, rid, actor="j.smith")
        view = session.clip(1)
        assert view.frame_count == 80 and session.frame_jpeg(1, 45)[:2] == b"\xff\xd8"
        with VideoReader(view.path) as reader:
            source = [f.image for f in reader.frames()]
        box = (300, 75, 380, 140)  # the gate's bars: detail, and no face passes there
        mask = session.add_mask(1, 38, box, reason="a poster with a face")
        session.edit_mask(1, mask.id, first_frame=30, last_frame=49)
    finally:
        catalog.dispose()
    code, out, err = run(site, "request", "process", rid, "--mask-everyone", "--json")
    assert code == 0, err
    result = json.loads(out)
    (clip,) = result["manifest"]["clips"]
    assert len(clip["redaction"]["jobs"]["chunks"]) == 2
    with VideoReader(Path(result["path"]) / clip["file"]) as reader:
        released = [f.image for f in reader.frames()]
    x1, y1, x2, y2 = 305, 80, 375, 135  # inside the box, as the tracker may nudge it
    detail = [detail_correlation(source[i][y1:y2, x1:x2], released[i][y1:y2, x1:x2]) for i in range(80)]
    assert all(detail[i] < 0.5 for i in range(30, 50)), detail[30:50]
    assert all(detail[i] > 0.5 for i in (*range(0, 25), *range(55, 80))), detail
