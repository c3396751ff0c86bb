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
    "DEFAULT_REDACTION_FPS",
    "MIN_SAMPLE_FRAMES",
    "Speed",
    "band_of",
    "benchmark_speed",
    "choose_speed",
]

BANDS: tuple[tuple[str, int], ...] = (
    ("sd", 720 * 576),
    ("720p", 1280 * 720),
    ("1080p", 1920 * 1080),
    ("2160p", 2**62),
)
"""Resolution bands by pixels per frame, smallest first: a frame belongs to the first it fits."""

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


def _cores() -> int:
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
    cores = cores or _cores()
    machines = [m for m in _figures() if band in m.get("fps", {})]
    if not machines:
        return None
    best = min(machines, key=lambda m: (abs(int(m["cores"]) - cores), -int(m["cores"])))
    detail = f"benchmark: {best['machine']} ({best['measured']})"
    return Speed(band, float(best["fps"][band]), "benchmark", detail)


def choose_speed(band: str, site_samples: Iterable[tuple[int, float]], *, cores: int | None = None) -> Speed:
    """The speed to plan ``band``'s frames with.

    Args:
        band: the resolution band.
        site_samples: ``(frames, seconds)`` of this site's redacted clips in that band.
        cores: cores to match a benchmark figure to (default: those this process may use).
    """
    samples = list(site_samples)
    frames = sum(f for f, _ in samples)
    seconds = sum(s for _, s in samples)
    if frames >= MIN_SAMPLE_FRAMES and seconds > 0:
        return Speed(band, frames / seconds, "site", f"measured on this site over {len(samples)} clip(s)")
    figure = benchmark_speed(band, cores=cores)
    if figure is not None:
        return figure
    return Speed(band, DEFAULT_REDACTION_FPS, "default", "no measurement: the default guess")
