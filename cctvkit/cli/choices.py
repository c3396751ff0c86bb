"""Options with a fixed set of values, as enums built from the library's own tuples.

Typer refuses any other value with exit 2 and lists the allowed ones (issue 18: ``index ls
--state bogus`` listed nothing and exited 0). The values stay defined where they are used.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from cctvkit.redact.options import MODELS, PRECISIONS, PRESETS, REGION_MODES
from cctvkit.states import RECORDING_STATES

__all__ = ["Model", "Precision", "Preset", "RecordingState", "RegionMode", "choice"]


def choice(name: str, values: Iterable[str]) -> type[StrEnum]:
    """A ``StrEnum`` whose members are ``values`` (member name = value)."""
    return StrEnum(name, [(v, v) for v in values])


RecordingState = choice("RecordingState", RECORDING_STATES)
Model = choice("Model", MODELS)
Precision = choice("Precision", PRECISIONS)
Preset = choice("Preset", PRESETS)
RegionMode = choice("RegionMode", REGION_MODES)
