"""What the review page shows and changes: a request's clips, tracks, people, decisions and previews.

A :class:`ReviewSession` is built once per ``request review --serve`` from the review run's
stored analyses (every frame's mask plan, :class:`~cctvkit.redact.analysis.StoredAnalysis`) of
the unredacted working clips. A preview frame is rendered on demand by replaying the analysis
(decoding only, never detecting) and masking what a release would mask given the current
decisions (:func:`~cctvkit.redact.render.mask_frame`, the render's own rule), the manual masks
and the privacy zones, with the release's :class:`~cctvkit.redact.masking.Masker`. A decision
therefore re-renders only the frames of the clip it touched, as they are next viewed.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cctvkit.catalog import finding_decisions as fdq
from cctvkit.catalog import review_decisions as rdq
from cctvkit.catalog.db import Catalog
from cctvkit.config import SiteConfig
from cctvkit.errors import NotFoundError, UsageError
from cctvkit.redact import FaceDetector, RedactOptions
from cctvkit.redact.analysis import AnalyzedFrame, StoredAnalysis, replay
from cctvkit.redact.manual import track_drawn_box
from cctvkit.redact.masking import Masker, head_boxes
from cctvkit.redact.options import FaceCheckOptions
from cctvkit.redact.region_strangers import with_held
from cctvkit.redact.render import mask_frame
from cctvkit.redact.report import TrackSummary
from cctvkit.redact.zones import rasterize_zones
from cctvkit.requests import decisions, face_findings, text_lines
from cctvkit.requests.decisions import ClipRef
from cctvkit.requests.lifecycle import get_request
from cctvkit.requests.region_preview import RegionPreview
from cctvkit.requests.review import ReviewSheet, review_request
from cctvkit.requests.run import plan_request
from cctvkit.requests.workspace import work_dir
from cctvkit.video import VideoReader

__all__ = ["ClipView", "ReviewSession", "open_review"]

log = logging.getLogger(__name__)

DECODE_BLOCK = 16
"""Frames decoded together when the page asks for one (sequential playback reads the next ones)."""

DECODED_BLOCKS = 3
"""Decoded blocks kept per clip (16 frames of 1080p are ~100 MB)."""

RENDERED_FRAMES = 400
"""Rendered preview JPEGs kept per clip."""

JPEG_QUALITY = 85


@dataclass(slots=True)
class ClipView:
    """One clip of the review: its working file, its stored analysis, its tracks and people."""

    ref: ClipRef
    path: Path
    fps: float
    frame_count: int
    width: int
    height: int
    analysis: StoredAnalysis
    tracks: dict[int, TrackSummary]
    people: list[list[int]]
    masker: Masker
    thumbnails: dict[int, bytes] = field(default_factory=dict)
    region: RegionPreview | None = None
    text: dict[int, text_lines.TextLine] = field(default_factory=dict)
    text_thumbnails: dict[int, bytes] = field(default_factory=dict)
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    decoded: OrderedDict[int, list[AnalyzedFrame]] = field(default_factory=OrderedDict)
    rendered: OrderedDict[tuple[int, int], bytes] = field(default_factory=OrderedDict)

    @property
    def number(self) -> int:
        return self.ref.number


class ReviewSession:
    """The review of one request, shared by the page's requests (thread-safe).

    Args:
        catalog: the catalog.
        config: the site.
        request_id: the request.
        actor: the operator who started the review (every decision is recorded under this name).
        options: the redaction options (the release uses the same).
        clips: the clips, by number.
        detector: the detector the review ran (the release uses the same).
        requester_only: preview and release requester-only (issue 26): the requester's region
            stays, everything else is masked; the reviewer may draw the region.
        face_check: the release's face check (its remaining findings are shown, issue 25).
    """

    def __init__(
        self,
        catalog: Catalog,
        config: SiteConfig,
        request_id: str,
        *,
        actor: str,
        options: RedactOptions,
        clips: Sequence[ClipView],
        detector: FaceDetector | None = None,
        requester_only: bool = False,
        face_check: FaceCheckOptions | None = None,
    ) -> None:
        self.requester_only = requester_only
        self.face_check = face_check or FaceCheckOptions()
        self._work: Path | None = None
        self.catalog = catalog
        self.config = config
        self.request_id = request_id
        self.actor = actor
        self.options = options
        self.detector = detector
        self.clips = {c.number: c for c in clips}

    # --- reading ---

    def clip(self, number: int) -> ClipView:
        found = self.clips.get(number)
        if found is None:
            raise NotFoundError(f"no clip {number}")
        return found

    def state(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-able values."""
        request = get_request(self.catalog, self.request_id)
        with self.catalog.read() as conn:
            tracks = rdq.list_track_decisions(conn, self.request_id)
            masks = rdq.list_masks(conn, self.request_id)
            accepted = fdq.list_accepted(conn, self.request_id)
            text_decided = fdq.list_text_decisions(conn, self.request_id)
        clips = []
        for clip in self.clips.values():
            decided = {t.track_id: t for t in tracks if t.clip_number == clip.number}
            clips.append(
                {
                    "number": clip.number,
                    "camera_id": clip.ref.camera_id,
                    "start_utc": clip.ref.start_utc.isoformat(),
                    "fps": clip.fps,
                    "frame_count": clip.frame_count,
                    "width": clip.width,
                    "height": clip.height,
                    "version": clip.version,
                    "tracks": [
                        {
                            "track_id": t.track_id,
                            "first_frame": t.first_frame,
                            "last_frame": t.last_frame,
                            "detected_frames": t.detected_frames,
                            "covered_frames": t.covered_frames,
                            "best_frame": t.best_frame,
                            "best_xyxy": list(t.best_xyxy),
                            "keep": bool(decided[t.track_id].keep) if t.track_id in decided else False,
                            "reason": decided[t.track_id].reason if t.track_id in decided else "",
                        }
                        for t in clip.tracks.values()
                    ],
                    "people": clip.people,
                    "masks": [
                        {
                            "id": m.id,
                            "anchor_frame": m.anchor_frame,
                            "anchor_xyxy": list(m.anchor_xyxy),
                            "first_frame": m.first_frame,
                            "last_frame": m.last_frame,
                            "tracked_first": min(m.boxes),
                            "tracked_last": max(m.boxes),
                            "reason": m.reason,
                            "by": m.created_by,
                            "kind": m.kind,
                        }
                        for m in masks
                        if m.clip_number == clip.number
                    ],
                    "text_lines": _text_view(
                        clip, {d.line_id: d for d in text_decided if d.clip_number == clip.number}
                    ),
                    "face_check": face_findings.attempt_view(
                        self._attempt(clip),
                        [m for m in masks if m.clip_number == clip.number],
                        [a for a in accepted if a.clip_number == clip.number],
                    ),
                }
            )
        return {
            "request": {
                "id": request.id,
                "kind": request.kind,
                "requester": request.requester,
                "due_on": request.due_on.isoformat(),
                "open": request.is_open,
            },
            "operator": self.actor,
            "requester_only": self.requester_only,
            "mask_text": self.options.mask_text,
            "clips": clips,
        }

    def thumbnail(self, number: int, track_id: int) -> bytes:
        """JPEG of a track's clearest sighting (unmasked: for the operator only)."""
        clip = self.clip(number)
        if track_id not in clip.thumbnails:
            raise NotFoundError(f"clip {number} has no track {track_id}")
        return clip.thumbnails[track_id]

    def frame_jpeg(self, number: int, index: int) -> bytes:
        """The redacted preview of one frame as the release would show it now, as JPEG."""
        clip = self.clip(number)
        if not 0 <= index < clip.frame_count:
            raise NotFoundError(f"clip {number} has no frame {index}")
        with clip.lock:
            key = (index, clip.version)
            cached = clip.rendered.get(key)
            if cached is not None:
                clip.rendered.move_to_end(key)
                return cached
            version = clip.version
        decided = decisions.clip_decisions(self.catalog, self.request_id, clip.number)
        keep, extra = decided.keep_tracks, decided.extra_boxes()
        keep_text = text_lines.frame_kept_text(clip.analysis.frames[index], decided.keep_text_lines)
        analyzed = self._analyzed(clip, index)
        image = analyzed.frame.image.copy()
        region = None
        if self.requester_only and clip.region is not None:
            region = clip.region.region(clip.analysis, version, sorted(keep), decided.region_boxes())
        mask_frame(
            clip.masker,
            image,
            with_held(analyzed.boxes, region.held if region else None, index),
            keep_tracks=sorted(keep),
            extra=extra.get(index),
            kept_face_wins=self.options.kept_face_wins,
            keep_text=keep_text,
        )
        if region is not None and clip.region is not None:
            clip.region.apply(image, region.boxes.get(index))
        data = _jpeg(image)
        with clip.lock:
            if version == clip.version:
                clip.rendered[(index, version)] = data
                while len(clip.rendered) > RENDERED_FRAMES:
                    clip.rendered.popitem(last=False)
        return data

    def _analyzed(self, clip: ClipView, index: int) -> AnalyzedFrame:
        """The frame and its stored plan, decoded in blocks (playback asks for the next ones)."""
        block = index // DECODE_BLOCK
        with clip.lock:
            frames = clip.decoded.get(block)
            if frames is not None:
                clip.decoded.move_to_end(block)
                return frames[index - block * DECODE_BLOCK]
        first = block * DECODE_BLOCK
        frames = list(replay(clip.analysis, frames=(first, min(first + DECODE_BLOCK, clip.frame_count) - 1)))
        with clip.lock:
            clip.decoded[block] = frames
            while len(clip.decoded) > DECODED_BLOCKS:
                clip.decoded.popitem(last=False)
        return frames[index - first]

    # --- deciding ---

    def set_keep(self, number: int, track_ids: Sequence[int], *, keep: bool, reason: str) -> None:
        """Keep (leave visible) or mask tracks of a clip, e.g. a whole person row."""
        clip = self.clip(number)
        unknown = sorted(set(track_ids) - set(clip.tracks))
        if unknown or not track_ids:
            raise UsageError(f"clip {number}: no track(s) {unknown or '(none given)'}")
        for track_id in track_ids:
            decisions.set_track_keep(
                self.catalog, self.request_id, clip.ref, track_id, keep=keep, reason=reason, actor=self.actor
            )
        self._touched(clip)

    def text_thumbnail(self, number: int, line_id: int) -> bytes:
        """JPEG of a line of text's widest sighting (unmasked: for the operator only)."""
        clip = self.clip(number)
        if line_id not in clip.text_thumbnails:
            raise NotFoundError(f"clip {number} has no line of text {line_id}")
        return clip.text_thumbnails[line_id]

    def set_text_keep(self, number: int, line_ids: Sequence[int], *, keep: bool, reason: str) -> None:
        """Keep lines of text readable (a shop sign) or mask them (issue 29)."""
        clip = self.clip(number)
        unknown = sorted(set(line_ids) - set(clip.text))
        if unknown or not line_ids:
            raise UsageError(f"clip {number}: no line(s) of text {unknown or '(none given)'}")
        for line_id in line_ids:
            text_lines.set_text_keep(
                self.catalog, self.request_id, clip.ref, line_id, keep=keep, reason=reason, actor=self.actor
            )
        self._touched(clip)

    def add_mask(
        self, number: int, frame: int, xyxy: Sequence[float], *, reason: str, kind: str = "mask"
    ) -> rdq.ManualMask:
        """Follow a drawn box through the clip and store it over the followed span: a manual mask,
        or (``kind="region"``, requester-only) a box of the requester's region."""
        clip = self.clip(number)
        if kind not in ("mask", "region"):
            raise UsageError(f"kind must be mask or region, not {kind[:20]!r}")
        if kind == "region" and not self.requester_only:
            raise UsageError("the requester's region is drawn in a requester-only review (--requester-only)")
        if not 0 <= frame < clip.frame_count:
            raise UsageError(f"clip {number} has no frame {frame}")
        if len(xyxy) != 4:
            raise UsageError("a box is [x1, y1, x2, y2]")
        boxes = track_drawn_box(clip.path, frame, [float(v) for v in xyxy], person=kind == "region")
        mask = decisions.add_mask(
            self.catalog,
            self.request_id,
            clip.ref,
            decisions.DrawnMask.followed(frame, boxes, kind),
            reason=reason,
            actor=self.actor,
        )
        self._touched(clip)
        return mask

    def edit_mask(self, number: int, mask_id: int, *, first_frame: int, last_frame: int) -> None:
        clip = self.clip(number)
        self._own_mask(clip, mask_id)
        decisions.edit_mask_span(
            self.catalog,
            self.request_id,
            mask_id,
            first_frame=first_frame,
            last_frame=last_frame,
            frame_count=clip.frame_count,
            actor=self.actor,
        )
        self._touched(clip)

    def remove_mask(self, number: int, mask_id: int) -> None:
        clip = self.clip(number)
        self._own_mask(clip, mask_id)
        decisions.remove_mask(self.catalog, self.request_id, mask_id, actor=self.actor)
        self._touched(clip)

    # --- the face check's remaining findings (issue 25) ---

    def _attempt(self, clip: ClipView) -> face_findings.CheckAttempt | None:
        if self._work is None:
            self._work = work_dir(self.config, self.request_id)  # where release runs write reports
        return face_findings.latest_attempt(self._work, clip.number, clip.frame_count)

    def finding_evidence(self, number: int, finding: int) -> bytes:
        """The evidence PNG (original beside output) of a finding of the clip's latest face check."""
        clip = self.clip(number)
        attempt = self._attempt(clip)
        if attempt is None:
            raise NotFoundError(f"clip {number} has not been checked yet")
        return attempt.evidence(finding).read_bytes()

    def mask_finding(self, number: int, face: int, *, attempt: str) -> rdq.ManualMask:
        """Mask a face the face check still saw, moving with it (a manual mask over its frames)."""
        clip = self.clip(number)
        checked = face_findings.check_attempt(self._attempt(clip), attempt)
        mask = face_findings.mask_face(
            self.catalog, self.request_id, clip.ref, checked, checked.face(face), actor=self.actor
        )
        self._touched(clip)
        return mask

    def accept_finding(self, number: int, face: int, *, attempt: str, reason: str) -> fdq.AcceptedFace:
        """Accept a face the face check still saw, with the reason (the next release accepts it)."""
        clip = self.clip(number)
        checked = face_findings.check_attempt(self._attempt(clip), attempt)
        face_seen = checked.blocking_face(face)
        return face_findings.accept_face(
            self.catalog, self.request_id, clip.ref, checked, face_seen, reason=reason, actor=self.actor
        )

    def withdraw_acceptance(self, number: int, accepted_id: int) -> None:
        clip = self.clip(number)
        with self.catalog.read() as conn:
            accepted = fdq.get_accepted(conn, self.request_id, accepted_id)
        if accepted is None or accepted.clip_number != clip.number:
            raise NotFoundError(f"clip {clip.number} has no accepted face {accepted_id}")
        face_findings.withdraw_acceptance(self.catalog, self.request_id, accepted_id, actor=self.actor)

    def _own_mask(self, clip: ClipView, mask_id: int) -> None:
        with self.catalog.read() as conn:
            mask = rdq.get_mask(conn, self.request_id, mask_id)
        if mask is None or mask.clip_number != clip.number:
            raise NotFoundError(f"clip {clip.number} has no mask {mask_id}")

    def _touched(self, clip: ClipView) -> None:
        # Only this clip's rendered frames are stale; other clips keep theirs.
        with clip.lock:
            clip.version += 1
            clip.rendered.clear()


