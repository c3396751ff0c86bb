"""A chunk's own frames out of the analysis of the chunk with its context: what the chunk renders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from cctvkit.redact.analysis import AnalysisSummary, AnalyzedFrame, ClipInfo, FrameSource

__all__ = ["CoreFrames"]


class CoreFrames:
    """A :class:`~cctvkit.redact.analysis.FrameSource` of the frames ``first <= index < end`` of
    ``analysis``, their track ids shifted by ``track_id_offset``.

    The frames around the range were decoded, detected and tracked (so a face seen just before
    or after keeps its trail and lookahead inside), but are not rendered. The summary lists the
    tracks that have frames in the range (by first and last frame), with shifted ids.
    """

    def __init__(
        self, analysis: FrameSource, frame_range: tuple[int, int] | None, track_id_offset: int
    ) -> None:
        self._analysis = analysis
        self._range = frame_range
        self._offset = track_id_offset
        self._untracked = 0
        self.options = analysis.options
        expected = frame_range[1] - frame_range[0] if frame_range else analysis.clip.expected_frames
        self.clip: ClipInfo = replace(analysis.clip, expected_frames=expected)

    def __iter__(self) -> Iterator[AnalyzedFrame]:
        for analyzed in self._analysis:
            if self._range is not None and not self._range[0] <= analyzed.index < self._range[1]:
                continue
            boxes = analyzed.boxes
            ids = boxes.tracker_id
            self._untracked += int(np.count_nonzero((ids < 0) & (boxes.data["source"] == "detected")))
            if self._offset and len(ids):
                boxes.tracker_id = np.where(ids >= 0, ids + self._offset, ids)
            yield analyzed

    def summary(self) -> AnalysisSummary:
        summary = self._analysis.summary()
        first, end = self._range or (0, summary.frame_count)
        tracks = tuple(
            replace(t, track_id=t.track_id + self._offset)
            for t in summary.tracks
            if t.first_frame < end and t.last_frame >= first
        )
        return replace(summary, tracks=tracks, untracked_boxes=self._untracked)
