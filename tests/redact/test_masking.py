"""Masks must be irreversible: no fine detail of the face may survive, whatever the method."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest
from skimage import data

from cctvkit.errors import UsageError
from cctvkit.redact import Masker, MaskMethod, MaskShape, MaskStyle, masking, rasterize_zones
from cctvkit.redact.evaluation import COVERED, DETAIL_LEAK, detail_correlation
from cctvkit.redact.masking import head_boxes
from cctvkit.samplegen import FaceTrack, Keyframe, Scene
from cctvkit.samplegen.portraits import PORTRAITS

FACE = (181, 58, 270, 178)  # CenterFace's box on skimage's astronaut


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _high_frequency_energy(image: np.ndarray, where: np.ndarray | None = None) -> float:
    energy = cv2.Laplacian(_grey(image), cv2.CV_32F) ** 2
    return float(energy[where].mean() if where is not None else energy.mean())


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = _grey(a).ravel(), _grey(b).ravel()
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / max(1e-6, np.sqrt((a * a).sum() * (b * b).sum())))


@pytest.mark.parametrize("method", list(MaskMethod))
@pytest.mark.parametrize("face_scale", [0.25, 0.5, 1.0, 2.0])  # faces 22, 44, 89, 178 px wide
def test_mask_destroys_face_detail(method: MaskMethod, face_scale: float) -> None:
    photo = cv2.resize(data.astronaut(), None, fx=face_scale, fy=face_scale)
    face = np.array(FACE) * face_scale
    x1, y1, x2, y2 = face.astype(int)
    original = photo[y1:y2, x1:x2].copy()
    masker = Masker(MaskStyle(method=method), (photo.shape[1], photo.shape[0]))
    mask = masker.apply(photo, face[None])
    masked = photo[y1:y2, x1:x2]
    assert mask[y1:y2, x1:x2].mean() >= 0.99
    # Fine detail gone: the high-pass no longer correlates with the original's. For blur and
    # fill, edge energy inside the mask (away from its outline) drops below 5 %; a weak,
    # reversible blur keeps far more. Pixelation has its own block edges: checked below.
    # A 22 px face is ~2 px per mask cell: any mask keeping its colour layout keeps some coarse
    # edges (hairline against wall); identity is gone, checked by the 16x16 test below.
    # (Light Gaussian blurs, sigma 1-2 px, score 0.55-0.95 here; a JPEG re-encode 0.9.)
    limit = 0.35 if original.shape[1] >= 32 else 0.5
    assert abs(detail_correlation(original, masked)) < limit
    if method is not MaskMethod.PIXELATE:
        inside = cv2.erode(mask[y1:y2, x1:x2].astype(np.uint8), np.ones((5, 5))).astype(bool)
        assert _high_frequency_energy(masked, inside) < 0.1 * _high_frequency_energy(original, inside)
    else:
        # Each block is one colour: the face is at most `cells` blocks across.
        assert (
            len(np.unique(masked.reshape(-1, 3), axis=0))
            < 0.05 * len(np.unique(original.reshape(-1, 3), axis=0)) + 60
        )
    # Coarse structure gone too: at 16x16 the masked face no longer looks like the face.
    small = (16, 16)
    assert _correlation(cv2.resize(original, small), cv2.resize(masked, small)) < 0.8


def test_weak_blur_would_fail_these_checks() -> None:
    """The thresholds above are not vacuous: a light Gaussian blur trips them."""
    photo = data.astronaut()
    x1, y1, x2, y2 = FACE
    original = photo[y1:y2, x1:x2]
    weak = cv2.GaussianBlur(original, (0, 0), 1.5)
    # Pixel-level edge energy alone does not catch it (sigma 1.5 already removes 97 %), which is
    # why the detail correlation is the main check.
    assert detail_correlation(original, weak) > 0.5
    assert _correlation(cv2.resize(original, (16, 16)), cv2.resize(weak, (16, 16))) > 0.8


@pytest.mark.parametrize("shape", list(MaskShape))
def test_mask_covers_face_box_and_stays_near_it(shape: MaskShape) -> None:
    frame = np.zeros((360, 640, 3), np.uint8)
    face = np.array([[300.0, 100.0, 340.0, 150.0]])
    mask = Masker(MaskStyle(shape=shape), (640, 360)).apply(frame, face)
    assert mask[100:150, 300:340].all()
    head = head_boxes(face, 1.6, (640, 360))[0]
    outside = mask.copy()
    outside[head[1] : head[3], head[0] : head[2]] = False
    assert not outside.any()


def test_faces_at_frame_edges_are_clipped() -> None:
    frame = np.zeros((100, 100, 3), np.uint8)
    mask = Masker(MaskStyle(), (100, 100)).apply(
        frame, np.array([[-20.0, -10.0, 15.0, 30.0], [90, 90, 130, 120]])
    )
    assert mask[0:30, 0:15].all()
    assert mask[90:, 90:].all()


def test_privacy_zone_is_always_masked() -> None:
    frame = np.random.default_rng(0).integers(0, 255, (180, 320, 3), dtype=np.uint8)
    zone = rasterize_zones([[(0.5, 0.0), (1.0, 0.0), (1.0, 0.5), (0.5, 0.5)]], (320, 180))
    assert zone is not None and zone[:90, 160:].all() and not zone[100:, :150].any()
    before = frame.copy()
    mask = Masker(MaskStyle(), (320, 180), zone).apply(frame, np.empty((0, 4)))
    assert mask[:90, 160:].all() and not mask[100:, :].any()
    assert _high_frequency_energy(frame[:90, 160:]) < 0.05 * _high_frequency_energy(before[:90, 160:])
    assert np.array_equal(frame[100:], before[100:])


@pytest.mark.parametrize(
    "zone",
    [[(0.0, 0.0), (1.0, 0.0)], [(0.0, 0.0), (1.5, 0.0), (1.0, 1.0)], [(-0.1, 0.0), (1.0, 0.0), (1.0, 1.0)]],
)
def test_bad_zones_are_refused(zone: list[tuple[float, float]]) -> None:
    with pytest.raises(UsageError, match="privacy zone 1"):
        rasterize_zones([zone], (320, 180))


def test_kept_face_box_beats_a_neighbours_mask_but_not_a_nearer_face_zone_or_manual_mask() -> None:
    # Issue #13: a stranger's head-sized mask must not cover the requester's face.
    photo = np.ascontiguousarray(data.astronaut())
    kept = np.array([[200, 100, 260, 170]], float)  # the requester's measured box (60x70)
    stranger = np.array([[150, 90, 200, 150]], float)  # its head mask (1.6x) reaches over the kept box
    zone = rasterize_zones([[(0.48, 0.0), (0.52, 0.0), (0.52, 1.0), (0.48, 1.0)]], (512, 512))
    out = photo.copy()
    mask = Masker(MaskStyle(), (512, 512), zone).apply(out, stranger, kept).copy()
    inside = np.zeros(mask.shape, bool)
    inside[100:170, 200:260] = True
    # Inside the kept box only the zone (x 246-266) stays masked; the stranger's own box is masked.
    assert not mask[inside & ~zone].any() and mask[inside & zone].all()
    assert np.array_equal(out[inside & ~zone], photo[inside & ~zone])
    assert mask[90:150, 150:200].all()
    without = Masker(MaskStyle(), (512, 512)).apply(photo.copy(), stranger)
    assert without[inside].mean() > 0.05  # what the kept face lost before

    # A nearer (taller) face in front of the kept box keeps its own pixels masked there.
    nearer = np.array([[230, 60, 330, 180]], float)
    mask = Masker(MaskStyle(), (512, 512)).apply(photo.copy(), nearer, kept)
    assert mask[100:170, 230:260].all() and not mask[100:170, 200:228].any()
    # A carried (not measured) box does not count as in front: only the occluders given do.
    mask = Masker(MaskStyle(), (512, 512)).apply(photo.copy(), nearer, kept, None, np.empty((0, 4)))
    assert not mask[100:170, 200:260].any()
    # A manual mask wins over the kept face.
    manual = np.array([[205, 105, 225, 125]], float)
    mask = Masker(MaskStyle(), (512, 512)).apply(photo.copy(), stranger, kept, manual)
    assert mask[105:125, 205:225].all()


@pytest.mark.parametrize("face_px", [10, 13, 16, 20])
def test_small_faces_are_unrecognisable_not_just_softened(face_px: int) -> None:
    """Issue 25: a 10-20 px face's default mask keeps none of its layout (the leak scoring's
    detail test, which a six-cell blur of these sizes fails)."""
    looks = ("collins", "collins-dark", "collins-cap", "collins-warm")
    tracks = [
        FaceTrack(look, look, (Keyframe(0.0, 0.2 + 0.2 * i, 0.5, face_px / 360),))
        for i, look in enumerate(looks)
    ]
    image, boxes = Scene(
        size_wh=(640, 360), fps=Fraction(10), tracks=tracks, background="street", seed=1
    ).render(0)
    out = image.copy()
    Masker(MaskStyle(), (640, 360)).apply(out, np.array([b.xyxy for b in boxes], np.float32))
    for box in boxes:
        x1, y1, x2, y2 = box.xyxy
        assert detail_correlation(image[y1:y2, x1:x2], out[y1:y2, x1:x2]) <= DETAIL_LEAK, box.face_id


def test_the_kept_face_found_twice_under_a_strangers_id_stays_visible() -> None:
    # Issue 26 (the street): a stranger hidden directly behind the requester at the same depth;
    # the detector finds the requester's face twice and the tracker gives the second box the
    # stranger's id. That box is the requester's face, not a face in front of it.
    from cctvkit.redact.boxes import mask_plan
    from cctvkit.redact.render import mask_frame

    photo = np.ascontiguousarray(data.astronaut())
    kept = [200.0, 100.0, 260.0, 170.0]
    plan = mask_plan(
        [kept, [201.0, 97.0, 259.0, 170.0], [150.0, 90.0, 200.0, 150.0]],
        source="detected",
        tracker_id=[7, 29, 30],
    )
    out = photo.copy()
    mask, _, _ = mask_frame(Masker(MaskStyle(), (512, 512)), out, plan, keep_tracks=[7])
    assert not mask[100:170, 200:260].any() and np.array_equal(out[100:170, 200:260], photo[100:170, 200:260])
    assert mask[90:150, 150:200].all()  # the other stranger beside them is masked
    # A clearly taller box over the kept face is a nearer face in front: it is masked there.
    plan = mask_plan([kept, [195.0, 80.0, 265.0, 172.0]], source="detected", tracker_id=[7, 29])
    mask, _, _ = mask_frame(Masker(MaskStyle(), (512, 512)), photo.copy(), plan, keep_tracks=[7])
    assert mask[100:170, 200:260].all()


def _tiny_faces_showing(monkeypatch: pytest.MonkeyPatch, cells: float | None = None) -> int:
    """Of 8-12 px faces masked from boxes 2 px narrower and a pixel off (as a detector gives for
    faces this small), how many keep their detail (the leak scoring's test)."""
    if cells is not None:
        monkeypatch.setattr(masking, "TINY_HEAD_CELLS", cells)
    showing = 0
    for name in list(PORTRAITS)[:12]:
        for px in (8, 9, 10, 12):
            face = FaceTrack("f", name, (Keyframe(0.0, 0.5, 0.5, px / 240),))
            scene = Scene(size_wh=(320, 240), fps=Fraction(10), tracks=[face], background="yard", seed=1)
            image, boxes = scene.render(0)
            x1, y1, x2, y2 = boxes[0].xyxy
            for dx in (-1, 0, 1):
                out = image.copy()
                Masker(MaskStyle(), (320, 240)).apply(out, np.array([[x1 + dx, y1, x2 + dx - 2, y2]], float))
                showing += detail_correlation(image[y1:y2, x1:x2], out[y1:y2, x1:x2]) > DETAIL_LEAK
    return showing


def test_tiny_faces_masked_from_a_detectors_loose_box_keep_no_detail(monkeypatch: pytest.MonkeyPatch) -> None:
    # Heads under 32 px get two cells across; with three (the small heads' rule) some of these
    # faces kept their layout, so the rule is what hides them.
    assert _tiny_faces_showing(monkeypatch) == 0
    assert _tiny_faces_showing(monkeypatch, cells=3.0) > 0


def _small_faces_uncovered(monkeypatch: pytest.MonkeyPatch, growth: float | None = None) -> int:
    """Of 10-14 px faces masked from boxes half a face low and a quarter to a side (as the
    generated crowd's detections of a half-hidden face sat: crowd-26, 11 px, 5-6 px low), how
    many leak by the scoring's rules: under 90 % of the face covered, or its detail kept."""
    if growth is not None:
        monkeypatch.setattr(masking, "SMALL_FACE_GROWTH", growth)
    uncovered = 0
    for name in list(PORTRAITS)[:8]:
        for px in (10, 12, 14):
            face = FaceTrack("f", name, (Keyframe(0.0, 0.5, 0.5, px / 240),))
            scene = Scene(size_wh=(320, 240), fps=Fraction(10), tracks=[face], background="yard", seed=1)
            image, boxes = scene.render(0)
            x1, y1, x2, y2 = boxes[0].xyxy
            width = x2 - x1
            for dx in (-width / 4, width / 4):
                out = image.copy()
                box = np.array([[x1 + dx, y1 + width / 2, x2 + dx, y2 + width / 2]])
                mask = Masker(MaskStyle(), (320, 240)).apply(out, box)
                shown = detail_correlation(image[y1:y2, x1:x2], out[y1:y2, x1:x2]) > DETAIL_LEAK
                uncovered += shown or mask[y1:y2, x1:x2].mean() < COVERED
    return uncovered


def test_small_faces_masked_from_a_box_half_a_face_off_are_covered(monkeypatch: pytest.MonkeyPatch) -> None:
    # Face boxes under 24 px are enlarged 1.25x more than larger ones (2.0x at the default
    # scale): at 1.6x, 8 of these 48 were left partly unmasked.
    assert _small_faces_uncovered(monkeypatch) == 0
    assert _small_faces_uncovered(monkeypatch, growth=1.0) > 0
