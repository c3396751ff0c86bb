"""The redaction flags `redact`, `request review` and `request process` share, over the site's `[redaction]`.

Every flag defaults to "not given", so what a run does not set comes from the site config, and what
the config does not set from :class:`~cctvkit.redact.options.RedactOptions` (the one place defaults
are written).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from cctvkit.cli.choices import Model, Precision, Preset, RegionMode
from cctvkit.config import SiteConfig
from cctvkit.redact.masking import MaskMethod, MaskShape
from cctvkit.redact.options import RedactOptions, build_options

__all__ = ["redaction_flags", "redaction_options"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Flag:
    name: str
    kind: Any
    target: str  # a RedactOptions field, or "style.FIELD"
    help: str

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")

    def parameter(self) -> inspect.Parameter:
        help = f"{self.help} [default: the config's [redaction]]"
        option = typer.Option(f"--{self.name}", help=help, show_default=False)
        annotation = Annotated[self.kind | None, option]
        keyword = inspect.Parameter.KEYWORD_ONLY
        return inspect.Parameter(self.key, keyword, default=None, annotation=annotation)


_FLAGS = [
    _Flag("model", Model, "model", "Face detector (yolo needs the [yolo] extra and --weights)."),
    _Flag("weights", str, "weights", "Model file for --model yolo (face or head model)."),
    _Flag("provider", str, "provider", "onnxruntime provider (cpu, cuda, ...)."),
    _Flag("precision", Precision, "precision", "Detector weights: auto (int8 on CPU), int8 or fp32."),
    _Flag("threads", int, "threads", "Inference threads (default: the cores available)."),
    _Flag("threshold", float, "threshold", "Detector confidence at which a box is a face."),
    _Flag("detect-size", int, "detect_long_side", "Longest side frames are resized to for detection."),
    _Flag("detect-every", float, "detect_every_s", "Seconds between detections (0: every frame)."),
    _Flag("regions", RegionMode, "regions", "Detect on moving regions natively."),
    _Flag(
        "sweep-every",
        int,
        "sweep_every",
        "On a moving camera or a crowd, tile the whole frame on every n-th detection (1: all).",
    ),
    _Flag("method", MaskMethod, "style.method", "How faces are masked."),
    _Flag("shape", MaskShape, "style.shape", "Mask outline."),
    _Flag("mask-scale", float, "style.scale", "Mask size relative to the face box (head)."),
    _Flag("lookahead", float, "lookahead_s", "Seconds masked before a face is first detected."),
    _Flag("trail", float, "trail_s", "Seconds masked after a face is last detected."),
    _Flag("lost-track", float, "lost_track_s", "Seconds a track may go undetected and keep its id."),
    _Flag("preset", Preset, "preset", "x264 preset of the output."),
    _Flag("crf", int, "crf", "x264 quality (0-51, lower is better)."),
    _Flag("x264-params", str, "x264_params", "x264 options after the preset, k=v:k=v ('' for none)."),
]


def _overrides(given: Mapping[str, Any]) -> dict[str, Any]:
    """The flags a run gave, as :func:`build_options` settings (enums as their strings)."""
    values: dict[str, Any] = {"style": {}}
    for flag in _FLAGS:
        value = given.get(flag.key)
        if value is None:
            continue
        value = value.value if isinstance(value, Enum) else value
        if flag.target.startswith("style."):
            values["style"][flag.target.removeprefix("style.")] = value
        else:
            values[flag.target] = value
    return values


def redaction_options(config: SiteConfig | None, flags: Mapping[str, Any], **extra: Any) -> RedactOptions:
    """The run's options: the site's ``[redaction]`` (when there is a config), then the flags given.

    Raises:
        UsageError: a flag out of range.
    """
    site = config.redaction.settings() if config is not None else {}
    return build_options(site, _overrides(flags), extra)


def redaction_flags(func: F) -> F:
    """Add the shared redaction flags to a command; it receives them as ``flags`` (a dict)."""
    names = [flag.key for flag in _FLAGS]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in names}
        return func(*args, flags=given, **kwargs)

    signature = inspect.signature(func, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "flags"]
    added = [flag.parameter() for flag in _FLAGS]
    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]  # typer reads the signature we give the wrapper
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in own},
        **{p.name: p.annotation for p in added},
        "return": None,
    }
    return wrapper  # type: ignore[return-value]  # the wrapper takes the flags instead of `flags`
