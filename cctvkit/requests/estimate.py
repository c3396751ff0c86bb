"""The work a request would take (policy 13.9.2): footage, cameras, clips, stills and processing time."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from cctvkit.catalog import releases as relq
from cctvkit.catalog.db import Catalog
from cctvkit.redact.options import FaceCheckOptions, RedactOptions
from cctvkit.requests.coverage import CameraCoverage
from cctvkit.requests.speed import (
    BAND_WORDS,
    DEFAULT_REDACTION_FPS,
    MIN_SAMPLE_FRAMES,
    Speed,
    band_of,
    choose_speed,
    usable_cores,
)
from cctvkit.retention.leases import DEFAULT_LEASE

__all__ = [
    "DEFAULT_REDACTION_FPS",
    "DEFAULT_STILL_S",
    "INT8_PREPARE_S",
    "RUN_SETUP_S",
    "BandEstimate",
    "Estimate",
    "estimate_work",
    "int8_pending_for",
    "lease_ttl",
    "measured_speed",
    "still_time",
]

DEFAULT_STILL_S = 3.0
"""Seconds planned per still (detection on the whole picture, the face check zooming all of it) until
this site has redacted :data:`MIN_STILL_SAMPLES`: ``python -m benchmarks.still_speed`` measured
2.4-2.7 s for a 1080p still (0.2-0.7 s at 640x360, models loaded) on 2 shared, loaded cores."""

MIN_STILL_SAMPLES = 3
"""Past stills needed before their mean time is used."""

RUN_SETUP_S = 8.0
"""Seconds a run spends besides its clips on 2 free cores: starting, loading the face detector and
the face check's two models, cutting and packaging. The demo's `request process` took 83 s at
load 11 on 2 cores (5.5x slower than free), of which its one clip's redaction 41 s: ~8 s free."""

INT8_PREPARE_S = 30.0
"""Seconds to prepare the int8 detectors on the first run on a machine (2 free cores: 15-40 s for
CenterFace, ~9 s more for the face check's RetinaFace; the demo's took 151 s at load 11)."""

MARGIN = 2.0
"""The estimate promises the run's time within this factor either way."""


@dataclass(frozen=True, slots=True)
class BandEstimate:
    """The frames of one resolution band and the speed they are planned at.

    Attributes:
        band: ``sd``, ``720p``, ``1080p`` or ``2160p``.
        frames: frames to redact at that band.
        speed: frames per second used (the face check included), and its source (site,
            benchmark, default).
        processing_s: expected wall time, seconds (the machine's load included).
    """

    band: str
    frames: int
    speed: Speed
    processing_s: float

    @property
    def words(self) -> str:
        """The band as a reader knows it: ``up to 720x576``."""
        return BAND_WORDS.get(self.band, self.band)


@dataclass(frozen=True, slots=True)
class Estimate:
    """What processing a request would take.

    Attributes:
        cameras: distinct cameras with releasable footage.
        clips: clips that would be cut (one per contiguous stretch per window and camera).
        footage_s: seconds of releasable footage.
        frames: frames to redact.
        speed_fps: overall frames per second (frames over the bands' summed time).
        speed_source: the bands' sources in words, e.g. ``up to 1920x1080: 14.0 frames/s, benchmark: ...``.
        processing_s: expected wall time, seconds.
        gaps: parts of windows with nothing to release (missing, purged, restricted).
        bands: per resolution band, largest share of frames first.
        stills: stills (snapshots) that would be redacted, each one picture.
        still_s: seconds planned per still (included in ``processing_s``).
        still_source: where ``still_s`` comes from, in words.
        setup_s: the run's time besides its clips: models loaded, cut, package (included).
        int8_s: preparing the int8 detector, on a machine's first run (included; else 0).
        load_factor: how much slower than free this machine is now (its load over its cores),
            applied to the figures measured on a free machine (not to this site's own runs).
        load_text: the load in words.
        requester_only: the release would be requester-only (issue 26): the same time (measured
            side by side: ``benchmarks/requester_only.py``), each clip in one pass here rather
            than as ``[jobs]`` chunks.
    """

    cameras: int
    clips: int
    footage_s: float
    frames: int
    speed_fps: float
    speed_source: str
    processing_s: float
    gaps: int
    bands: tuple[BandEstimate, ...] = ()
    stills: int = 0
    still_s: float = DEFAULT_STILL_S
    still_source: str = "default"
    setup_s: float = 0.0
    int8_s: float = 0.0
    load_factor: float = 1.0
    load_text: str = ""
    requester_only: bool = False

    @property
    def footage_hours(self) -> float:
        return self.footage_s / 3600

    @property
    def range_s(self) -> tuple[float, float]:
        """The time the estimate promises: within :data:`MARGIN` either way."""
        return self.processing_s / MARGIN, self.processing_s * MARGIN


def measured_speed(catalog: Catalog) -> tuple[float, str]:
    """Frames per second over this site's recent redacted clips (any size), else the default."""
    with catalog.read() as conn:
        samples = relq.clip_speeds(conn)
    frames = sum(f for f, _ in samples)
    seconds = sum(s for _, s in samples)
    if frames < MIN_SAMPLE_FRAMES or seconds <= 0:
        return DEFAULT_REDACTION_FPS, "default"
    return frames / seconds, f"measured over {len(samples)} clip(s)"


