"""A request reviewed and processed in chunks on this machine: ids unique across chunks hold from the
review to the release (and the review page reads the chunks' analyses joined), and the release reuses
the review's chunks except the one with a kept track."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cctvkit.redact.analysis import StoredAnalysis
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
    audit = clip["redaction"]["audit"]
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
