"""Tests' shorthand for composing a redaction's three records from loose keyword values.

The product composes :class:`~cctvkit.redact.spec.MaskSpec`, :class:`~cctvkit.redact.spec.Engines`
and :class:`~cctvkit.redact.spec.Outputs` where it knows them; the tests vary one value at a time,
so they name only that one here. The face check is off unless ``face_check`` is given (most
tests look at the first pass).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from cctvkit.jobs import ChunkedRun, ChunkRunner, redact_chunked
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.pipeline import redact_clip
from cctvkit.redact.report import RedactionReport
from cctvkit.redact.spec import Engines, MaskSpec, Outputs

NO_FACE_CHECK = FaceCheckOptions(enabled=False)

_SPEC = {"options", "face_check", "zones", "keep_tracks", "manual_masks"}
_ENGINES = {"detector", "face_checkers", "reference", "embedder"}
_OUTPUTS = {"report_path", "review", "metadata", "progress", "on_mask", "analysis_path", "encoder_threads"}


def records(output: Path, **loose: Any) -> tuple[MaskSpec, Engines, Outputs]:
    """The three records from loose values (unknown names are a test's typo: refused)."""
    unknown = set(loose) - _SPEC - _ENGINES - _OUTPUTS - {"max_face_distance"}
    if unknown:
        raise TypeError(f"unknown redaction values: {sorted(unknown)}")
    spec_values = {k: v for k, v in loose.items() if k in _SPEC}
    spec_values.setdefault("face_check", NO_FACE_CHECK)
    spec = MaskSpec.of(**spec_values)
    if "max_face_distance" in loose:
        spec = replace(spec, max_face_distance=loose["max_face_distance"])
    engines = Engines(**{k: v for k, v in loose.items() if k in _ENGINES})
    outputs = Outputs(output, **{k: v for k, v in loose.items() if k in _OUTPUTS})
    return spec, engines, outputs


def redact_with(
    source: Path, output: Path, *, span_s: tuple[float, float] | None = None, **loose: Any
) -> RedactionReport:
    """:func:`~cctvkit.redact.pipeline.redact_clip` of ``source`` with these values."""
    return redact_clip(source, *records(output, **loose), span_s=span_s)


def chunked_with(source: Path, output: Path, runner: ChunkRunner, **loose: Any) -> ChunkedRun:
    """:func:`~cctvkit.jobs.redact_chunked` of ``source`` on ``runner`` with these values."""
    return redact_chunked(source, *records(output, **loose), runner)
