"""The review page in a real headless Chromium on the sample footage, from the token link to a release.

Debian's ``chromium`` and ``chromium-driver`` driven by Selenium (nothing downloads a browser):
open the printed link, tick the requester's row to keep, draw a box over the walker (whom the
detector was told to miss), approve; then the released clip shows the requester unmasked and
the walker masked (from the output pixels), the audit log holds each decision, the link no
longer opens the page without the session, and nothing was written outside the request's work
directory and the release. Skipped where chromium is absent, a failure under CI (``make test``
installs it there: scripts/ensure-chromium.sh).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from cctvkit.catalog import audit_store
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.requests.review_page import open_review
from cctvkit.review_server import ReviewServer
from cctvkit.video import VideoReader
from tests.requests.test_end_to_end import _detail_kept, _iou, _original_frames, _truth
from tests.review_server.conftest import OPERATOR, MissingWalker, SampleRequest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # as root (CI)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1600",
)
SCREENSHOT = Path(tempfile.gettempdir()) / "cctvkit-review" / "review-page.png"
"""Where the test leaves a screenshot of the page (outside the repository; printed)."""


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file():
        return
    reason = f"Debian's chromium and chromium-driver are not installed ({CHROMIUM}, {CHROMEDRIVER})"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: under CI scripts/ensure-chromium.sh must install them")
    pytest.skip(reason)


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    _chromium_or_skip()
    pytest.importorskip("selenium", reason="selenium is in the dev extra")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver or browser
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _files(root: Path, skip: list[Path]) -> dict[str, tuple[int, int]]:
    out = {}
    for path in root.rglob("*"):
        if path.is_file() and not any(path == s or s in path.parents for s in skip):
            st = path.stat()
            out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def _wait(driver, condition, timeout: float, what: str):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Each refresh re-renders the page's lists: an element found just before one goes stale.
    wait = WebDriverWait(
        driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    return wait.until(condition, message=what)


def _mask_from_evidence(driver, finding) -> None:
    """Wait for a finding's evidence image (original beside output, 260 px), click its Mask it."""
    from selenium.webdriver.common.by import By

    evidence = finding.find_element(By.CSS_SELECTOR, "img.evidence")
    _wait(
        driver,
        lambda d: d.execute_script("return arguments[0].naturalWidth", evidence) == 260,
        10,
        "no evidence",
    )
    finding.find_element(By.XPATH, ".//button[text()='Mask it']").click()
    _wait(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#findings-1 [data-state='masked']"),
        10,
        "not masked",
    )


