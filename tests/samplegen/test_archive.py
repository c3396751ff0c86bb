"""The committed sample archive: config, files and ground truth agree with each other and the generator."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cctvkit.config import SiteConfig
from cctvkit.errors import VideoError
from cctvkit.samplegen.archive import SEGMENT_S, SUBJECT_ID, sample_scenes
from cctvkit.video import probe

SAMPLE = Path(__file__).resolve().parents[2] / "sample_footage"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))


def test_config_loads() -> None:
    config = SiteConfig.from_toml(SAMPLE / "cctvkit.toml")
    assert [c.id for c in config.cameras] == ["gate", "reception", "yard"]
    assert config.camera("gate").privacy_zones


def test_every_file_exists_and_probes_as_described(truth: dict) -> None:
    for entry in truth["files"]:
        path = SAMPLE / entry["path"]
        assert path.is_file(), entry["path"]
        if entry["kind"] == "corrupt":
            with pytest.raises(VideoError):
                probe(path)
            continue
        info = probe(path)
        assert info.kind == entry["kind"]
        assert (info.width, info.height, info.frame_count) == (
            entry["width"],
            entry["height"],
            entry["frame_count"],
        )
        assert len(entry["faces"]) == entry["frame_count"]
        if entry["kind"] == "video":
            assert info.creation_time_utc == datetime.fromisoformat(entry["start_utc"])
            assert info.duration_s == pytest.approx(SEGMENT_S)


def test_ground_truth_is_the_generators(truth: dict) -> None:
    scenes = sample_scenes(truth["seed"])
    for entry in truth["files"]:
        if entry["kind"] != "video":
            continue
        cam = entry["camera_id"]
        segment = sorted(
            e["path"] for e in truth["files"] if e["camera_id"] == cam and e["kind"] == "video"
        ).index(entry["path"])
        n = entry["frame_count"]
        expected = scenes[cam].ground_truth(segment * n, (segment + 1) * n).frames_json()
        assert entry["faces"] == expected, entry["path"]


def test_subject_crosses_a_segment_boundary(truth: dict) -> None:
    gate = [e for e in truth["files"] if e["camera_id"] == "gate" and e["kind"] == "video"]
    with_subject = [
        any(b["face_id"] == SUBJECT_ID for boxes in e["faces"].values() for b in boxes) for e in gate
    ]
    assert with_subject[:2] == [True, True]
    assert truth["subject_face_id"] == SUBJECT_ID not in truth["third_party_face_ids"]


def test_no_face_in_the_privacy_zone(truth: dict) -> None:
    config = SiteConfig.from_toml(SAMPLE / "cctvkit.toml")
    (zone,) = config.camera("gate").privacy_zones
    w, h = truth["size_wh"]
    zx1, zy1 = min(p[0] for p in zone) * w, min(p[1] for p in zone) * h
    zx2, zy2 = max(p[0] for p in zone) * w, max(p[1] for p in zone) * h
    for entry in truth["files"]:
        if entry["camera_id"] != "gate":
            continue
        for boxes in entry["faces"].values():
            for b in boxes:
                x1, y1, x2, y2 = b["xyxy"]
                assert not (x1 < zx2 and x2 > zx1 and y1 < zy2 and y2 > zy1)
