"""How masks look (method, shape, size, colour): plain settings, without the pixel code.

Apart from :mod:`cctvkit.redact.masking` so that the site config can check ``[redaction.style]``
without importing OpenCV (a cron purge loads the config and never masks a pixel).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MaskMethod", "MaskShape", "MaskStyle"]


class MaskMethod(StrEnum):
    """How masked pixels are replaced."""

    BLUR = "blur"
    """Averaged down to a few cells across the face, then smoothed: no detail survives."""
    PIXELATE = "pixelate"
    """Averaged down to a few cells across the face, shown as blocks."""
    FILL = "fill"
    """A solid colour."""


class MaskShape(StrEnum):
    """Outline of a face mask."""

    ELLIPSE = "ellipse"
    BOX = "box"


@dataclass(frozen=True, slots=True)
class MaskStyle:
    """How faces are masked.

    Attributes:
        method: blur, pixelate or fill.
        shape: ellipse or box.
        scale: the face box is enlarged this many times about its centre so that the mask covers
            the head (hair, ears, chin); an ellipse inscribed in the enlarged box still covers the
            whole face box from 1.42 up.
        cells: cells across a masked region for blur and pixelate. At most this many averages
            of each colour survive across a face, whatever its size, which is what makes the
            mask irreversible (a Gaussian blur alone keeps the information and can be partly
            undone). Lower is stronger.
        fill_rgb: the colour for ``fill``.
    """

    method: MaskMethod = MaskMethod.BLUR
    shape: MaskShape = MaskShape.ELLIPSE
    scale: float = 1.6
    cells: int = 6
    fill_rgb: tuple[int, int, int] = (32, 32, 32)