def test_review_page_keep_draw_approve(
    sample_request: SampleRequest, missing_walker: MissingWalker, browser, capsys: pytest.CaptureFixture
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    site = sample_request
    started = time.monotonic()
    # The face check re-masks nothing (rounds=0): the walker the detector missed stops the first
    # release, as a face the check cannot fix in its rounds does (issue 25).
    session = open_review(
        site.catalog,
        site.config,
        site.request_id,
        actor=OPERATOR,
        detector=missing_walker,
        face_check=FaceCheckOptions(every=2, rounds=0),  # every 2nd frame: the counts below
    )
    truth = _truth()
    (clip,) = session.clips.values()
    # The detector missed the walker: no track of the review is on the walker's face.
    walker_tracks = [
        t
        for t in clip.tracks.values()
        if any(
            b["face_id"] == "walker" and _iou(list(t.best_xyxy), b["xyxy"]) > 0.3 for b in truth[t.best_frame]
        )
    ]
    assert walker_tracks == []

    def subject_overlap(track) -> float:
        boxes = [b["xyxy"] for b in truth[track.best_frame] if b["face_id"] == "subject"]
        return max((_iou(list(track.best_xyxy), b) for b in boxes), default=0.0)

    subject = max(clip.tracks.values(), key=subject_overlap)
    assert subject_overlap(subject) > 0.3

    work = Path(site.config.data_dir) / "work" / site.request_id
    release_dir = Path(site.config.release_dir)
    catalog_files = [
        Path(site.config.data_dir) / n for n in ("catalog.db", "catalog.db-wal", "catalog.db-shm")
    ] + [site.config.site_key_path]  # the site's signing key, made by its first release (issue 28)
    before = _files(site.root, [work, release_dir, *catalog_files])

    server = ReviewServer(session)
    server.start()
    try:
        assert _status(server.base_url) == 403  # no token
        driver = browser
        driver.get(server.url)
        assert _status(server.url) == 403  # the token was spent by the browser's first load
        row = _wait(
            driver,
            lambda d: (
                d.find_element(By.CSS_SELECTOR, f"#gallery-1 input[data-tracks~='{subject.track_id}']")
                if d.find_elements(By.CSS_SELECTOR, "#gallery-1 input[type=checkbox]")
                else False
            ),
            20,
            "the gallery did not load",
        )
        assert driver.current_url == server.page_url  # the token is gone from the address bar
        # The requester's row: tick keep (its reason field says "the requester").
        row.click()
        _wait(
            driver,
            lambda d: d.find_element(
                By.CSS_SELECTOR, f"#gallery-1 input[data-tracks~='{subject.track_id}']"
            ).is_selected(),
            10,
            "the keep decision did not come back",
        )

        # Approve: the face check still sees the walker; nothing is published and the page lists
        # the face with its evidence (original beside output); one click masks it over its frames.
        driver.find_element(By.ID, "approve").click()
        status = _wait(
            driver,
            lambda d: (
                d.find_element(By.ID, "approve-status").get_attribute("data-state") == "failed"
                and d.find_element(By.ID, "approve-status")
            ),
            90,
            "the first release run did not stop on the face check",
        )
        assert "face check still sees faces" in status.text
        face = _wait(
            driver,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#findings-1 [data-state='open']"),
            10,
            "no finding",
        )
        assert len(face) == 1 and "visible face" in face[0].text, [f.text for f in face]
        _mask_from_evidence(driver, face[0])
        (from_finding,) = session.state()["clips"][0]["masks"]
        assert (from_finding["first_frame"], from_finding["last_frame"]) == (0, clip.frame_count - 1)

        # Go to frame 20 and draw a box over the walker's face there (ground truth, a margin around).
        frame = 20
        (walker,) = [b["xyxy"] for b in truth[frame] if b["face_id"] == "walker"]
        driver.execute_script(
            "const s = document.getElementById('slider-1'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input'));",
            frame,
        )
        canvas = driver.find_element(By.ID, "overlay-1")
        scale = canvas.size["width"] / clip.width
        x1, y1, x2, y2 = walker[0] - 4, walker[1] - 4, walker[2] + 4, walker[3] + 4

        def offset(x: float, y: float) -> tuple[int, int]:  # Selenium offsets are from the centre
            return round(x * scale - canvas.size["width"] / 2), round(y * scale - canvas.size["height"] / 2)

        driver.find_element(By.ID, "draw-1").click()
        ActionChains(driver).move_to_element_with_offset(
            canvas, *offset(x1, y1)
        ).click_and_hold().move_to_element_with_offset(
            canvas, *offset((x1 + x2) / 2, (y1 + y2) / 2)
        ).move_to_element_with_offset(canvas, *offset(x2, y2)).release().perform()
        _wait(
            driver,
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#masks-1 li[id^='mask-']")) == 2,
            30,
            "no mask",
        )
        version = session.state()["clips"][0]["version"]
        _wait(
            driver,
            lambda d: d.find_element(By.ID, "frame-1").get_attribute("data-loaded") == f"{frame}:{version}",
            20,
            "the re-rendered preview frame did not load",
        )
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT))
        with capsys.disabled():
            print(f"\nreview page screenshot: {SCREENSHOT}")

        # The preview (what the page shows) masks the walker and leaves the requester visible.
        state = session.state()
        (mask,) = [m for m in state["clips"][0]["masks"] if m["id"] != from_finding["id"]]
        assert mask["first_frame"] <= 5 and mask["last_frame"] >= 35, mask  # followed both ways
        originals = _original_frames(site.root)
        preview = cv2.cvtColor(
            cv2.imdecode(np.frombuffer(session.frame_jpeg(1, frame), np.uint8), 1), cv2.COLOR_BGR2RGB
        )
        (subject_box,) = [b["xyxy"] for b in truth[frame] if b["face_id"] == "subject"]
        assert _detail_kept(originals[frame], preview, walker) < 0.5
        assert _detail_kept(originals[frame], preview, subject_box) > 0.7

        driver.find_element(By.ID, "approve").click()
        _wait(  # the first run's "failed" gives way to this run's state
            driver,
            lambda d: (
                d.find_element(By.ID, "approve-status").get_attribute("data-state") in ("running", "done")
            ),
            30,
            "the second release run did not start",
        )
        status = _wait(
            driver,
            lambda d: (
                (s := d.find_element(By.ID, "approve-status")).get_attribute("data-state")
                in ("done", "failed")
                and s
            ),
            90,
            "the release run did not finish",
        )
        assert status.get_attribute("data-state") == "done", status.text
        assert status.get_attribute("data-verified") == "true" and "verified OK" in status.text
        release_id = status.get_attribute("data-release")
        # A fresh client (no session cookie) is refused on every page and API call.
        for path in ("", "api/state", "api/clips/1/frames/0.jpg", "api/clips/1/tracks/0.jpg"):
            assert _status(server.base_url + path) == 403
        assert _status(server.url) == 403
    finally:
        server.stop()

    # The released clip: the requester unmasked, the walker (never detected) masked, all frames.
    package = release_dir.resolve() / release_id
    manifest = json.loads((package / "manifest.json").read_text())
    (released_clip,) = manifest["clips"]
    assert released_clip["redaction"]["kept_track_ids"] == [subject.track_id]
    released_masks = [m["id"] for m in released_clip["redaction"]["review"]["manual_masks"]]
    assert released_masks == [from_finding["id"], mask["id"]]
    assert released_clip["redaction"]["face_check"]["remaining"] == 0
    with VideoReader(package / released_clip["file"]) as reader:
        released = [f.image for f in reader.frames()]
    assert len(released) == len(originals) == len(truth)
    kept, walker_kept = [], []
    for index, boxes in enumerate(truth):
        for box in boxes:
            if box["visible_fraction"] < 0.5 or box["xyxy"][2] - box["xyxy"][0] < 16:
                continue
            detail = _detail_kept(originals[index], released[index], box["xyxy"])
            if box["face_id"] == "subject":
                kept.append(detail)
            elif box["face_id"] == "walker":
                walker_kept.append(detail)
    assert len(kept) >= 30 and float(np.median(kept)) > 0.8
    assert len(walker_kept) >= 35 and max(walker_kept) < 0.5, walker_kept

    with site.catalog.read() as conn:
        records = [r for r in audit_store.list_audit(conn) if r.object_id in (site.request_id, release_id)]
    actions = [r.action for r in records]
    keep = [json.loads(r.details) for r in records if r.action == "review.track"]
    assert {(d["track"], d["keep"], d["reason"]) for d in keep} >= {(subject.track_id, True, "the requester")}
    found, added = [json.loads(r.details) for r in records if r.action == "review.mask.add"]
    assert found["from"]["findings"] >= 15 and "from" not in added
    assert added["frame"] == frame and _iou(added["xyxy"], walker) > 0.5
    assert actions.index("review.approve") < actions.index("release.create")
    assert all(r.actor == OPERATOR for r in records if r.action.startswith("review."))

    # Nothing but the work directory, the release and the catalog changed on disk.
    assert _files(site.root, [work, release_dir, *catalog_files]) == before
    assert sorted(p.name for p in release_dir.iterdir()) == [release_id]
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"review page browser test: {elapsed:.1f} s from review to verified release")


