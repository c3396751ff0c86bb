"""The work a request would take (policy 13.9.2): footage, cameras, clips, stills and processing time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from cctvkit.catalog import releases as relq
from cctvkit.catalog.db import Catalog
from cctvkit.requests.coverage import CameraCoverage
from cctvkit.requests.speed import DEFAULT_REDACTION_FPS, MIN_SAMPLE_FRAMES, Speed, band_of, choose_speed
from cctvkit.retention.leases import DEFAULT_LEASE

__all__ = [
    "DEFAULT_REDACTION_FPS",
    "DEFAULT_STILL_S",
    "BandEstimate",
    "Estimate",
    "estimate_work",
    "lease_ttl",
    "measured_speed",
    "still_time",
]

DEFAULT_STILL_S = 3.0
"""Seconds planned per still (detection on the whole picture, the audit zooming all of it) until
this site has redacted :data:`MIN_STILL_SAMPLES`: ``python -m benchmarks.still_speed`` measured
2.4-2.7 s for a 1080p still (0.2-0.7 s at 640x360, models loaded) on 2 shared, loaded cores."""

MIN_STILL_SAMPLES = 3
"""Past stills needed before their mean time is used."""


@dataclass(frozen=True, slots=True)
class BandEstimate:
    """The frames of one resolution band and the speed they are planned at.

    Attributes:
        band: ``sd``, ``720p``, ``1080p`` or ``2160p``.
        frames: frames to redact at that band.
        speed: frames per second used, and its source (site, benchmark, default).
        processing_s: expected wall time, seconds.
    """

    band: str
    frames: int
    speed: Speed
    processing_s: float


@dataclass(frozen=True, slots=True)
class Estimate:
    """What processing a request would take.

    Attributes:
        cameras: distinct cameras with releasable footage.
        clips: clips that would be cut (one per contiguous stretch per window and camera).
        footage_s: seconds of releasable footage.
        frames: frames to redact.
        speed_fps: overall frames per second (frames over the bands' summed time).
        speed_source: the bands' sources in words, e.g. ``1080p: 41.0 frames/s, benchmark on ...``.
        processing_s: expected wall time, seconds.
        gaps: parts of windows with nothing to release (missing, purged, restricted).
        bands: per resolution band, largest share of frames first.
        stills: stills (snapshots) that would be redacted, each one picture.
        still_s: seconds planned per still (included in ``processing_s``).
        still_source: where ``still_s`` comes from, in words.
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

    @property
    def footage_hours(self) -> float:
        return self.footage_s / 3600


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


def estimate_work(catalog: Catalog, coverage: Sequence[CameraCoverage]) -> Estimate:
    """Add up the footage a request covers and the time its redaction would take.

    Each band's frames are planned at that band's speed (:func:`cctvkit.requests.speed.choose_speed`):
    this site's past redactions at the band, else the benchmark's figure for this kind of machine.
    """
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
        speed = choose_speed(band, samples)
        bands.append(BandEstimate(band, frames, speed, frames / speed.fps))
    frames = sum(b.frames for b in bands)
    stills = sum(len(c.stills) for c in coverage)
    still_s, still_source = still_time(catalog)
    processing_s = sum(b.processing_s for b in bands)
    overall = frames / processing_s if processing_s > 0 else choose_speed("1080p", []).fps
    source = "; ".join(f"{b.band}: {b.speed.fps:.1f} frames/s, {b.speed.detail}" for b in bands)
    return Estimate(
        cameras=len({c.camera_id for c in coverage if c.runs or c.stills}),
        clips=sum(len(c.runs) for c in coverage),
        footage_s=sum(c.seconds for c in coverage),
        frames=frames,
        speed_fps=round(overall, 2),
        speed_source=source or "no footage",
        processing_s=processing_s + stills * still_s,
        gaps=sum(len(c.gaps) for c in coverage),
        bands=tuple(bands),
        stills=stills,
        still_s=still_s,
        still_source=still_source,
    )


def lease_ttl(catalog: Catalog, frames: int) -> timedelta:
    """How long to lease a run's sources: three times its expected time, and never under the default.

    A lease outlived by a slow run would let a purge delete a source half-way through the cut.
    """
    speed, _ = measured_speed(catalog)
    return max(DEFAULT_LEASE, timedelta(seconds=3 * frames / speed))