def _text_view(clip: ClipView, decided: dict[int, fdq.TextLineDecision]) -> list[dict[str, Any]]:
    """The clip's lines of text as the page lists them (masked unless kept)."""
    return [
        {
            "line_id": line.line_id,
            "first_frame": line.first_frame,
            "last_frame": line.last_frame,
            "frames": line.frames,
            "best_frame": line.best_frame,
            "best_xyxy": [round(v, 1) for v in line.best_xyxy],
            "keep": bool(decided[line.line_id].keep) if line.line_id in decided else False,
            "reason": decided[line.line_id].reason if line.line_id in decided else "",
        }
        for line in clip.text.values()
    ]


def _jpeg(image_rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not ok:
        raise OSError("cannot encode a JPEG")
    return data.tobytes()


def _thumbnails(path: Path, tracks: Sequence[TrackSummary]) -> dict[int, bytes]:
    wanted: dict[int, list[TrackSummary]] = {}
    for track in tracks:
        wanted.setdefault(track.best_frame, []).append(track)
    out: dict[int, bytes] = {}
    if not wanted:
        return out
    with VideoReader(path) as reader:
        size = (reader.width, reader.height)
        for frame in reader.frames():
            for track in wanted.get(frame.index, []):
                x1, y1, x2, y2 = head_boxes(np.asarray([track.best_xyxy], np.float32), 1.4, size)[0]
                crop = frame.image[int(y1) : int(y2), int(x1) : int(x2)]
                if crop.size:
                    side = 96
                    scale = side / max(crop.shape[:2])
                    crop = cv2.resize(
                        crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
                    )
                    out[track.track_id] = _jpeg(crop)
            if frame.index >= max(wanted):
                break
    return out


def _people(path: Path, tracks: Sequence[TrackSummary]) -> list[list[int]]:
    """Tracks grouped by face identity when the ``faces`` extra is installed, else one per row."""
    from cctvkit.redact.identity.embedder import embedder_available

    if not tracks:
        return []
    if not embedder_available():
        return [[t.track_id] for t in tracks]
    from cctvkit.redact.identity.embedder import FaceEmbedder
    from cctvkit.redact.identity.group import group_tracks

    return group_tracks(path, tracks, FaceEmbedder())


def open_review(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    options: RedactOptions | None = None,
    detector: FaceDetector | None = None,
    progress: Callable[[int, int], None] | None = None,
    requester_only: bool = False,
    face_check: FaceCheckOptions | None = None,
) -> ReviewSession:
    """Run the review of a request (cut, detect, track) and prepare what the page shows.

    Raises:
        ConflictError, PolicyError, PermissionsError, LockedError, VideoError, ModelError: as
            :func:`~cctvkit.requests.review.review_request`.
    """
    options = options or config.redaction.options()
    plan = plan_request(catalog, request_id)
    sheets: list[ReviewSheet] = review_request(
        catalog,
        config,
        request_id,
        actor=actor,
        options=options,
        progress=progress,
        plan=plan,
        detector=detector,
    )
    refs = {c.number: decisions.clip_ref(c) for c in plan.clips}
    views = []
    for sheet in sheets:
        stored = StoredAnalysis.loads(sheet.analysis_path.read_text(encoding="utf-8"))
        info = stored.summary.clip
        path, width, height = Path(info.input_path), info.width, info.height
        camera = config.camera(sheet.camera_id)
        zones = camera.privacy_zones if camera else []
        lines = text_lines.text_lines(stored)  # issue 29: text as its own kind
        views.append(
            ClipView(
                ref=refs[sheet.number],
                path=path,
                fps=float(info.fps),
                frame_count=len(stored.frames),
                width=width,
                height=height,
                analysis=stored,
                tracks={t.track_id: t for t in sheet.tracks},
                people=_people(path, sheet.tracks),
                masker=Masker(options.style, (width, height), rasterize_zones(zones, (width, height))),
                thumbnails=_thumbnails(path, sheet.tracks),
                region=RegionPreview((width, height)) if requester_only else None,
                text=lines,
                text_thumbnails=text_lines.line_thumbnails(path, list(lines.values())),
            )
        )
    return ReviewSession(
        catalog,
        config,
        request_id,
        actor=actor,
        options=options,
        clips=views,
        detector=detector,
        requester_only=requester_only,
        face_check=face_check,
    )