def test_requester_only_preview_region_drawn_over_a_span_and_released(
    sample_request: SampleRequest, missing_walker: MissingWalker, browser
) -> None:
    """Issue 26: the preview in requester-only mode outlines the requester's region and masks the
    rest (the walker the detector missed too); a region box drawn on one frame is followed over a
    span, its span edited on the page, and the release honours it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    from cctvkit.redact.evaluation import detail_correlation
    from cctvkit.requests.region_preview import OUTLINE_RGB

    site = sample_request
    session = open_review(
        site.catalog,
        site.config,
        site.request_id,
        actor=OPERATOR,
        detector=missing_walker,
        requester_only=True,
    )
    truth = _truth()
    (clip,) = session.clips.values()

    def subject_overlap(track) -> float:
        boxes = [b["xyxy"] for b in truth[track.best_frame] if b["face_id"] == "subject"]
        return max((_iou(list(track.best_xyxy), b) for b in boxes), default=0.0)

    subject = max(clip.tracks.values(), key=subject_overlap)
    originals = _original_frames(site.root)
    frame = 20
    (face,) = [b["xyxy"] for b in truth[frame] if b["face_id"] == "subject"]
    (walker,) = [b["xyxy"] for b in truth[frame] if b["face_id"] == "walker"]
    fw, fh = face[2] - face[0], face[3] - face[1]
    # The region drawn: the body, and higher than the one followed from the face (the wall above).
    drawn = [max(0.0, face[0] - fw), max(0.0, face[1] - 1.5 * fh), face[2] + fw, 356.0]
    widened = [face[0], drawn[1] + 4, face[2], face[1] - 0.8 * fh]  # inside drawn, outside followed
    assert widened[3] - widened[1] >= 0.5 * fh

    def detail(image: np.ndarray, xyxy: list[float]) -> float:
        x1, y1, x2, y2 = (round(v) for v in xyxy)
        return detail_correlation(originals[frame][y1:y2, x1:x2], image[y1:y2, x1:x2])

    server = ReviewServer(session)
    server.start()
    try:
        driver = browser
        driver.get(server.url)
        row = _wait(
            driver,
            lambda d: (
                d.find_element(By.CSS_SELECTOR, f"#gallery-1 input[data-tracks~='{subject.track_id}']")
                if d.find_elements(By.CSS_SELECTOR, "#gallery-1 input[type=checkbox]")
                else False
            ),
            20,
            "the gallery did not load",
        )
        assert "requester-only" in driver.find_element(By.ID, "summary").text
        row.click()
        _wait(
            driver,
            lambda d: d.find_element(
                By.CSS_SELECTOR, f"#gallery-1 input[data-tracks~='{subject.track_id}']"
            ).is_selected(),
            10,
            "the keep decision did not come back",
        )
        # The preview: the requester visible inside an outlined region, the walker (never
        # detected) and the widened patch masked.
        preview = cv2.cvtColor(
            cv2.imdecode(np.frombuffer(session.frame_jpeg(1, frame), np.uint8), 1), cv2.COLOR_BGR2RGB
        )
        assert _detail_kept(originals[frame], preview, face) > 0.7
        assert _detail_kept(originals[frame], preview, walker) < 0.5
        assert detail(preview, widened) < 0.3
        green = np.all(np.abs(preview.astype(int) - OUTLINE_RGB) < 60, axis=2)
        assert green.sum() > 200  # the region's outline

        driver.execute_script(
            "const s = document.getElementById('slider-1'); s.value = arguments[0];"
            "s.dispatchEvent(new Event('input'));",
            frame,
        )
        canvas = driver.find_element(By.ID, "overlay-1")
        scale = canvas.size["width"] / clip.width

        def offset(x: float, y: float) -> tuple[int, int]:  # Selenium offsets are from the centre
            return round(x * scale - canvas.size["width"] / 2), round(y * scale - canvas.size["height"] / 2)

        driver.find_element(By.ID, "draw-region-1").click()
        x1, y1, x2, y2 = drawn
        ActionChains(driver).move_to_element_with_offset(
            canvas, *offset(x1, y1)
        ).click_and_hold().move_to_element_with_offset(
            canvas, *offset((x1 + x2) / 2, (y1 + y2) / 2)
        ).move_to_element_with_offset(canvas, *offset(x2, y2)).release().perform()
        item = _wait(
            driver,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#masks-1 li[data-kind='region']"),
            30,
            "no region box",
        )[0]
        (region,) = session.state()["clips"][0]["masks"]
        assert region["kind"] == "region" and region["anchor_frame"] == frame
        assert region["tracked_first"] < frame < region["tracked_last"], region  # followed both ways
        # Narrow its span on the page to frames 15-25.
        first, last = 15, 25
        mask_id = region["id"]
        for name, value in ((f"mask-first-{mask_id}", first), (f"mask-last-{mask_id}", last)):
            field = driver.find_element(By.ID, name)
            field.clear()
            field.send_keys(str(value))
        item.find_element(By.XPATH, ".//button[text()='Save span']").click()
        _wait(
            driver,
            lambda d: (
                session.state()["clips"][0]["masks"][0]["first_frame"] == first
                and session.state()["clips"][0]["masks"][0]["last_frame"] == last
            ),
            10,
            "the span was not saved",
        )
        preview = cv2.cvtColor(
            cv2.imdecode(np.frombuffer(session.frame_jpeg(1, frame), np.uint8), 1), cv2.COLOR_BGR2RGB
        )
        assert detail(preview, widened) > 0.8  # the drawn region, honoured

        driver.find_element(By.ID, "approve").click()
        status = _wait(
            driver,
            lambda d: (
                (s := d.find_element(By.ID, "approve-status")).get_attribute("data-state")
                in ("done", "failed")
                and s
            ),
            120,
            "the release run did not finish",
        )
        assert status.get_attribute("data-state") == "done", status.text
        release_id = status.get_attribute("data-release")
    finally:
        server.stop()

    package = Path(site.config.release_dir).resolve() / release_id
    (released_clip,) = json.loads((package / "manifest.json").read_text())["clips"]
    assert released_clip["redaction"]["mode"] == "requester-only"
    assert released_clip["redaction"]["requester_only"]["drawn"] == last - first + 1
    with VideoReader(package / released_clip["file"]) as reader:
        released = [f.image for f in reader.frames()]
    assert _detail_kept(originals[frame], released[frame], face) > 0.7
    assert detail(released[frame], widened) > 0.8  # drawn, so shown
    assert _detail_kept(originals[frame], released[frame], walker) < 0.5

    with site.catalog.read() as conn:
        added = [
            json.loads(r.details)
            for r in audit_store.list_audit(conn)
            if r.object_id == site.request_id and r.action == "review.mask.add"
        ]
    assert [a.get("kind") for a in added] == ["region"] and added[0]["frame"] == frame


def test_a_place_left_to_the_operator_is_shown_with_its_evidence_and_masked_in_one_click(
    sample_request: SampleRequest, missing_walker: MissingWalker, browser
) -> None:
    """A large "not a face" finding does not block and is not re-masked (issue 25): the page shows
    it apart from the blocking faces, with its evidence, and one click masks it over its frames."""
    from selenium.webdriver.common.by import By

    from cctvkit.redact.face_check import FaceCheckSummary, Finding
    from cctvkit.redact.finding_verdict import Reason, evidence_crop, write_evidence
    from cctvkit.requests.face_findings import release_report_path
    from cctvkit.requests.workspace import work_dir
    from tests.review_server.conftest import short_request
    from tests.review_server.test_findings import GUARD_XYXY, WINDOW

    site = sample_request
    request_id = short_request(site, WINDOW)
    session = open_review(site.catalog, site.config, request_id, actor=OPERATOR, detector=missing_walker)
    (clip,) = session.clips.values()
    originals = _original_frames(site.root)[: clip.frame_count]
    # A release run's report as the face check writes it: the guard's 70 px face judged "not a
    # face" on checked frames 0-10, so listed for the operator with its evidence, not re-masked.
    listed = tuple(
        Finding(f, GUARD_XYXY, 0.7, "retinaface", Reason.NOT_A_FACE.value) for f in range(0, 11, 2)
    )
    report = release_report_path(work_dir(site.config, request_id), "R-9-r1", clip.number)
    report.parent.mkdir(parents=True, exist_ok=True)
    crops = {(f.frame, f.xyxy): evidence_crop(originals[f.frame], originals[f.frame], f.xyxy) for f in listed}
    summary = write_evidence(
        FaceCheckSummary(enabled=True, every_frames=2, remaining_findings=listed), crops, report
    )
    report.write_text(
        json.dumps({"fps": str(clip.fps), "frame_count": clip.frame_count, "face_check": summary.to_dict()})
    )

    server = ReviewServer(session)
    server.start()
    try:
        browser.get(server.url)
        shown = _wait(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, "#findings-1 [data-state='listed']"),
            20,
            "no listing",
        )
        assert len(shown) == 1 and "not a face" in shown[0].text and "frames 0-10" in shown[0].text
        assert not browser.find_elements(By.CSS_SELECTOR, "#findings-1 [data-state='open']")  # nothing blocks
        assert not browser.find_elements(By.XPATH, "//*[@id='findings-1']//button[text()='Accept']")
        _mask_from_evidence(browser, shown[0])
    finally:
        server.stop()
    (mask,) = session.state()["clips"][0]["masks"]
    assert mask["first_frame"] == 0 and mask["last_frame"] >= 10 and "listed" in mask["reason"], mask
    with site.catalog.read() as conn:
        (added,) = [r for r in audit_store.list_audit(conn) if r.action == "review.mask.add"]
    assert json.loads(added.details)["from"]["face_check"] == "R-9-r1"
