"""The requester's region on the review page's preview (issue 26): followed once per decision, outlined.

In a requester-only review (``request review --serve --requester-only``) each preview frame is
masked as the release would mask it: faces, manual masks and zones first (the review page's usual
rendering), then everything outside the requester's region, coarsely
(:class:`~cctvkit.redact.outside_mask.OutsideMasker`). The region is worked out as the release
works it out (:func:`~cctvkit.redact.requester_region.follow_requester` over the stored analysis,
with the reviewer's region boxes over it, and the strangers held inside it,
:mod:`~cctvkit.redact.region_strangers`), once per version of the clip's decisions, and its
outline is drawn on the preview so that the reviewer sees what stays.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from contextlib import closing

import cv2
import numpy as np

from cctvkit.redact.analysis import StoredAnalysis, replay
from cctvkit.redact.outside_mask import OutsideMasker
from cctvkit.redact.region_strangers import held_strangers
from cctvkit.redact.requester_region import RegionFrames, follow_requester

__all__ = ["OUTLINE_RGB", "RegionPreview"]

OUTLINE_RGB = (0, 200, 83)
"""The region's outline on the preview (the release has none)."""


class RegionPreview:
    """One clip's requester's region for the preview, cached by the version of its decisions.

    Args:
        resolution_wh: the clip's frame (width, height).
    """

    def __init__(self, resolution_wh: tuple[int, int]) -> None:
        self.outside = OutsideMasker(resolution_wh)
        self._lock = threading.Lock()
        self._cached: tuple[int, RegionFrames] | None = None

    def region(
        self, analysis: StoredAnalysis, version: int, keep: Sequence[int], drawn: Mapping[int, np.ndarray]
    ) -> RegionFrames:
        """The region for decisions ``version``: ``keep``'s tracks followed, ``drawn`` laid over."""
        with self._lock:
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1]
            followed = RegionFrames({}, {})
            if keep:
                frames = iter(replay(analysis))
                with closing(frames):  # type: ignore[type-var]  # a generator: stop its decoding when done
                    followed = follow_requester(analysis, keep, frames)
            region = followed.with_drawn(drawn)
            region = region.with_held(held_strangers(analysis, keep, region))
            self._cached = (version, region)
            return region

    def apply(self, image: np.ndarray, boxes: np.ndarray | None) -> None:
        """Mask ``image`` (in place) outside ``boxes`` and outline them."""
        self.outside.apply(image, boxes)
        for x1, y1, x2, y2 in np.asarray(boxes if boxes is not None else (), np.float64).reshape(-1, 4):
            cv2.rectangle(image, (round(x1), round(y1)), (round(x2) - 1, round(y2) - 1), OUTLINE_RGB, 2)
