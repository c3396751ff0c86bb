"""The carry planner: gaps filled, masks before a track starts and after it ends, ids adopted."""

from __future__ import annotations

import numpy as np
import pytest
import supervision as sv

from cctvkit.redact.carry import CarryRules, MaskPlanner
from cctvkit.redact.tracking import FaceTracker


def _faces(boxes: list[tuple[list[float], int]], confidence: float = 0.9) -> sv.Detections:
    if not boxes:
        return sv.Detections(
            xyxy=np.empty((0, 4), np.float32),
            confidence=np.empty(0, np.float32),
            tracker_id=np.empty(0, int),
        )
    return sv.Detections(
        xyxy=np.array([b for b, _ in boxes], np.float32),
        confidence=np.full(len(boxes), confidence, np.float32),
        tracker_id=np.array([t for _, t in boxes], int),
    )


def _run(planner: MaskPlanner, frames: list[sv.Detections]) -> dict[int, sv.Detections]:
    out: dict[int, sv.Detections] = {}
    for index, faces in enumerate(frames):
        for payload, boxes in planner.push(index, faces, index):
            out[payload] = boxes
    for payload, boxes in planner.flush():
        out[payload] = boxes
    return out


def _box(frame: int, speed: float = 4.0) -> list[float]:
    return [100 + speed * frame, 50, 140 + speed * frame, 100]


def test_delay_line_returns_every_frame_in_order() -> None:
    planner: MaskPlanner[int] = MaskPlanner((320, 180), CarryRules(lookahead_frames=3))
    released = []
    for index in range(10):
        released += [p for p, _ in planner.push(index, _faces([]), index)]
        assert len(released) == max(0, index - 2)
    released += [p for p, _ in planner.flush()]
    assert released == list(range(10))


def test_gap_is_interpolated() -> None:
    seen = {0, 1, 2, 6, 7}
    frames = [_faces([(_box(i), 1)] if i in seen else []) for i in range(8)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=5, max_gap_frames=10)), frames)
    for i in range(8):
        assert len(out[i]) == 1, i
    assert out[4].data["source"][0] == "interpolated"
    centre = (out[4].xyxy[0, 0] + out[4].xyxy[0, 2]) / 2
    assert centre == pytest.approx(120 + 4 * 4, abs=0.5)


@pytest.mark.parametrize("lookahead", [1, 3, 5])
def test_mask_starts_lookahead_frames_before_first_detection(lookahead: int) -> None:
    frames = [_faces([(_box(i), 0)] if i >= 10 else []) for i in range(15)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=lookahead)), frames)
    masked = [i for i in range(15) if len(out[i])]
    assert masked[0] == 10 - lookahead
    assert out[10 - lookahead].data["source"][0] == "lookahead"
    # Carried backwards along the track's motion: left of the first sighting.
    assert out[9].xyxy[0, 0] < out[10].xyxy[0, 0]


def test_mask_trails_after_last_detection_following_motion() -> None:
    frames = [_faces([(_box(i, speed=6), 2)] if i < 6 else []) for i in range(15)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=2, trail_frames=4)), frames)
    masked = [i for i in range(15) if len(out[i])]
    assert masked == list(range(10))
    assert out[8].data["source"][0] == "trail"
    centre = (out[8].xyxy[0, 0] + out[8].xyxy[0, 2]) / 2
    assert centre == pytest.approx(120 + 6 * 8, abs=1)


def test_single_unconfirmed_box_is_carried_both_ways() -> None:
    frames = [_faces([(_box(0), -1)] if i == 5 else []) for i in range(12)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=2, trail_frames=3)), frames)
    assert [i for i in range(12) if len(out[i])] == [3, 4, 5, 6, 7, 8]
    assert set(out[5].tracker_id) == {-1}


def test_new_track_adopts_its_unconfirmed_first_box() -> None:
    frames = [_faces([(_box(0), -1)])] + [_faces([(_box(i), 4)]) for i in range(1, 5)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=2, trail_frames=2)), frames)
    assert list(out[0].tracker_id) == [4]
    assert all(set(out[i].tracker_id) == {4} for i in range(5))
    assert not any(out[i].data["early"].any() for i in range(5))  # adopted by overlap


