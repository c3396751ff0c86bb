"""The work a request would take (policy 13.9.2): footage, cameras, clips and processing time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from cctvkit.catalog import releases as relq
from cctvkit.catalog.db import Catalog
from cctvkit.requests.coverage import CameraCoverage
from cctvkit.retention.leases import DEFAULT_LEASE

__all__ = ["DEFAULT_REDACTION_FPS", "Estimate", "estimate_work", "lease_ttl", "measured_speed"]

DEFAULT_REDACTION_FPS = 8.0
"""Frames redacted per second when no release has been measured yet on this site.

Measured while writing this: CenterFace on 640x360 sample footage, two CPU cores, 11-14 frames/s
for the redaction pass (decode, detect, track, mask, encode), plus ~0.3 s per 50 frames for the
frame-accurate cut. The default is set lower because HD footage costs more per frame; a site's
own releases replace it as soon as one is made (:func:`measured_speed`).
"""

MIN_SAMPLE_FRAMES = 50
"""Fewer measured frames than this and the default is used (start-up costs dominate tiny runs)."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """What processing a request would take.

    Attributes:
        cameras: distinct cameras with releasable footage.
        clips: clips that would be cut (one per contiguous stretch per window and camera).
        footage_s: seconds of releasable footage.
        frames: frames to redact.
        speed_fps: frames redacted per second used for the estimate.
        speed_source: ``measured over N clips`` or ``default``.
        processing_s: expected wall time, seconds.
        gaps: parts of windows with nothing to release (missing, purged, restricted).
    """

    cameras: int
    clips: int
    footage_s: float
    frames: int
    speed_fps: float
    speed_source: str
    processing_s: float
    gaps: int

    @property
    def footage_hours(self) -> float:
        return self.footage_s / 3600


def measured_speed(catalog: Catalog) -> tuple[float, str]:
    """Frames per second over this site's recent redacted clips, else the documented default."""
    with catalog.read() as conn:
        samples = relq.clip_speeds(conn)
    frames = sum(f for f, _ in samples)
    seconds = sum(s for _, s in samples)
    if frames < MIN_SAMPLE_FRAMES or seconds <= 0:
        return DEFAULT_REDACTION_FPS, "default"
    return frames / seconds, f"measured over {len(samples)} clip(s)"


def estimate_work(catalog: Catalog, coverage: Sequence[CameraCoverage]) -> Estimate:
    """Add up the footage a request covers and the time its redaction would take."""
    speed, source = measured_speed(catalog)
    frames = sum(c.frames for c in coverage)
    return Estimate(
        cameras=len({c.camera_id for c in coverage if c.runs}),
        clips=sum(len(c.runs) for c in coverage),
        footage_s=sum(c.seconds for c in coverage),
        frames=frames,
        speed_fps=round(speed, 2),
        speed_source=source,
        processing_s=frames / speed if speed > 0 else 0.0,
        gaps=sum(len(c.gaps) for c in coverage),
    )


def lease_ttl(catalog: Catalog, frames: int) -> timedelta:
    """How long to lease a run's sources: three times its expected time, and never under the default.

    A lease outlived by a slow run would let a purge delete a source half-way through the cut.
    """
    speed, _ = measured_speed(catalog)
    return max(DEFAULT_LEASE, timedelta(seconds=3 * frames / speed))
