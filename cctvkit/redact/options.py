"""The parameters of one redaction run, checked once and recorded in every report."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from cctvkit.errors import UsageError
from cctvkit.redact.masking import MaskMethod, MaskShape, MaskStyle

__all__ = ["DEFAULT_X264_PARAMS", "PRECISIONS", "REGION_MIN_PIXELS", "REGION_MODES", "RedactOptions"]

PRECISIONS = ("auto", "int8", "fp32")
"""Detector weight precisions; see :attr:`RedactOptions.precision`."""

REGION_MODES = ("auto", "on", "off")
"""``auto`` detects on regions (see :mod:`cctvkit.redact.regions`) for frames above
:data:`REGION_MIN_PIXELS` when ``detect_long_side`` is not set; ``on`` always; ``off`` never."""

REGION_MIN_PIXELS = 960 * 540
"""Below this, one full-frame detection costs less than choosing regions saves (~30 ms at 640x360)."""

DEFAULT_X264_PARAMS = "mbtree=1:rc-lookahead=10"
"""Macroblock-tree rate control, which ``superfast`` turns off, with ``veryfast``'s 10-frame
lookahead. Measured on 1080p (issue #6, ``benchmarks/README.md``): encoding at 1.7-1.8x
``veryfast``'s speed, files 7-13 % larger and 0.2 dB PSNR lower; plain ``superfast`` makes a
fixed camera's files 3x larger (static background is re-sent instead of referenced)."""

_X264_PARAM = re.compile(r"[a-z0-9-]+=[A-Za-z0-9.,+-]+")

_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)


