"""Find the footage of a request: per window and camera, the recordings that cover it and the gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cctvkit.catalog import recordings as rq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.records import Recording
from cctvkit.catalog.request_records import Request, RequestWindow
from cctvkit.retention.restrictions import restricted_recordings
from cctvkit.states import FOOTAGE_STATES, RecordingState

__all__ = ["WITHHELD_REASONS", "CameraCoverage", "Gap", "SourceSpan", "find_coverage"]

WITHHELD_REASONS = frozenset({"restricted"})
"""Gap reasons where footage exists but is not released (the others: there is nothing to release)."""

DEFAULT_FPS = 25.0
"""Frame rate assumed for the join tolerance when the catalog has none."""


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """The part of one recording a clip uses.

    Attributes:
        recording: the catalog's record of the source file.
        start_utc: first instant used (inclusive).
        end_utc: end of the part used (exclusive).
    """

    recording: Recording
    start_utc: datetime
    end_utc: datetime

    @property
    def start_s(self) -> float:
        """Offset of the span's start from the file's start, seconds."""
        assert self.recording.start_utc is not None
        return (self.start_utc - self.recording.start_utc).total_seconds()

    @property
    def end_s(self) -> float:
        """Offset of the span's end from the file's start, seconds."""
        assert self.recording.start_utc is not None
        return (self.end_utc - self.recording.start_utc).total_seconds()

    @property
    def duration_s(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds()

    @property
    def fps(self) -> float:
        return self.recording.fps or DEFAULT_FPS


@dataclass(frozen=True, slots=True)
class Gap:
    """Part of a window with nothing to release, and why.

    Attributes:
        start_utc: start of the gap.
        end_utc: end of the gap.
        reason: ``no footage``, ``purged``, ``missing``, ``quarantined`` or ``restricted`` (a still
            that cannot be released is a gap of zero length at its instant).
        detail: a sentence for people (which recording, which restriction).
        recording_id: the recording concerned, if any.
    """

    start_utc: datetime
    end_utc: datetime
    reason: str
    detail: str
    recording_id: int | None = None


@dataclass(frozen=True, slots=True)
class CameraCoverage:
    """One camera's footage for one window.

    Attributes:
        window: the request window.
        camera_id: the camera.
        runs: contiguous stretches of releasable footage; each becomes one clip, its spans
            concatenated in order.
        gaps: what is not released and why (missing footage, purged, restricted...).
        stills: the releasable stills (snapshots) whose instant lies in the window, in time
            order (policy 12.6: they are released like footage, each as one picture).
    """

    window: RequestWindow
    camera_id: str
    runs: tuple[tuple[SourceSpan, ...], ...]
    gaps: tuple[Gap, ...]
    stills: tuple[Recording, ...] = ()

    @property
    def seconds(self) -> float:
        return sum(s.duration_s for run in self.runs for s in run)

    @property
    def frames(self) -> int:
        return sum(round(s.duration_s * s.fps) for run in self.runs for s in run)

    @property
    def recording_ids(self) -> list[int]:
        return [s.recording.id for run in self.runs for s in run] + [r.id for r in self.stills]


def _unavailable(rec: Recording, restricted: dict[int, int]) -> tuple[str, str] | None:
    """Why a recording cannot be used, or None if it can."""
    if rec.state not in FOOTAGE_STATES:
        detail = {
            RecordingState.PURGED: "purged under the retention rule",
            RecordingState.MISSING: "file missing from the archive",
            RecordingState.QUARANTINED: f"unreadable or undated ({rec.state_reason or 'quarantined'})",
        }.get(rec.state, rec.state)
        return rec.state, f"recording #{rec.id} {detail}"
    if rec.id in restricted:
        return "restricted", (
            f"recording #{rec.id} is under restriction #{restricted[rec.id]} (13.2.2): never released"
        )
    return None


def _camera_coverage(
    window: RequestWindow, camera_id: str, recs: list[Recording], restricted: dict[int, int]
) -> CameraCoverage:
    videos = [r for r in recs if r.kind == "video" and r.start_utc is not None and r.end_utc is not None]
    gaps: list[Gap] = []
    stills: list[Recording] = []
    for still in sorted((r for r in recs if r.kind == "still" and r.start_utc is not None), key=_instant):
        why = _unavailable(still, restricted)
        if why is None:
            stills.append(still)
        else:
            assert still.start_utc is not None
            gaps.append(Gap(still.start_utc, still.start_utc, why[0], f"still: {why[1]}", still.id))
    fps = next((r.fps for r in videos if r.fps), DEFAULT_FPS)
    # Spans closer than a frame are one stretch: timestamps are rounded to the time base.
    join = timedelta(seconds=1.0 / fps)
    runs: list[tuple[SourceSpan, ...]] = []
    current: list[SourceSpan] = []
    cursor = window.start_utc

    def close_run() -> None:
        if current:
            runs.append(tuple(current))
            current.clear()

    for rec in sorted(videos, key=lambda r: (r.start_utc, r.id)):
        assert rec.start_utc is not None and rec.end_utc is not None
        start, end = max(rec.start_utc, window.start_utc, cursor), min(rec.end_utc, window.end_utc)
        if end - start < join / 2:
            continue  # already covered by an overlapping recording, or a sliver
        if start - cursor >= join:
            gaps.append(Gap(cursor, start, "no footage", "no recording covers this time"))
            close_run()
        why = _unavailable(rec, restricted)
        if why is not None:
            gaps.append(Gap(start, end, why[0], why[1], rec.id))
            close_run()
        else:
            current.append(SourceSpan(rec, start, end))
        cursor = max(cursor, end)
    close_run()
    if window.end_utc - cursor >= join:
        gaps.append(Gap(cursor, window.end_utc, "no footage", "no recording covers this time"))
    gaps.sort(key=lambda g: (g.start_utc, g.reason))
    return CameraCoverage(window, camera_id, tuple(runs), tuple(gaps), tuple(stills))


def _instant(rec: Recording) -> tuple[datetime, int]:
    assert rec.start_utc is not None
    return rec.start_utc, rec.id


def find_coverage(catalog: Catalog, request: Request) -> list[CameraCoverage]:
    """For each window and each of its cameras: the spans of recordings to cut, and the gaps.

    Recordings that are purged, missing, quarantined or restricted (13.2.2) appear as gaps with
    their reason, never as footage, so a release names what it withheld. Stills in the window
    come apart from the runs (each is released as one picture).
    """
    out = []
    with catalog.read() as conn:
        per_window = []
        for window in request.windows:
            for camera_id in window.camera_ids:
                recs = rq.list_recordings(
                    conn, camera_ids=[camera_id], start_utc=window.start_utc, end_utc=window.end_utc
                )
                per_window.append((window, camera_id, recs))
    all_ids = [r.id for _w, _c, recs in per_window for r in recs]
    restricted = restricted_recordings(catalog, all_ids) if all_ids else {}
    for window, camera_id, recs in per_window:
        out.append(_camera_coverage(window, camera_id, recs, restricted))
    return out