def test_boxes_leaving_the_frame_are_clipped_or_dropped() -> None:
    frames = [_faces([([600 + 30 * i, 10, 640, 60], 0)]) if i < 2 else _faces([]) for i in range(8)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=1, trail_frames=5)), frames)
    for boxes in out.values():
        assert np.all(boxes.xyxy[:, 2] <= 640)
        assert np.all(boxes.xyxy[:, 2] > boxes.xyxy[:, 0])


def test_tracker_confirms_a_face_seen_every_other_frame() -> None:
    tracker = FaceTracker(fps=10, threshold=0.5)
    ids = []
    for i in range(10):
        dets = sv.Detections(xyxy=np.array([_box(i)], np.float32), confidence=np.array([0.9], np.float32))
        faces = tracker.update(dets if i % 2 == 0 else sv.Detections.empty())
        ids += list(faces.tracker_id)
    assert ids[0] == -1
    assert len(set(ids[1:])) == 1 and ids[1] >= 0


def test_tracker_ids_are_deterministic() -> None:
    def run() -> list[int]:
        tracker = FaceTracker(fps=10)
        out = []
        for i in range(6):
            dets = sv.Detections(
                xyxy=np.array([_box(i), [300, 40, 340, 90]], np.float32),
                confidence=np.array([0.9, 0.8], np.float32),
            )
            out += list(tracker.update(dets).tracker_id)
        return out

    assert run() == run()


def test_reach_is_per_sighting_capped_at_the_maxima() -> None:
    # Track 1 is first seen by a detection that had looked at its spot recently (reach 2 before,
    # 1 after); track 2 by one that had not looked for a while (reach 6 before, 9 after, the
    # "after" capped at the planner's 5).
    planner: MaskPlanner[int] = MaskPlanner((640, 360), CarryRules(lookahead_frames=6, trail_frames=5))
    out: dict[int, sv.Detections] = {}
    for index in range(24):
        faces = _faces([])
        reach = None
        if index in (10, 11):
            faces, reach = _faces([(_box(index), 1)]), (2, 1)
        elif index in (12, 13):
            faces, reach = _faces([([400, 200, 440, 250], 2)]), (6, 9)
        for payload, boxes in planner.push(index, faces, index, reach=reach):
            out[payload] = boxes
    for payload, boxes in planner.flush():
        out[payload] = boxes
    frames_of = {t: [i for i in range(24) if t in set(out[i].tracker_id)] for t in (1, 2)}
    assert frames_of[1] == list(range(8, 13))
    assert frames_of[2] == list(range(6, 19))


def test_fast_small_face_adopts_its_earlier_boxes_and_is_carried_back_along_its_path() -> None:
    # A 24 px face walking 8 px a frame, detected every 3rd frame: its unconfirmed boxes at
    # frames 12 and 15 no longer overlap its first tracked box at 18, yet are its own.
    def box(frame: int) -> list[float]:
        x = 500 - 8 * frame
        return [x, 200, x + 24, 230]

    planner: MaskPlanner[int] = MaskPlanner(
        (640, 360), CarryRules(lookahead_frames=9, trail_frames=3, confirm_frames=6)
    )
    frames = [_faces([])] * 30
    frames[12], frames[15] = _faces([(box(12), -1)]), _faces([(box(15), -1)])
    for index in (18, 21, 24):
        frames[index] = _faces([(box(index), 7)])
    out = _run(planner, frames)
    assert set(out[12].tracker_id) == {7}  # adopted
    # Adopted by distance, not overlap: possibly someone else's, so flagged for kept tracks
    # up to the first box the tracker itself gave id 7.
    assert all(out[i].data["early"].all() for i in range(3, 18))
    assert not any(out[i].data["early"].any() for i in range(18, 25))
    for index in range(6, 12):  # carried back along the path, up to 2 face sizes (6 frames)
        (xyxy,) = out[index].xyxy
        x1, _, x2, _ = box(index)
        assert xyxy[0] <= x1 and xyxy[2] >= x2, (index, xyxy, box(index))
        assert xyxy[2] - xyxy[0] <= 2 * 24 + 1e-3  # never more than twice the face
    # Further back the extrapolation is a guess (issue #13): the carry ends instead of growing.
    assert not any(len(out[i]) for i in range(6))


