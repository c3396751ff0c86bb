"""The sample footage's gate request, indexed and identified, and a detector told to miss the walker."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from cctvkit.catalog import Catalog, open_catalog
from cctvkit.config import SiteConfig
from cctvkit.ingest import scan_archive
from cctvkit.redact import FaceDetector, RedactOptions, build_detector
from cctvkit.redact.detectors import DetectorInfo
from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, open_request
from cctvkit.requests.windows import parse_window
from tests.conftest import SAMPLE_DIR
from tests.requests.test_end_to_end import WINDOW

OPERATOR = "j.smith"

WALKER_PATH_XYXY = (250.0, 150.0, 350.0, 205.0)
"""Where the far walker's face centre goes in the request's 4 s at the gate (ground truth: x
259-343, y 159-197); no other face's centre enters it (subject: y > 220; guard: x < 155)."""


class MissingWalker:
    """The real detector, told to miss every face whose centre lies on the walker's path.

    Stands for a face the detector misses in real footage (too small, turned away, dark): the
    reviewer must draw a box over it.
    """

    def __init__(self, inner: FaceDetector) -> None:
        self.inner = inner

    @property
    def info(self) -> DetectorInfo:
        return self.inner.info

    def detect(self, frame_rgb: np.ndarray) -> sv.Detections:
        found = self.inner.detect(frame_rgb)
        if len(found) == 0:
            return found
        cx = (found.xyxy[:, 0] + found.xyxy[:, 2]) / 2
        cy = (found.xyxy[:, 1] + found.xyxy[:, 3]) / 2
        x1, y1, x2, y2 = WALKER_PATH_XYXY
        return found[~((cx >= x1) & (cx <= x2) & (cy >= y1) & (cy <= y2))]


@dataclass
class SampleRequest:
    config_path: Path
    config: SiteConfig
    catalog: Catalog
    request_id: str

    @property
    def root(self) -> Path:
        return self.config_path.parent


@pytest.fixture
def sample_request(tmp_path: Path) -> Iterator[SampleRequest]:
    if not (SAMPLE_DIR / "ground_truth.json").is_file():
        pytest.skip("sample_footage/ not generated (make sample)")
    shutil.copytree(SAMPLE_DIR / "archive", tmp_path / "archive")
    shutil.copy(SAMPLE_DIR / "cctvkit.toml", tmp_path / "cctvkit.toml")
    config = SiteConfig.from_toml(tmp_path / "cctvkit.toml")
    catalog = open_catalog(config.database_url)
    scan_archive(catalog, config, actor=OPERATOR)
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Alex Doe",
        windows=(parse_window(WINDOW, config),),
        received_on=date(2026, 11, 20),
        identity_method="in person, passport checked",
        identity_verified_at=datetime.now(UTC),
    )
    request = open_request(catalog, config, new, actor=OPERATOR)
    yield SampleRequest(tmp_path / "cctvkit.toml", config, catalog, request.id)
    catalog.dispose()


def short_request(site: SampleRequest, window: str) -> str:
    """Another subject request on the sample site, over a shorter ``window`` (a faster test)."""
    new = NewRequest(
        kind=RequestKind.SUBJECT,
        requester="Sam Roe",
        windows=(parse_window(window, site.config),),
        received_on=date(2026, 11, 20),
        identity_method="in person, passport checked",
        identity_verified_at=datetime.now(UTC),
    )
    return open_request(site.catalog, site.config, new, actor=OPERATOR).id


@pytest.fixture(scope="session")
def missing_walker() -> MissingWalker:
    return MissingWalker(build_detector(RedactOptions()))
