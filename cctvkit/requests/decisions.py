"""Review decisions on a request's clips: kept tracks and manual masks, stored and audited (13.9.1).

Made on the review page (``request review --serve``) and read by ``request process``, so a release
needs no ``--keep-track`` (the flag still overrides a clip's kept tracks). Each decision is made
against a clip of the current clip plan; if the plan changes (new restriction, purge) the
decisions no longer name the same frames and ``process`` refuses them until the clip is reviewed
again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cctvkit.audit import write_audit
from cctvkit.catalog import finding_decisions as fdq
from cctvkit.catalog import review_decisions as rdq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.finding_decisions import AcceptedFace, TextLineDecision
from cctvkit.catalog.review_decisions import ManualMask, TrackDecision
from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.redact.boxes import FrameBoxes
from cctvkit.requests.clips import PlannedClip

__all__ = [
    "ClipDecisions",
    "ClipRef",
    "DrawnMask",
    "add_mask",
    "check_reason",
    "clip_decisions",
    "clip_ref",
    "edit_mask_span",
    "load_decisions",
    "record_approval",
    "remove_mask",
    "set_track_keep",
]

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ClipRef:
    """Which clip a decision is about: its number and what it was when decided."""

    number: int
    camera_id: str
    start_utc: datetime


def clip_ref(clip: PlannedClip) -> ClipRef:
    """The reference of a planned clip (its first source span's start identifies it)."""
    return ClipRef(clip.number, clip.camera_id, clip.spans[0].start_utc)


@dataclass(frozen=True, slots=True)
class ClipDecisions:
    """What the review decided for one clip.

    Attributes:
        keep_tracks: track ids left visible.
        decided_tracks: every track with a decision (kept or masked), with its reason.
        masks: live manual masks.
        accepted: faces the face check still saw, accepted on the page (issue 25).
        text_lines: every line of text with a decision (kept readable or masked), by its id
            (issue 29).
    """

    keep_tracks: frozenset[int] = frozenset()
    decided_tracks: Mapping[int, TrackDecision] = field(default_factory=dict)
    masks: tuple[ManualMask, ...] = ()
    accepted: tuple[AcceptedFace, ...] = ()
    text_lines: Mapping[int, TextLineDecision] = field(default_factory=dict)

    @property
    def keep_text_lines(self) -> frozenset[int]:
        """The lines of text left readable."""
        return frozenset(line for line, d in self.text_lines.items() if d.keep)

    def extra_boxes(self) -> FrameBoxes:
        """Per frame, the manual masks' boxes within their spans (the render's manual masks)."""
        return FrameBoxes.of(
            (frame, box)
            for mask in self.masks
            if mask.kind == "mask"
            for frame, box in mask.boxes_in_span().items()
        )

    def region_boxes(self) -> FrameBoxes:
        """Per frame, the requester's region as the reviewer drew it, within the boxes' spans
        (a requester-only release uses them instead of the followed region there, issue 26)."""
        return FrameBoxes.of(
            (frame, box)
            for mask in self.masks
            if mask.kind == "region"
            for frame, box in mask.boxes_in_span().items()
        )


def check_reason(reason: str) -> str:
    """The reason stripped.

    Raises:
        UsageError: blank, or over 500 characters.
    """
    reason = reason.strip()
    if not reason:
        raise UsageError("a review decision needs a reason")
    if len(reason) > 500:
        raise UsageError("the reason is longer than 500 characters")
    return reason


def set_track_keep(
    catalog: Catalog,
    request_id: str,
    clip: ClipRef,
    track_id: int,
    *,
    keep: bool,
    reason: str,
    actor: str,
    now: datetime | None = None,
) -> TrackDecision:
    """Record that a track stays visible (``keep``) or is masked, with the reason; audited."""
    now = now or datetime.now(UTC)
    decision = TrackDecision(
        request_id,
        clip.number,
        int(track_id),
        clip.camera_id,
        clip.start_utc,
        keep,
        check_reason(reason),
        actor,
        now,
    )
    with catalog.write() as conn:
        rdq.set_track_decision(conn, decision)
        write_audit(
            conn,
            actor=actor,
            action="review.track",
            object_kind="request",
            object_id=request_id,
            camera_id=clip.camera_id,
            details={"clip": clip.number, "track": int(track_id), "keep": keep, "reason": decision.reason},
            now=now,
        )
    log.info("review.track %s clip %d track %d keep=%s", request_id, clip.number, track_id, keep)
    return decision


@dataclass(frozen=True, slots=True)
class DrawnMask:
    """A box a reviewer drew over a missed face and the boxes it was followed to.

    Attributes:
        anchor_frame: the frame it was drawn on.
        anchor_xyxy: the box drawn, pixels.
        boxes: per frame, the box followed there.
        first_frame: first frame masked.
        last_frame: last frame masked (inclusive).
        kind: ``mask``, or ``region``: a box of the requester's region (requester-only, issue 26).
    """

    anchor_frame: int
    anchor_xyxy: Box
    boxes: Mapping[int, Box]
    first_frame: int
    last_frame: int
    kind: str = "mask"

    @classmethod
    def followed(cls, anchor_frame: int, boxes: Mapping[int, Box], kind: str = "mask") -> DrawnMask:
        """Applied over every frame it was followed to."""
        return cls(anchor_frame, boxes[anchor_frame], boxes, min(boxes), max(boxes), kind)


def add_mask(
    catalog: Catalog,
    request_id: str,
    clip: ClipRef,
    drawn: DrawnMask,
    *,
    reason: str,
    actor: str,
    now: datetime | None = None,
    source: Mapping[str, object] | None = None,
) -> ManualMask:
    """Store a manual mask (a drawn box and its tracked boxes) and audit it; ``source`` says
    where its boxes came from when not drawn (the face check's findings, issue 25).

    Raises:
        UsageError: empty reason, or a span that does not contain the drawn frame.
    """
    now = now or datetime.now(UTC)
    reason = check_reason(reason)
    anchor_frame, first_frame, last_frame = drawn.anchor_frame, drawn.first_frame, drawn.last_frame
    if not first_frame <= anchor_frame <= last_frame:
        raise UsageError(f"span {first_frame}-{last_frame} does not contain the drawn frame {anchor_frame}")
    with catalog.write() as conn:
        mask_id = rdq.insert_mask(
            conn,
            request_id=request_id,
            clip_number=clip.number,
            camera_id=clip.camera_id,
            clip_start_utc=clip.start_utc,
            anchor_frame=anchor_frame,
            anchor_xyxy=drawn.anchor_xyxy,
            first_frame=first_frame,
            last_frame=last_frame,
            boxes=dict(drawn.boxes),
            reason=reason,
            by=actor,
            now=now,
            kind=drawn.kind,
        )
        write_audit(
            conn,
            actor=actor,
            action="review.mask.add",
            object_kind="request",
            object_id=request_id,
            camera_id=clip.camera_id,
            details={
                "clip": clip.number,
                "mask": mask_id,
                "frame": anchor_frame,
                "xyxy": [round(float(v), 1) for v in drawn.anchor_xyxy],
                "span": [first_frame, last_frame],
                "reason": reason,
                **({"kind": drawn.kind} if drawn.kind != "mask" else {}),
                **({"from": dict(source)} if source else {}),
            },
            now=now,
        )
        mask = rdq.get_mask(conn, request_id, mask_id)
    assert mask is not None
    return mask


def edit_mask_span(
    catalog: Catalog,
    request_id: str,
    mask_id: int,
    *,
    first_frame: int,
    last_frame: int,
    frame_count: int,
    actor: str,
    now: datetime | None = None,
) -> ManualMask:
    """Change the frames a manual mask applies to; audited.

    Raises:
        NotFoundError: no such live mask on this request.
        UsageError: the span is empty or outside the clip.
    """
    now = now or datetime.now(UTC)
    if not 0 <= first_frame <= last_frame < frame_count:
        raise UsageError(f"span {first_frame}-{last_frame}: needs 0 <= first <= last < {frame_count}")
    with catalog.write() as conn:
        before = rdq.get_mask(conn, request_id, mask_id)
        if before is None:
            raise NotFoundError(f"request {request_id} has no mask {mask_id}")
        rdq.update_mask_span(conn, mask_id, first_frame=first_frame, last_frame=last_frame, by=actor, now=now)
        write_audit(
            conn,
            actor=actor,
            action="review.mask.edit",
            object_kind="request",
            object_id=request_id,
            camera_id=before.camera_id,
            details={
                "clip": before.clip_number,
                "mask": mask_id,
                "span_before": [before.first_frame, before.last_frame],
                "span": [first_frame, last_frame],
            },
            now=now,
        )
        after = rdq.get_mask(conn, request_id, mask_id)
    assert after is not None
    return after


def remove_mask(
    catalog: Catalog, request_id: str, mask_id: int, *, actor: str, now: datetime | None = None
) -> None:
    """Stop applying a manual mask (the row and its history stay); audited.

    Raises:
        NotFoundError: no such live mask on this request.
    """
    now = now or datetime.now(UTC)
    with catalog.write() as conn:
        mask = rdq.get_mask(conn, request_id, mask_id)
        if mask is None:
            raise NotFoundError(f"request {request_id} has no mask {mask_id}")
        rdq.delete_mask(conn, mask_id, by=actor, now=now)
        write_audit(
            conn,
            actor=actor,
            action="review.mask.delete",
            object_kind="request",
            object_id=request_id,
            camera_id=mask.camera_id,
            details={"clip": mask.clip_number, "mask": mask_id},
            now=now,
        )


def record_approval(
    catalog: Catalog, request_id: str, *, actor: str, details: dict[str, object], now: datetime | None = None
) -> None:
    """Record who approved the reviewed release (before ``process`` runs); audited."""
    with catalog.write() as conn:
        write_audit(
            conn,
            actor=actor,
            action="review.approve",
            object_kind="request",
            object_id=request_id,
            details=details,
            now=now or datetime.now(UTC),
        )


def clip_decisions(catalog: Catalog, request_id: str, clip_number: int) -> ClipDecisions:
    """The decisions recorded on one clip number, without checking the clip plan (the review page)."""
    with catalog.read() as conn:
        tracks = [t for t in rdq.list_track_decisions(conn, request_id) if t.clip_number == clip_number]
        masks = [m for m in rdq.list_masks(conn, request_id) if m.clip_number == clip_number]
        accepted = [a for a in fdq.list_accepted(conn, request_id) if a.clip_number == clip_number]
        text = {
            d.line_id: d for d in fdq.list_text_decisions(conn, request_id) if d.clip_number == clip_number
        }
    decided = {t.track_id: t for t in tracks}
    return ClipDecisions(
        frozenset(t for t, d in decided.items() if d.keep), decided, tuple(masks), tuple(accepted), text
    )


def load_decisions(
    catalog: Catalog, request_id: str, clips: Sequence[PlannedClip]
) -> dict[int, ClipDecisions]:
    """The review decisions of each clip of the current plan.

    Raises:
        ConflictError: a decision was made on a clip that is no longer the same (other camera or
            start): the plan changed since the review, so its track ids and frames may not hold.
    """
    refs = {c.number: clip_ref(c) for c in clips}
    with catalog.read() as conn:
        tracks = rdq.list_track_decisions(conn, request_id)
        masks = rdq.list_masks(conn, request_id)
        accepted = fdq.list_accepted(conn, request_id)
        text = fdq.list_text_decisions(conn, request_id)
    for item in [*tracks, *masks, *accepted, *text]:
        ref = refs.get(item.clip_number)
        if ref is None or (ref.camera_id, ref.start_utc) != (item.camera_id, item.clip_start_utc):
            raise ConflictError(
                f"request {request_id}: review decisions on clip {item.clip_number} were made on a clip "
                f"that has changed since; review it again (`cctvkit request review {request_id} --serve`)"
            )
    out = {}
    for number in refs:
        decided = {t.track_id: t for t in tracks if t.clip_number == number}
        out[number] = ClipDecisions(
            frozenset(t for t, d in decided.items() if d.keep),
            decided,
            tuple(m for m in masks if m.clip_number == number),
            tuple(a for a in accepted if a.clip_number == number),
            {d.line_id: d for d in text if d.clip_number == number},
        )
    return out
