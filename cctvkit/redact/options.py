"""The parameters of one redaction run, checked once and recorded in every report."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cctvkit.errors import UsageError
from cctvkit.redact.style import MaskMethod, MaskShape, MaskStyle

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "DEFAULT_X264_PARAMS",
    "MAX_TIMING_FPS",
    "MODELS",
    "PRECISIONS",
    "PRESETS",
    "REGION_MIN_PIXELS",
    "REGION_MODES",
    "FaceCheckOptions",
    "RedactOptions",
    "build_options",
]

MODELS = ("centerface", "yolo")
"""Face detector names (``yolo`` needs the ``[yolo]`` extra and ``weights``)."""

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

MAX_TIMING_FPS = 120.0
"""Durations become frame counts at most at this rate: the rate comes from the frames' own
timestamps (:attr:`cctvkit.video.VideoReader.fps`), and should they still claim hundreds of
frames a second, stride, lookahead and trail stay a sane number of frames (issue #13: a 1/600
header read as 600 fps made the stride 72 frames, and one detection covered a 2 s clip)."""

DEFAULT_MAX_DISTANCE = 0.6
"""Euclidean distance under which two dlib embeddings are the same person (dlib's standard,
99.38 % on LFW). Raising it leaves look-alike third parties visible (a leak); lowering it masks
the subject in poorer sightings (safe: staff then add ``--keep-track`` from the review sheet).
Here, not in :mod:`cctvkit.redact.identity.match` (numpy), because it is the ``--max-face-distance``
flags' default, which ``--help`` shows."""

DEFAULT_MIN_SCORE = 0.25
"""Weakest detection the tracker sees unless ``threshold`` is lower (then ``threshold``)."""

_METHODS = tuple(m.value for m in MaskMethod)
_SHAPES = tuple(s.value for s in MaskShape)

_X264_PARAM = re.compile(r"[a-z0-9-]+=[A-Za-z0-9.,+-]+")