def test_unconfirmed_boxes_of_a_fast_face_are_chained_not_each_carried() -> None:
    # Issue #13: a 40 px face crossing 13 px a frame, seen every 3rd frame, never overlaps its
    # previous box, so the tracker leaves every box unconfirmed. Planned one by one, each box was
    # carried the whole lookahead and trail without motion: a band of masks across the frame.
    def box(frame: int) -> list[float]:
        x = 20 + 13 * frame
        return [x, 100, x + 40, 150]

    frames = [_faces([(box(i), -1)] if i % 3 == 0 and i <= 30 else []) for i in range(45)]
    chained = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=9, trail_frames=9)), frames)
    single = _run(
        MaskPlanner((640, 360), CarryRules(lookahead_frames=9, trail_frames=9, link_unconfirmed=False)),
        frames,
    )
    for index in range(31):  # every frame of the crossing: one box, over the face
        (xyxy,) = chained[index].xyxy
        x1, _, x2, _ = box(index)
        assert xyxy[0] <= x1 + 1 and xyxy[2] >= x2 - 1, (index, xyxy)
    assert max(len(single[i]) for i in range(31)) >= 5  # the band
    # After the last sighting the carry follows the motion and ends within 2 face sizes.
    assert [i for i in range(31, 45) if len(chained[i])] == list(range(31, 37))


def test_carried_box_is_at_most_twice_the_face() -> None:
    frames = [_faces([(_box(0, speed=0), 3)] if i == 0 else []) for i in range(40)]
    out = _run(MaskPlanner((640, 360), CarryRules(lookahead_frames=2, trail_frames=30)), frames)
    widths = [float(out[i].xyxy[0, 2] - out[i].xyxy[0, 0]) for i in range(1, 31)]
    assert widths == sorted(widths) and widths[-1] == pytest.approx(80, abs=0.5)  # grows, then holds at 2x
    unbounded = _run(
        MaskPlanner((640, 360), CarryRules(lookahead_frames=2, trail_frames=30, max_scale=None)), frames
    )
    assert float(unbounded[30].xyxy[0, 2] - unbounded[30].xyxy[0, 0]) > 100


def test_sightings_found_behind_a_new_face_extend_its_plan_and_far_ones_are_flagged() -> None:
    # A face first tracked at frame 9, found again behind it (cctvkit.redact.backtrack) at 6 by
    # overlap and at 3 by distance only: masked from 3 (then carried back), and the boxes before
    # 6 may be someone else's, so a kept track still masks them (issue 13's rule).
    def box(frame: int) -> list[float]:
        x = 300 - 5 * frame
        return [x, 100, x + 40, 150]

    planner: MaskPlanner[int] = MaskPlanner((640, 360), CarryRules(lookahead_frames=9, trail_frames=2))
    out: dict[int, sv.Detections] = {}
    for index in range(14):
        faces = _faces([(box(index), 4)]) if index >= 9 and index % 3 == 0 else _faces([])
        released = planner.push(index, faces, index)
        if index == 9:
            assert [key for key, _ in planner.new_faces(9)] == [4]
            sightings = [(6, np.array(box(6)), 0.4), (3, np.array([300.0, 100, 340, 150]), 0.3)]
            assert planner.extend_back(4, sightings) == 2
        out.update(released)
    out.update(planner.flush())
    assert out[3].data["source"].tolist() == ["detected"] and out[6].data["source"].tolist() == ["detected"]
    assert out[3].xyxy[0, 0] == pytest.approx(300)
    # Frame 0 left the delay line with frame 9's push, before the look back: final as planned.
    assert all(out[i].data["early"].all() for i in range(1, 6))
    assert not any(out[i].data["early"].any() for i in range(6, 13))
    assert planner.extend_back(4, [(0, np.array(box(0)), 0.5)]) == 0  # frame 0 is final already
