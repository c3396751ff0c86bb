"""A requester-only release of a clip (issue 26): its region worked out once, and what the report says of it.

:func:`resolve_region` follows the kept tracks' bodies over the stored analysis (one more decode:
:func:`~cctvkit.redact.requester_region.follow_requester`) unless the spec carries a stored
region, and lays an operator's drawn boxes over it; the render then masks everything outside it
(:mod:`cctvkit.redact.outside_mask`). :func:`region_summary` is the report's ``requester_only``
object: the region's frames by source and spans, and the face check's findings outside the
region: the face check runs on the output as always, and a face it sees outside the region is a
defect of the mask (everything there is masked), never a judgement call (policy 13.9.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import replace
from typing import Any

from cctvkit.redact.analysis import StoredAnalysis, replay
from cctvkit.redact.face_check import Finding
from cctvkit.redact.outside_mask import outside_cell_px
from cctvkit.redact.region_strangers import held_strangers
from cctvkit.redact.requester_region import RegionFrames, follow_requester
from cctvkit.redact.spec import MaskSpec

__all__ = ["outside_findings", "region_line", "region_summary", "resolve_region"]


def resolve_region(spec: MaskSpec, stored: StoredAnalysis, track_id_offset: int = 0) -> MaskSpec:
    """The spec with its requester's region worked out (a stored one is kept as it is).

    Args:
        spec: a requester-only spec (``requester_only`` set) with the requester's kept tracks.
        stored: the clip's analysis.
        track_id_offset: what the kept ids were shifted by (a chunk's id block).

    Returns:
        The spec whose ``requester_only.resolved`` is the region, drawn boxes laid over it.
    """
    requester = spec.requester_only
    if requester is None:
        return spec
    region = requester.resolved
    if region is None:
        keep = [t - track_id_offset for t in spec.keep_tracks if t >= track_id_offset]
        frames = iter(replay(stored))
        with closing(frames):  # type: ignore[type-var]  # a generator: stop its decoding when done
            region = follow_requester(stored, keep, frames)
    drawn = {int(i): b for i, b in (requester.drawn or {}).items()}
    region = region.with_drawn(drawn)
    keep = [t - track_id_offset for t in spec.keep_tracks if t >= track_id_offset]
    region = region.with_held(held_strangers(stored, keep, region))
    return replace(spec, requester_only=replace(requester, resolved=region))


def outside_findings(region: RegionFrames, findings: Sequence[Finding], first: int = 0) -> list[Finding]:
    """The findings whose centre lies outside the region (output frame ``f`` is analysed ``f + first``)."""
    return [f for f in findings if not region.contains(f.frame + first, f.xyxy)]


def region_summary(
    spec: MaskSpec,
    findings: Sequence[Finding],
    resolution_wh: tuple[int, int],
    first: int = 0,
    remaining: Sequence[Finding] = (),
) -> dict[str, Any]:
    """The report's ``requester_only`` object.

    Args:
        spec: the resolved requester-only spec.
        findings: every face check finding, all rounds (output frames).
        resolution_wh: the frames' (width, height).
        first: the analysed index of output frame 0.
        remaining: the findings still seen after the face check's last round.

    Returns:
        ``frames`` with a region, how many from a ``face``, ``tracked`` and ``drawn``, the
        ``spans`` (analysed frames, inclusive), the cell size outside, and the face check's
        ``findings_outside_region`` (defects of the mask: each named by frame and box) and how
        many of them remain (``remaining_outside_region``: a release may not accept those).
    """
    requester = spec.requester_only
    if requester is None or requester.resolved is None:
        raise ValueError("not a resolved requester-only spec")
    region = requester.resolved
    outside = outside_findings(region, findings, first)
    return {
        **region.summary(),
        "outside_cell_px": outside_cell_px(resolution_wh),
        "findings_outside_region": len(outside),
        "outside_region": [f.to_dict() for f in outside],
        "remaining_outside_region": len(outside_findings(region, remaining, first)),
    }


def region_line(summary: Mapping[str, Any], frame_count: int) -> str:
    """One line of a requester-only release's region (its report's ``requester_only`` object)."""
    line = (
        f"requester-only: the requester's region on {summary['frames']} of {frame_count} frames "
        f"({summary['face']} from the face, {summary['tracked']} followed, {summary['drawn']} drawn); "
        f"everything else pixelated in {summary['outside_cell_px']} px cells"
    )
    if summary["findings_outside_region"]:
        line += (
            f"; the face check saw {summary['findings_outside_region']} face(s) outside it (a mask defect)"
        )
    return line
