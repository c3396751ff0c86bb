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
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from cctvkit.cli.choices import Model, Precision, Preset, RegionMode
from cctvkit.redact.options import RedactOptions, build_options
from cctvkit.redact.style import MaskMethod, MaskShape

if TYPE_CHECKING:
    from cctvkit.config import SiteConfig

__all__ = ["redaction_flags", "redaction_options"]

F = TypeVar("F", bound=Callable[..., Any])

DETECTION = "Detection (a flag not given: the site config's [redaction], else built in)"
MASKS = "Masks (not given: as for detection)"
ENCODING = "Output encoding (not given: as for detection)"
"""Help-page groups of the shared flags; where an unset flag's value comes from is said once."""


@dataclass(frozen=True)
class _Flag:
    name: str
    kind: Any
    target: str  # a RedactOptions field, or "style.FIELD"
    help: str
    metavar: str
    panel: str
    switch: bool = False  # a boolean given as --NAME / --no-NAME

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")

    def parameter(self) -> inspect.Parameter:
        option = typer.Option(
            f"--{self.name}/--no-{self.name}" if self.switch else f"--{self.name}",
            help=self.help,
            show_default=False,
            metavar=self.metavar,
            rich_help_panel=self.panel,
        )
        annotation = Annotated[self.kind | None, option]
        keyword = inspect.Parameter.KEYWORD_ONLY
        return inspect.Parameter(self.key, keyword, default=None, annotation=annotation)


_FLAGS = [
    _Flag(
        "model",
        Model,
        "model",
        "Face detector (yolo needs the [yolo] extra and --weights).",
        "centerface|yolo",
        DETECTION,
    ),
    _Flag("weights", str, "weights", "Model file for --model yolo (face or head model).", "FILE", DETECTION),
    _Flag("provider", str, "provider", "onnxruntime provider (cpu, cuda, ...).", "NAME", DETECTION),
    _Flag(
        "precision", Precision, "precision", "auto: int8 on a CPU, else fp32.", "auto|int8|fp32", DETECTION
    ),
    _Flag("threads", int, "threads", "Inference threads (default: the cores available).", "N", DETECTION),
    _Flag("threshold", float, "threshold", "Detector confidence at which a box is a face.", "0-1", DETECTION),
    _Flag(
        "detect-size",
        int,
        "detect_long_side",
        "Longest side frames are resized to for detection.",
        "PIXELS",
        DETECTION,
    ),
    _Flag(
        "detect-every",
        float,
        "detect_every_s",
        "Time between detections (0: every frame).",
        "SECONDS",
        DETECTION,
    ),
    _Flag("regions", RegionMode, "regions", "Detect on moving regions natively.", "auto|on|off", DETECTION),
    _Flag(
        "sweep-every",
        int,
        "sweep_every",
        "On a moving camera or a crowd, tile the whole frame on every n-th detection (1: all).",
        "N",
        DETECTION,
    ),
    _Flag(
        "mask-text",
        bool,
        "mask_text",
        "Also mask readable text: number plates, badges, screens (letters 8 px tall or more).",
        "",
        MASKS,
        switch=True,
    ),
    _Flag("method", MaskMethod, "style.method", "How faces are masked.", "blur|pixelate|fill", MASKS),
    _Flag("shape", MaskShape, "style.shape", "Mask outline.", "ellipse|box", MASKS),
    _Flag("mask-scale", float, "style.scale", "Mask size relative to the face box (head).", "FACTOR", MASKS),
    _Flag("lookahead", float, "lookahead_s", "Time masked before a face is first seen.", "SECONDS", MASKS),
    _Flag("trail", float, "trail_s", "Time masked after a face is last detected.", "SECONDS", MASKS),
    _Flag(
        "lost-track",
        float,
        "lost_track_s",
        "Time a track may go undetected and keep its id.",
        "SECONDS",
        MASKS,
    ),
    _Flag(
        "preset",
        Preset,
        "preset",
        "x264 preset: ultrafast, superfast, veryfast, faster, fast, medium, slow, slower or veryslow.",
        "PRESET",
        ENCODING,
    ),
    _Flag("crf", int, "crf", "x264 quality (lower is better).", "0-51", ENCODING),
    _Flag(
        "x264-params",
        str,
        "x264_params",
        "x264 options after the preset, k=v:k=v ('' for none).",
        "OPTIONS",
        ENCODING,
    ),
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
    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in own},
        **{p.name: p.annotation for p in added},
        "return": None,
    }
    return wrapper  # type: ignore[return-value]
