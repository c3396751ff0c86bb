"""The face check of a rendered clip: a second model family checks the output, its findings are re-masked.

The loop (issue 17): render the clip; check its decoded frames for visible faces
(:class:`~cctvkit.redact.face_checker.FaceChecker`); each finding's face is followed on the original
frames around it and masked where it is on each (:mod:`~cctvkit.redact.finding_tracks`; at most
:attr:`FaceCheckOptions.reach_s` plus the unchecked frames between checks each way), and the
frames that changed are checked again as the next render will write them (re-masked in memory
from the stored analysis, :func:`~cctvkit.redact.analysis.replay`: a decode, nothing detected
again, nothing encoded), for at most :attr:`FaceCheckOptions.rounds` rounds; then the clip is
rendered again once. What is still found after the last round is *remaining*: the
report's ``face_check`` object names its frames and boxes, and callers refuse to look finished
(``cctvkit redact`` exits 9, ``request process`` publishes nothing). Kept tracks' faces are never
findings, so the subject stays visible.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np

from cctvkit.redact.analysis import (
    AnalysisSummary,
    AnalyzedFrame,
    ClipInfo,
    FramePlan,
    FrameSource,
    StoredAnalysis,
)
from cctvkit.redact.boxes import FrameBoxes
from cctvkit.redact.face_checker import FaceChecker, Finding, RenderedBoxes
from cctvkit.redact.options import RedactOptions
from cctvkit.video import VideoReader

__all__ = ["Recorder", "kept_boxes", "scan", "source_images"]


class Recorder:
    """A frame source passed through unchanged, keeping each frame's plan for later replays."""

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self.plans: list[FramePlan] = []

    @property
    def clip(self) -> ClipInfo:
        return self._source.clip

    @property
    def options(self) -> RedactOptions:
        return self._source.options

    def __iter__(self) -> Iterator[AnalyzedFrame]:
        frames = iter(self._source)
        try:
            for analyzed in frames:
                self.plans.append(FramePlan.of(analyzed))
                yield analyzed
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def summary(self) -> AnalysisSummary:
        return self._source.summary()


def kept_boxes(stored: StoredAnalysis, keep: Sequence[int], first: int = 0) -> FrameBoxes:
    """Per output frame (analysed index less ``first``), the kept tracks' boxes (by analysed ids;
    not early ones: those stay masked, see ``render``)."""
    return FrameBoxes.of(
        (plan.index - first, xyxy)
        for plan in stored.frames
        if plan.index >= first and keep
        for xyxy, track, early in zip(plan.xyxy, plan.tracker_id, plan.early, strict=True)
        if track in keep and not early
    )


def scan(
    path: Path,
    frames: list[int],
    masked: Mapping[int, np.ndarray],
    kept: Mapping[int, np.ndarray],
    checker: FaceChecker,
    originals: Iterable[np.ndarray] | None = None,
    areas: Mapping[int, np.ndarray] | None = None,
    images: Iterable[tuple[int, np.ndarray]] | None = None,
) -> list[Finding]:
    """Check the listed frames of the rendered output (decoded from ``path``, or ``images``).

    Args:
        originals: the input frames the output was rendered from, in output order, taken only
            as far as a finding needs one: findings are then judged against them (see
            :meth:`FaceChecker.check`).
        areas: per frame, the only areas to check (a re-check after a re-mask: only what the
            re-mask changed); None: each frame as :class:`FaceChecker` chooses.
        images: (frame, image) in order, the listed frames as the next render will write them
            (a round's re-masked frames, judged before the one re-render after the last round);
            None: decoded from ``path``.
    """
    wanted = set(frames)
    found: list[Finding] = []
    if not wanted:
        return found
    last = max(wanted)
    empty = np.empty((0, 4), np.float32)
    sources = iter(originals) if originals is not None else None
    stepped = 0  # originals taken so far
    latest: np.ndarray | None = None

    def original_at(index: int) -> np.ndarray | None:
        """The input frame ``index``, decoded only when a finding needs judging: a clip whose
        checked frames show nothing is not decoded a second time."""
        nonlocal stepped, latest
        while sources is not None and stepped <= index:
            latest, stepped = next(sources, None), stepped + 1
        return latest

    def check(index: int, image: np.ndarray) -> None:
        boxes = RenderedBoxes(masked.get(index, empty), kept.get(index, empty))
        only = areas.get(index, empty) if areas is not None else None
        original = partial(original_at, index) if sources is not None else None
        found.extend(checker.check(index, image, boxes, original, only))

    try:
        if images is not None:
            for index, image in images:
                if index in wanted:
                    check(index, image)
        else:
            with VideoReader(path) as reader:
                for frame in reader.frames(only=wanted):  # the frames between only decoded
                    check(frame.index, frame.image)
                    if frame.index >= last:
                        break
    finally:
        close = getattr(sources, "close", None)
        if close is not None:
            close()  # the source's decoder, stopped early
    return found


def source_images(source: FrameSource) -> Generator[np.ndarray, None, None]:
    """The input frames of ``source`` (a replay), in output order, its decoder closed when done."""
    frames = iter(source)
    try:
        for analyzed in frames:
            yield analyzed.frame.image
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()
