"""The face check of a rendered clip: a second model family checks the output, its findings are re-masked.

The loop (issue 17): render the clip, checking its frames for visible faces as they are handed to
the encoder (:class:`LiveCheck`, :class:`~cctvkit.redact.face_checker.FaceChecker`); each
finding's face is followed on the original frames around it and masked where it is on each
(:mod:`~cctvkit.redact.finding_tracks`; at most :attr:`FaceCheckOptions.reach_s` plus the
unchecked frames between checks each way), and the frames that changed are checked again as the
next render will write them (re-masked in memory from the stored analysis,
:func:`~cctvkit.redact.analysis.replay`: a decode, nothing detected again, nothing encoded), for
at most :attr:`FaceCheckOptions.rounds` rounds; then the clip is rendered again once. What is
still found after the last round is *remaining*: the report's ``face_check`` object names its
frames and boxes, and callers refuse to look finished (``cctvkit redact`` exits 9, ``request
process`` publishes nothing). Kept tracks' faces are never findings, so the subject stays visible.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import supervision as sv
from numpy.typing import ArrayLike

from cctvkit._worker import OrderedWorker
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

__all__ = ["LiveCheck", "Recorder", "kept_boxes", "scan", "source_images"]


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
    if not keep:
        return FrameBoxes()
    return FrameBoxes.of(
        (plan.index - first, xyxy)
        for plan in stored.frames
        if plan.index >= first
        for xyxy in _kept_xyxy(plan.xyxy, plan.tracker_id, plan.early, keep)
    )


def _kept_xyxy(xyxy: ArrayLike, tracker_id: ArrayLike, early: ArrayLike, keep: Collection[int]) -> np.ndarray:
    """The boxes (k, 4) of the kept tracks, but early ones (those stay masked, see ``render``)."""
    chosen = np.isin(np.asarray(tracker_id), list(keep)) & ~np.asarray(early, bool)
    return np.asarray(np.asarray(xyxy, np.float32).reshape(-1, 4)[chosen], np.float32)


class LiveCheck:
    """The face check's first look, on each checked frame as the first render hands it to the
    encoder, on a thread of its own (a :class:`~cctvkit.redact.render.FrameWatch`).

    Checking the written file after the render decoded the whole output again and left the
    second core idle while the render's detection waited on it; here the check runs beside the
    detection of later frames, on the very pixels the encoder gets (encoding only loses detail),
    and findings are judged against the input pixels copied before masking (no second decode of
    the input). Frames on the stride (every ``every``-th from 0) and the last are checked, as
    :func:`~cctvkit.redact.face_checker.frames_to_check` picks them; the last frame's input is
    copied from the expected count on, and should the clip end sooner its findings are not judged
    (so they block).

    Args:
        checker: the loaded checker (reset here: the first frame is checked whole).
        every: the stride.
        expected: output frames expected.
        keep: track ids kept visible, as the rendered plans number them.
    """

    def __init__(self, checker: FaceChecker, every: int, expected: int, keep: Collection[int]) -> None:
        self.checker = checker
        checker.reset()
        self.every, self.expected, self.keep = max(1, every), expected, frozenset(int(t) for t in keep)
        self.findings: list[Finding] = []
        self.checked: list[int] = []
        self.elapsed_s = 0.0
        """Time spent checking (on the check's thread)."""
        self._held: _Seen | None = None  # the latest frame off the stride: the last, if it ends here
        self._worker: OrderedWorker[_Seen] = OrderedWorker(self._check, capacity=2, name="face-check")

    def wants_original(self, number: int) -> bool:
        return number % self.every == 0 or number >= self.expected - 1

    def see(
        self,
        number: int,
        image: np.ndarray,
        original: np.ndarray | None,
        masked: np.ndarray,
        plan: sv.Detections,
    ) -> None:
        seen = _Seen(number, image, original, masked, plan)
        if number % self.every == 0:
            self._held = None
            self._worker.put(seen)
        else:
            self._held = seen

    def close(self) -> tuple[list[Finding], int]:
        """Check the last frame if it was off the stride, wait for the thread; (findings, frames checked).

        Raises:
            Whatever a check raised.
        """
        try:
            if self._held is not None:
                self._worker.put(self._held)
        finally:
            self._worker.stop()
        self._worker.raise_error()
        return self.findings, len(self.checked)

    def stop(self) -> None:
        """End the thread after what is queued (the render failed: nothing is reported)."""
        self._worker.stop()

    def _check(self, seen: _Seen) -> None:
        started = time.perf_counter()
        self.checked.append(seen.number)
        plan, kept = seen.plan, np.empty((0, 4), np.float32)
        if self.keep and plan.tracker_id is not None:
            kept = _kept_xyxy(plan.xyxy, plan.tracker_id, plan.data["early"], self.keep)
        boxes = RenderedBoxes(seen.masked, kept)
        self.findings += self.checker.check(seen.number, seen.image, boxes, seen.original)
        self.elapsed_s += time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class _Seen:
    number: int
    image: np.ndarray
    original: np.ndarray | None
    masked: np.ndarray
    plan: sv.Detections


def scan(
    images: Iterable[tuple[int, np.ndarray]],
    frames: list[int],
    masked: Mapping[int, np.ndarray],
    kept: Mapping[int, np.ndarray],
    checker: FaceChecker,
    originals: Iterable[np.ndarray] | None = None,
    areas: Mapping[int, np.ndarray] | None = None,
) -> list[Finding]:
    """Check the listed frames of a round's output (its first look is :class:`LiveCheck`'s).

    Args:
        images: (frame, image) in order, the frames as the next render will write them (a
            round's re-masked frames, judged before the one re-render after the last round).
        originals: the input frames the output was rendered from, in output order, taken only
            as far as a finding needs one: findings are then judged against them (see
            :meth:`FaceChecker.check`).
        areas: per frame, the only areas to check (a re-check after a re-mask: only what the
            re-mask changed); None: each frame as :class:`FaceChecker` chooses.
    """
    wanted = set(frames)
    found: list[Finding] = []
    if not wanted:
        return found
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

    try:
        for index, image in images:
            if index in wanted:
                boxes = RenderedBoxes(masked.get(index, empty), kept.get(index, empty))
                only = areas.get(index, empty) if areas is not None else None
                original = partial(original_at, index) if sources is not None else None
                found.extend(checker.check(index, image, boxes, original, only))
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