PRESETS = (
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


EXPLAINED_FACE_PX = 32.0
"""A person whose face is at least this wide is near enough that their body holds no face under
24 px of their own: the zoomed passes (the first pass's sweep, the face check) skip changes over
it (:mod:`~cctvkit.redact.person_motion`)."""


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
            only continue existing tracks (a turning head, motion blur). ``None`` (the default)
            becomes ``min(0.25, threshold)``.
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
        carry_max_scale: a mask carried over missed detections, before a track's first or after
            its last, is at most this many times the face's measured width and height (issue
            #13; ``None``: unbounded, the behaviour before it). See
            :class:`~cctvkit.redact.carry.MaskPlanner`.
        carry_max_drift: a mask is carried while the face's extrapolated motion keeps it within
            this many face sizes of a sighting; beyond, the carry ends (``None``: never).
        link_unconfirmed: link a face's unconfirmed boxes from one detection to the next by
            distance (a face crossing fast, which the tracker never confirms), so they are
            carried along its motion instead of each on its own (``False``: before issue #13).
        kept_face_wins: where a stranger's mask overlaps a kept face's measured box, the kept
            face stays visible (the stranger is still masked everywhere else; privacy zones
            always win). ``False``: strangers' masks covered kept faces, before issue #13.
        preset: x264 speed preset. ``superfast`` encodes 1080p about 1.8x faster than
            ``veryfast`` (see :data:`DEFAULT_X264_PARAMS` for the size it costs).
        crf: x264 quality (lower is better).
        x264_params: x264 options applied after the preset, ``key=value`` joined by ``:``
            (empty: the plain preset).
        keep_audio: copy the audio track (policy 12.3: only on explicit request).
        small_face_px: faces narrower than this are judged against ``small_threshold``.
        small_threshold: detector confidence at which a small face is a face (``None``, or
            above ``threshold``: the same ``threshold``); see
            :class:`~cctvkit.redact.tracking.FaceTracker`.
        confirm_small: a small face detected this many times at one place, each time between
            ``min_score`` and ``small_threshold``, is a face (0: never; see
            :class:`~cctvkit.redact.tracking.FaceTracker`). On the generated crowd at 2 the
            first pass's leaks of faces >= 10 px went from 5.80 % to 1.73 % (longest exposure 75
            -> 22 frames; 3.99 % at 3; 0.81 % once the planner held frames over a whole
            ``lost_track_s`` gap): half-hidden faces that score 0.25-0.33 on most detections
            (``benchmarks/README.md``, issue 25).
        track_zoom: on busy detections, the crop around a tracked face may be enlarged up to
            this much so its smallest face is detected at ~48 px (1: never enlarged; see
            :mod:`cctvkit.redact.regions`). Off by default: at 2 the issue 17 arcade clip leaked
            4.23 % of face boxes against 1.83 % at 1 (``benchmarks/README.md``).
        backtrack_s: a face first found late is looked for, natively around it, on the
            detected frames up to this long before its first sighting (at most the planner's
            lookahead; 0: off; only without ``detect_long_side``), so its mask starts where it
            was seen rather than where the carry's drift bound ends (see
            :mod:`cctvkit.redact.backtrack`).
        zoom_sweep: tiles of a 640x384 grid detected enlarged 2x on every detection, in
            rotation, beside the native detection, for faces of 8-20 px (0: off; see
            :mod:`cctvkit.redact.zoom_sweep`). On the generated crowd (64 people, faces 8-20 px,
            3 s at 1080p) one tile took the first pass's leaks of faces >= 10 px from 8.2 % to
            3.1 % (longest exposure 49 -> 14 frames); two tiles 4.4 %; the street clip 0.05 %
            either way (issue 25, ``benchmarks/README.md``). Frames under 960x540 are not
            swept (see :meth:`zoom_tiles`).
        zoom_revisit: with regions, a zoomed sweep tile where nothing changed since it was last
            zoomed (and no small face is tracked) is skipped, but zoomed again after at most this
            many rotations (1: every tile on every rotation, as before; see
            :mod:`cctvkit.redact.zoom_sweep`).
        mask_text: also find, track and mask readable text (number plates, badges, screens;
            :mod:`cctvkit.redact.text_stage`); letters under ~8 px tall are not found.
        text_regions: with ``mask_text``, mask only text whose box centre lies in one of these
            polygons (normalised x, y in [0, 1], like privacy zones; e.g. the lane at a gate, so
            a shop sign across the road stays readable); empty: the whole frame.
    """

    model: str = "centerface"
    weights: str | None = None
    threshold: float = 0.5
    min_score: float | None = None
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
    carry_max_scale: float | None = 2.0
    carry_max_drift: float | None = 2.0
    link_unconfirmed: bool = True
    kept_face_wins: bool = True
    preset: str = "superfast"
    crf: int = 20
    x264_params: str = DEFAULT_X264_PARAMS
    keep_audio: bool = False
    small_face_px: float = 24.0
    small_threshold: float | None = 0.35
    confirm_small: int = 2
    track_zoom: float = 1.0
    backtrack_s: float = 0.6
    zoom_sweep: int = 1
    zoom_revisit: int = 4
    mask_text: bool = False
    text_regions: tuple[tuple[tuple[float, float], ...], ...] = ()

    def __post_init__(self) -> None:
        if self.min_score is None:
            object.__setattr__(self, "min_score", min(DEFAULT_MIN_SCORE, self.threshold))
        checks = [
            (self.model in MODELS, f"model must be one of {', '.join(MODELS)}"),
            (0 < self.threshold < 1, "threshold must lie in (0, 1)"),
            (0 < self.min_score <= self.threshold, "min_score must lie in (0, threshold]"),  # type: ignore[operator]  # set just above when None
            (
                self.detect_long_side is None or self.detect_long_side >= 64,
                "detect_long_side must be at least 64 pixels",
            ),
            (self.threads is None or self.threads >= 1, "threads must be at least 1"),
            (self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}"),
            (
                self.small_threshold is None or self.min_score <= self.small_threshold < 1,
                "small_threshold must lie in [min_score, 1)",
            ),
            (0 <= self.small_face_px <= 200, "small_face_px must lie in [0, 200] pixels"),
            (0 <= self.confirm_small <= 10, "confirm_small must lie in [0, 10] sightings"),
            (1.0 <= self.track_zoom <= 4.0, "track_zoom must lie in [1, 4]"),
            (0 <= self.zoom_sweep <= 16, "zoom_sweep must lie in [0, 16] tiles"),
            (1 <= self.zoom_revisit <= 50, "zoom_revisit must lie in [1, 50] rotations"),
            (0 <= self.detect_every_s <= 1, "detect_every_s must lie in [0, 1] seconds"),
            (0 <= self.backtrack_s <= 2, "backtrack_s must lie in [0, 2] seconds"),
            (self.regions in REGION_MODES, f"regions must be one of {', '.join(REGION_MODES)}"),
            (1 <= self.sweep_every <= 50, "sweep_every must lie in [1, 50] detections"),
            (
                str(self.style.method) in _METHODS,
                f"mask method {str(self.style.method)!r} is not one of {', '.join(_METHODS)}",
            ),
            (
                str(self.style.shape) in _SHAPES,
                f"mask shape {str(self.style.shape)!r} is not one of {', '.join(_SHAPES)}",
            ),
            (
                len(self.style.fill_rgb) == 3 and all(0 <= c <= 255 for c in self.style.fill_rgb),
                "mask fill_rgb must be three values in [0, 255]",
            ),
            (1.0 <= self.style.scale <= 4.0, "mask scale must lie in [1, 4]"),
            (2 <= self.style.cells <= 32, "mask cells must lie in [2, 32]"),
            (0 <= self.lookahead_s <= 5, "lookahead must lie in [0, 5] seconds"),
            (0 <= self.trail_s <= 5, "trail must lie in [0, 5] seconds"),
            (0 < self.lost_track_s <= 10, "lost-track time must lie in (0, 10] seconds"),
            (
                self.carry_max_scale is None or 1 <= self.carry_max_scale <= 10,
                "carry_max_scale must lie in [1, 10] face sizes",
            ),
            (
                self.carry_max_drift is None or 0 <= self.carry_max_drift <= 20,
                "carry_max_drift must lie in [0, 20] face sizes",
            ),
            (self.preset in PRESETS, f"preset must be one of {', '.join(PRESETS)}"),
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
        """Convert a duration to whole frames at ``fps`` (at most :data:`MAX_TIMING_FPS`; rounded
        up, at least ``minimum``)."""
        return max(minimum, math.ceil(seconds * min(fps, MAX_TIMING_FPS) - 1e-9))

    def detect_stride(self, fps: float) -> int:
        """Frames from one detection to the next at ``fps`` (1: every frame), at most lookahead + 1."""
        stride = math.floor(self.detect_every_s * min(fps, MAX_TIMING_FPS) + 1e-9)
        return max(1, min(stride, self.frames(self.lookahead_s, fps) + 1))

    def use_regions(self, resolution_wh: tuple[int, int]) -> bool:
        """Whether frames of this size are detected on regions rather than whole."""
        if self.regions == "auto":
            return self.detect_long_side is None and resolution_wh[0] * resolution_wh[1] > REGION_MIN_PIXELS
        return self.regions == "on"

    def zoom_tiles(self, resolution_wh: tuple[int, int]) -> int:
        """Zoomed sweep tiles a detection for frames of this size: ``zoom_sweep`` from 960x540
        up; none on smaller frames (one tile is then the whole frame, 4x every detection's cost)
        nor with ``detect_long_side``."""
        if self.detect_long_side is not None or resolution_wh[0] * resolution_wh[1] < REGION_MIN_PIXELS:
            return 0
        return self.zoom_sweep

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (enums as strings) for reports."""
        data = asdict(self)
        if not self.mask_text:
            # Said only when on: chunk jobs hash these values, and a run without text masks must
            # name the jobs it named before the option existed (finished chunks stay valid).
            del data["mask_text"]
        if not self.text_regions:
            del data["text_regions"]
        else:
            data["text_regions"] = [[list(point) for point in region] for region in self.text_regions]
        data["style"] = {
            **data["style"],
            "method": str(self.style.method),
            "shape": str(self.style.shape),
        }
        if not self.confirm_small:  # off: as chunk jobs were named before it existed
            del data["confirm_small"]
        if not self.zoom_sweep:  # off: the values chunk jobs were named by before it existed
            del data["zoom_sweep"]
            del data["zoom_revisit"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactOptions:
        """The options :meth:`to_dict` wrote (a job's parameters, sent to a worker as JSON).

        Raises:
            UsageError: a value out of range.
        """
        style = dict(data["style"])
        style["fill_rgb"] = tuple(style["fill_rgb"])
        regions = tuple(tuple((float(x), float(y)) for x, y in r) for r in data.get("text_regions", ()))
        return cls(**{**data, "style": MaskStyle(**style), "text_regions": regions})


def build_options(*layers: Mapping[str, Any]) -> RedactOptions:
    """Options from layers of settings, later ones winning: the site's ``[redaction]``, then a run's flags.

    Each layer maps :class:`RedactOptions` field names to values, ``None`` meaning "not set here";
    ``style`` is itself such a mapping of :class:`MaskStyle` fields. What no layer sets keeps the
    defaults above, the only place they are written.

    Raises:
        UsageError: a value out of range or not one of the allowed ones.
    """
    values: dict[str, Any] = {}
    style: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key == "style":
                style.update({k: v for k, v in (value or {}).items() if v is not None})
            elif value is not None:
                values[key] = value
    if "fill_rgb" in style:
        style["fill_rgb"] = tuple(style["fill_rgb"])
    return RedactOptions(**values, style=MaskStyle(**style))


@dataclass(frozen=True, slots=True)
class FaceCheckOptions:
    """How the output is checked and how findings are re-masked.

    Attributes:
        enabled: check at all (off only for benchmarks' "without" rows and for speed tests).
        every: check one frame in ``every`` (1: all). Findings are followed over the frames
            between (``reach_s`` plus ``every - 1`` each way), so a face found on one checked
            frame is masked on its neighbours too. Measured (issue 25, ``benchmarks/README.md``):
            the generated crowd's leak of faces >= 10 px after the check was 2.89, 2.94 and
            2.94 % at 2, 4 and 8 (2.99 % at 4 and 8 with re-checks only where re-masked), the
            street's 0 % at all three; on the 1080p yard clip the check cost 1.11x the first
            pass's CPU time at 4 and 0.59x at 8. A face visible for 8 frames (0.32 s at 25 fps)
            always lands on a checked one.
        rounds: re-mask rounds: findings become masked boxes, the clip is rendered again and
            the frames that changed are checked again; what is found after the last round is
            *remaining* (0: report findings, re-mask nothing).
        retina_threshold: RetinaFace probability that counts as a face.
        zoom_threshold: CenterFace score on the zoomed crops that counts as a face. The faces
            the first pass misses are those CenterFace scores low even zoomed: on the issue 17
            arcade clip 0.3 (with RetinaFace at 0.5) found 10 where 0.5 (RetinaFace 0.6) found 1,
            and leaks fell from 1.83 % to 1.25 % of face boxes (``benchmarks/README.md``).
        zoom: enlargement of the zoomed crops.
        busy_fraction: share of the frame the changed areas may cover before the frame is busy.
        busy_zoom_every: on busy frames, zoom the whole frame on every n-th checked frame.
            Measured at 4 and 8 (issue 25, ``benchmarks/README.md``): the same leaks on the
            generated crowd (>= 10 px 2.99 %) and street (0 %) and the same YuNet count on
            MOT17-13, the arcade's extra YuNet hits a logo, not faces; 6 fewer false findings there
            and the check 15-27 % cheaper on all four.
        reach_s: a finding's face is followed and masked at most this long before and after
            its frame, plus the frames between checked ones, while it is still seen there
            (:mod:`~cctvkit.redact.finding_tracks`; a face found late).
        native_full_every: RetinaFace checks the whole frame on the first checked frame, on
            every n-th one and where the areas to check cover most of it; between, only where
            the output changed since the last checked frame, where masks are or just were, plus
            the sweep tile (unchanged pixels were checked before; 1: the whole frame every time,
            as before; measured in ``benchmarks/README.md``).
        explained_face_px: changes over the body of a person whose masked or kept face is at
            least this wide are not zoomed (they hold no face under 24 px of that person's; see
            :mod:`~cctvkit.redact.person_motion`); 0: zoom every change.
    """

    enabled: bool = True
    every: int = 8
    rounds: int = 2
    retina_threshold: float = 0.5
    zoom_threshold: float = 0.3
    zoom: float = 2.0
    busy_fraction: float = 0.5
    busy_zoom_every: int = 8
    reach_s: float = 0.3
    native_full_every: int = 12
    explained_face_px: float = EXPLAINED_FACE_PX

    def __post_init__(self) -> None:
        checks = [
            (1 <= self.every <= 25, "face check every must lie in [1, 25] frames"),
            (0 <= self.rounds <= 5, "face check rounds must lie in [0, 5]"),
            (0 < self.retina_threshold < 1, "face check retina threshold must lie in (0, 1)"),
            (0 < self.zoom_threshold < 1, "face check zoom threshold must lie in (0, 1)"),
            (1.0 <= self.zoom <= 4.0, "face check zoom must lie in [1, 4]"),
            (1 <= self.busy_zoom_every <= 50, "face check busy zoom every must lie in [1, 50]"),
            (0 <= self.reach_s <= 5, "face check reach must lie in [0, 5] seconds"),
            (1 <= self.native_full_every <= 250, "face check native full every must lie in [1, 250] frames"),
            (0 <= self.explained_face_px <= 1000, "face check explained face px must lie in [0, 1000]"),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(message)
