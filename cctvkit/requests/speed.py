"""Redaction speed per resolution band: this site's own past runs, else the benchmark's figure.

Policy 13.9.2 lets a request be refused for disproportionate effort only with an honest estimate.
A 4K camera redacts several times slower than an SD one, so one site-wide average (or one fixed
guess) misjudges a request on either. Figures come, in order of preference, from this site's
redacted release clips at that band, from ``speed_figures.toml`` (measured by
``python -m benchmarks.redact_speed`` on a machine with the nearest number of cores), and last from
:data:`DEFAULT_REDACTION_FPS`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "BANDS",
    "BAND_WORDS",
    "DEFAULT_REDACTION_FPS",
    "FACE_CHECK_S",
    "MIN_SAMPLE_FRAMES",
    "Speed",
    "band_of",
    "benchmark_speed",
    "choose_speed",
    "usable_cores",
]

BANDS: tuple[tuple[str, int], ...] = (
    ("sd", 720 * 576),
    ("720p", 1280 * 720),
    ("1080p", 1920 * 1080),
    ("2160p", 2**62),
)
"""Resolution bands by pixels per frame, smallest first: a frame belongs to the first it fits."""

BAND_WORDS = {
    "sd": "up to 720x576",
    "720p": "up to 1280x720",
    "1080p": "up to 1920x1080",
    "2160p": "larger than 1920x1080",
}
"""Each band in words a reader of an estimate knows without the trade's names."""

FACE_CHECK_S = 0.3
"""Seconds the face check (the release's second model family) spends per checked frame on
2 free cores, about the same at any size (it zooms crops of a fixed size). The demo's release
measured 31.9 s for 21 checked 640x360 frames at load 11 on 2 cores (about 5.5x slower than free,
so ~0.28 s); benchmarks/README.md (issue 17) 1.7 s per checked 1080p frame under load. The
benchmark's frame rates below are without it."""

DEFAULT_REDACTION_FPS = 8.0
"""Frames redacted per second when neither the site nor the benchmark has a figure for a band."""

MIN_SAMPLE_FRAMES = 50
"""Fewer measured frames than this in a band and the benchmark is used (start-up costs dominate)."""

FIGURES = Path(__file__).with_name("speed_figures.toml")


@dataclass(frozen=True, slots=True)
class Speed:
    """Frames redacted per second for one band, and where the figure comes from.

    Attributes:
        band: the resolution band (``sd``, ``720p``, ``1080p``, ``2160p``).
        fps: frames per second.
        source: ``site``, ``benchmark`` or ``default``.
        detail: the evidence in words (``measured on this site over 3 clip(s)``).
    """

    band: str
    fps: float
    source: str
    detail: str


def band_of(width: int | None, height: int | None) -> str:
    """The band a frame size falls in (unknown sizes count as 1080p, the common CCTV size)."""
    if not width or not height:
        return "1080p"
    pixels = width * height
    return next(name for name, most in BANDS if pixels <= most)


def usable_cores() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@cache
def _figures() -> list[dict[str, Any]]:
    machines: list[dict[str, Any]] = tomllib.loads(FIGURES.read_text(encoding="utf-8")).get("machines", [])
    return machines


def benchmark_speed(band: str, *, cores: int | None = None) -> Speed | None:
    """The benchmark's figure for ``band`` on the measured machine nearest in cores, if any."""
    cores = cores or usable_cores()
    machines = [m for m in _figures() if band in m.get("fps", {})]
    if not machines:
        return None
    best = min(machines, key=lambda m: (abs(int(m["cores"]) - cores), -int(m["cores"])))
    detail = f"benchmark: {best['machine']} ({best['measured']})"
    return Speed(band, float(best["fps"][band]), "benchmark", detail)


def choose_speed(
    band: str,
    site_samples: Iterable[tuple[int, float]],
    *,
    cores: int | None = None,
    check_every: int | None = None,
) -> Speed:
    """The speed to plan ``band``'s frames with, the face check included.

    Args:
        band: the resolution band.
        site_samples: ``(frames, seconds)`` of this site's redacted clips in that band (their
            times include the face check).
        cores: cores to match a benchmark figure to (default: those this process may use).
        check_every: the face check looks at one frame in this many (``None``: no face check);
            added to a benchmark's or the default figure, which are without it.
    """
    samples = list(site_samples)
    frames = sum(f for f, _ in samples)
    seconds = sum(s for _, s in samples)
    if frames >= MIN_SAMPLE_FRAMES and seconds > 0:
        return Speed(band, frames / seconds, "site", f"measured on this site over {len(samples)} clip(s)")
    figure = benchmark_speed(band, cores=cores) or Speed(
        band, DEFAULT_REDACTION_FPS, "default", "no measurement: the default guess"
    )
    if not check_every:
        return figure
    fps = 1 / (1 / figure.fps + FACE_CHECK_S / check_every)
    detail = (
        f"{figure.detail}: {figure.fps:.0f} frames/s, plus the face check's {FACE_CHECK_S} s "
        f"on 1 frame in {check_every}"
    )
    return Speed(band, fps, figure.source, detail)
