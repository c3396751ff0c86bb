"""A camera's text masking (issue 29): ``mask_text`` and ``text_regions`` in its ``[[cameras]]`` entry."""

from __future__ import annotations

from dataclasses import replace

from cctvkit.config import CameraConfig
from cctvkit.redact.options import RedactOptions

__all__ = ["for_camera"]


def for_camera(options: RedactOptions, camera: CameraConfig | None) -> RedactOptions:
    """The run's options for one camera's footage.

    A camera with ``mask_text = true`` has its text masked whatever the run says (the site decided
    that its footage identifies people by their plates); unset or ``false``, the run decides (the
    site's ``[redaction] mask_text``, then ``--mask-text``). ``text_regions`` scope the masks to
    the camera's drawn polygons.
    """
    if camera is None:
        return options
    mask_text = options.mask_text or bool(camera.mask_text)
    regions = tuple(tuple((float(x), float(y)) for x, y in region) for region in camera.text_regions)
    if mask_text == options.mask_text and regions == options.text_regions:
        return options
    return replace(options, mask_text=mask_text, text_regions=regions or options.text_regions)