def still_time(catalog: Catalog) -> tuple[float, str]:
    """Seconds one still takes: the mean of this site's recent redacted stills, else the default."""
    with catalog.read() as conn:
        samples = relq.still_times(conn)
    if len(samples) < MIN_STILL_SAMPLES:
        return (
            DEFAULT_STILL_S,
            f"{DEFAULT_STILL_S:.1f} s each, default (fewer than {MIN_STILL_SAMPLES} measured)",
        )
    mean = sum(samples) / len(samples)
    return mean, f"{mean:.1f} s each, measured on this site over {len(samples)} still(s)"


def machine_load(load: float | None = None, cores: int | None = None) -> tuple[float, str]:
    """How much slower than free this machine runs now: its 1-minute load over its cores (>= 1)."""
    cores = cores or usable_cores()
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:  # not available on this platform
            return 1.0, ""
    factor = max(1.0, load / cores)
    text = f"this machine's load is {load:.1f} on {cores} core(s)"
    return factor, text


def int8_pending_for(options: RedactOptions, *, face_check: bool = True) -> bool:
    """Whether a run with ``options`` would first prepare an int8 detector on this machine: the
    first pass's CenterFace, or the face check's zoomed RetinaFace (``face_check``)."""
    from cctvkit.redact.detectors._int8 import int8_pending  # numpy only; no model is loaded
    from cctvkit.redact.weights import load_manifest

    manifest = load_manifest()
    first = options.model == "centerface" and options.precision != "fp32"
    return (first and int8_pending(manifest["centerface"]["sha256"])) or (
        face_check and int8_pending(manifest["retinaface-mnet025"]["sha256"])
    )


def estimate_work(
    catalog: Catalog,
    coverage: Sequence[CameraCoverage],
    *,
    check_every: int | None = FaceCheckOptions().every,
    int8_pending: bool = False,
    load: float | None = None,
    cores: int | None = None,
    requester_only: bool = False,
) -> Estimate:
    """Add up the footage a request covers and the time its processing would take.

    Each band's frames are planned at that band's speed (:func:`cctvkit.requests.speed.choose_speed`):
    this site's past redactions at the band, else the benchmark's figure for this kind of machine
    with the face check added. To them come the run's set-up (:data:`RUN_SETUP_S`) and, on a
    machine's first run, the int8 detector's preparation (:data:`INT8_PREPARE_S`); figures measured
    on a free machine are scaled by the machine's load now.

    Args:
        catalog: the catalog.
        coverage: what the request's windows cover.
        check_every: the face check looks at one frame in this many (``None``: no face check).
        int8_pending: the int8 detector is still to be prepared on this machine.
        load: the machine's 1-minute load (default: read now).
        cores: cores to plan for (default: those this process may use).
        requester_only: the release would be requester-only (recorded; see :class:`Estimate`).
    """
    factor, load_text = machine_load(load, cores)
    per_band: dict[str, int] = defaultdict(int)
    for cov in coverage:
        for run in cov.runs:
            for span in run:
                rec = span.recording
                per_band[band_of(rec.width, rec.height)] += round(span.duration_s * span.fps)
    with catalog.read() as conn:
        history = relq.clip_speeds_by_size(conn)
    bands = []
    for band, frames in sorted(per_band.items(), key=lambda kv: -kv[1]):
        samples = [(f, s) for f, s, w, h in history if band_of(w, h) == band]
        speed = choose_speed(band, samples, cores=cores, check_every=check_every)
        scale = 1.0 if speed.source == "site" else factor
        bands.append(BandEstimate(band, frames, speed, frames / speed.fps * scale))
    frames = sum(b.frames for b in bands)
    stills = sum(len(c.stills) for c in coverage)
    still_s, still_source = still_time(catalog)
    clips_s = sum(b.processing_s for b in bands)
    overall = frames / clips_s if clips_s > 0 else choose_speed("1080p", []).fps
    source = "; ".join(f"{b.words}: {b.speed.fps:.1f} frames/s, {b.speed.detail}" for b in bands)
    work = bool(frames or stills)
    setup_s = RUN_SETUP_S * factor if work else 0.0
    int8_s = INT8_PREPARE_S * factor if work and int8_pending else 0.0
    still_scale = 1.0 if "measured" in still_source else factor
    return Estimate(
        cameras=len({c.camera_id for c in coverage if c.runs or c.stills}),
        clips=sum(len(c.runs) for c in coverage),
        footage_s=sum(c.seconds for c in coverage),
        frames=frames,
        speed_fps=round(overall, 2),
        speed_source=source or "no footage",
        processing_s=clips_s + stills * still_s * still_scale + setup_s + int8_s,
        gaps=sum(len(c.gaps) for c in coverage),
        bands=tuple(bands),
        stills=stills,
        still_s=still_s,
        still_source=still_source,
        setup_s=setup_s,
        int8_s=int8_s,
        load_factor=round(factor, 2),
        load_text=load_text,
        requester_only=requester_only,
    )


def lease_ttl(catalog: Catalog, frames: int) -> timedelta:
    """How long to lease a run's sources: three times its expected time, and never under the default.

    A lease outlived by a slow run would let a purge delete a source half-way through the cut.
    """
    speed, _ = measured_speed(catalog)
    return max(DEFAULT_LEASE, timedelta(seconds=3 * frames / speed))