@dataclass(frozen=True, slots=True)
class RedactOptions:
    """How to find, follow and mask faces, and how to encode the result.

    The same options on the same input give the same track ids, so a review run and a keep run
    agree on which id is the requester.

    Attributes:
        model: detector registry name.
        weights: model file for detectors whose weights the user supplies (``yolo``).
        threshold: detector confidence at which a box is a face: it is masked and starts a track.
        min_score: weakest detection passed to the tracker; boxes between this and ``threshold``
            only continue existing tracks (a turning head, motion blur).
        detect_long_side: resize frames to this longest side for detection (``None``: native).
            Setting it turns region detection off (``auto``).
        detect_every_s: detect on one frame in every this many seconds (at least every frame);
            the tracker and the carry planner mask the frames between. At 25 fps the default
            detects every 3rd frame, at 10 fps every frame. The stride never exceeds the
            lookahead plus one frame, so a face that appears between two detections is still
            masked back to its first frame.
        regions: ``auto``, ``on`` or ``off``: detect at native resolution only on moving areas,
            around tracked faces and on a sweeping tile, plus a shrunk whole frame
            (:class:`~cctvkit.redact.regions.RegionDetector`), instead of on every whole frame.
        sweep_every: with regions, when a detection's crops would cover most of the frame (a
            moving camera, a crowd), tile the whole frame natively only on every n-th such
            detection and, between, detect around the tracked faces only (1: every one; see
            :mod:`cctvkit.redact.regions`).
        provider: onnxruntime execution provider (``None``: automatic).
        threads: inference threads (``None``: the cores available).
        precision: detector weights: ``auto`` (int8 on CPU when the ``onnx`` package is
            installed, made once from the shipped weights and cached), ``int8`` or ``fp32``.
        style: how masks look.
        lookahead_s: seconds a face is masked before its track's first detection. Small faces
            are found late (on busy footage, on the next whole-frame sweep): the default covers
            the 0.6 s between two busy sweeps (``sweep_every`` x ``detect_every_s``); on the
            issue #6 crowd clip 0.6 s leaks 5.3 % of face boxes where 0.3 s leaked 6.3 %.
        trail_s: seconds a face is masked after its track's last detection (0.8 s: 4.6 %
            leaked on the same clip, 0.5 s: 5.3 %).
        lost_track_s: seconds a track may go undetected and keep its id (gaps are interpolated).
        preset: x264 speed preset. ``superfast`` encodes 1080p about 1.8x faster than
            ``veryfast`` (see :data:`DEFAULT_X264_PARAMS` for the size it costs).
        crf: x264 quality (lower is better).
        x264_params: x264 options applied after the preset, ``key=value`` joined by ``:``
            (empty: the plain preset).
        keep_audio: copy the audio track (policy 12.3: only on explicit request).
    """

    model: str = "centerface"
    weights: str | None = None
    threshold: float = 0.5
    min_score: float = 0.25
    detect_long_side: int | None = None
    detect_every_s: float = 0.12
    regions: str = "auto"
    sweep_every: int = 5
    provider: str | None = None
    threads: int | None = None
    precision: str = "auto"
    style: MaskStyle = field(default_factory=MaskStyle)
    lookahead_s: float = 0.3
    trail_s: float = 0.5
    lost_track_s: float = 1.0
    preset: str = "superfast"
    crf: int = 20
    x264_params: str = DEFAULT_X264_PARAMS
    keep_audio: bool = False

    def __post_init__(self) -> None:
        checks = [
            (0 < self.threshold < 1, "threshold must lie in (0, 1)"),
            (0 < self.min_score <= self.threshold, "min_score must lie in (0, threshold]"),
            (
                self.detect_long_side is None or self.detect_long_side >= 64,
                "detect_long_side must be at least 64 pixels",
            ),
            (self.threads is None or self.threads >= 1, "threads must be at least 1"),
            (self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}"),
            (0 <= self.detect_every_s <= 1, "detect_every_s must lie in [0, 1] seconds"),
            (self.regions in REGION_MODES, f"regions must be one of {', '.join(REGION_MODES)}"),
            (1 <= self.sweep_every <= 50, "sweep_every must lie in [1, 50] detections"),
            (1.0 <= self.style.scale <= 4.0, "mask scale must lie in [1, 4]"),
            (2 <= self.style.cells <= 32, "mask cells must lie in [2, 32]"),
            (0 <= self.lookahead_s <= 5, "lookahead must lie in [0, 5] seconds"),
            (0 <= self.trail_s <= 5, "trail must lie in [0, 5] seconds"),
            (0 < self.lost_track_s <= 10, "lost-track time must lie in (0, 10] seconds"),
            (self.preset in _PRESETS, f"preset must be one of {', '.join(_PRESETS)}"),
            (0 <= self.crf <= 51, "crf must lie in [0, 51]"),
            (
                not self.x264_params or all(_X264_PARAM.fullmatch(p) for p in self.x264_params.split(":")),
                f"x264 params {self.x264_params!r}: expected key=value pairs joined by ':'",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(message)
        # Accept plain strings from config and CLI.
        object.__setattr__(
            self,
            "style",
            MaskStyle(
                MaskMethod(self.style.method),
                MaskShape(self.style.shape),
                self.style.scale,
                self.style.cells,
                self.style.fill_rgb,
            ),
        )

    def frames(self, seconds: float, fps: float, *, minimum: int = 0) -> int:
        """Convert a duration to whole frames at ``fps`` (rounded up, at least ``minimum``)."""
        return max(minimum, math.ceil(seconds * fps - 1e-9))

    def detect_stride(self, fps: float) -> int:
        """Frames from one detection to the next at ``fps`` (1: every frame), at most lookahead + 1."""
        stride = math.floor(self.detect_every_s * fps + 1e-9)
        return max(1, min(stride, self.frames(self.lookahead_s, fps) + 1))

    def use_regions(self, resolution_wh: tuple[int, int]) -> bool:
        """Whether frames of this size are detected on regions rather than whole."""
        if self.regions == "auto":
            return self.detect_long_side is None and resolution_wh[0] * resolution_wh[1] > REGION_MIN_PIXELS
        return self.regions == "on"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (enums as strings) for reports."""
        data = asdict(self)
        data["style"] = {
            **data["style"],
            "method": str(self.style.method),
            "shape": str(self.style.shape),
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactOptions:
        """The options :meth:`to_dict` wrote (a job's parameters, sent to a worker as JSON).

        Raises:
            UsageError: a value out of range.
        """
        style = dict(data["style"])
        style["fill_rgb"] = tuple(style["fill_rgb"])
        return cls(**{**data, "style": MaskStyle(**style)})
