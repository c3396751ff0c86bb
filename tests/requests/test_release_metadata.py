"""Released clips carry their real start time and their sources in the container (issue #5)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from cctvkit.requests.kinds import RequestKind
from cctvkit.requests.lifecycle import NewRequest, identify_requester, open_request
from cctvkit.requests.process import ProcessOptions, process_request
from cctvkit.requests.windows import parse_window
from cctvkit.video import probe
from tests.requests.conftest import OPERATOR, IndexedSite

NOW = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def test_release_clip_creation_time_is_the_window_start(indexed_site: IndexedSite) -> None:
    site = indexed_site
    window = parse_window("gate@2026-10-01T10:00:01/10:00:05", site.config)
    new = NewRequest(
        kind=RequestKind.SUBJECT, requester="Alex Doe", windows=(window,), received_on=date(2026, 10, 3)
    )
    req = open_request(site.catalog, site.config, new, actor=OPERATOR, now=NOW)
    identify_requester(site.catalog, req.id, actor=OPERATOR, method="in person, passport", now=NOW)
    options = ProcessOptions(mask_everyone=True)
    result = process_request(site.catalog, site.config, req.id, actor=OPERATOR, options=options, now=NOW)
    (clip,) = json.loads((result.path / "manifest.json").read_text())["clips"]
    info = probe(result.path / clip["file"])
    # 10:00:01 in the site's zone (BST) is 09:00:01 UTC; MP4 keeps whole seconds.
    assert info.creation_time_utc == window.start_utc == datetime(2026, 10, 1, 9, 0, 1, tzinfo=UTC)
    assert info.has_audio is False
