"""Holds: keep footage past retention while another purpose needs it (policy 12.5), all audited."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from cctvkit.audit import write_audit
from cctvkit.cameras import cameras_watching, sync_cameras
from cctvkit.catalog import holds as hq
from cctvkit.catalog import leases as lq
from cctvkit.catalog.db import Catalog, Connection
from cctvkit.catalog.holds import Hold
from cctvkit.catalog.requests import get_request
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.requests.ids import validate_request_id

__all__ = [
    "Hold",
    "active_holds_covering",
    "insert_hold_in",
    "list_holds",
    "place_hold",
    "release_hold",
    "release_hold_in",
    "resolve_cameras",
]

log = logging.getLogger(__name__)


def resolve_cameras(
    config: SiteConfig, *, cameras: Sequence[str] = (), place: str | None = None
) -> list[str]:
    """Camera ids named directly or through a place (``area`` or ``site/area``, case-insensitive).

    Raises:
        UsageError: neither or both of cameras and place were given.
        NotFoundError: an unknown camera, or a place no camera watches.
    """
    if bool(cameras) == bool(place):
        raise UsageError("name the footage by --camera (repeatable) or by --place, not both")
    if cameras:
        for cam in cameras:
            if config.camera(cam) is None:
                known = ", ".join(c.id for c in config.cameras)
                raise NotFoundError(f"unknown camera {cam!r} (configured: {known})")
        return sorted(set(cameras))
    assert place is not None
    found = cameras_watching(place, config)
    if not found:
        places = ", ".join(sorted({f"{c.site}/{c.area}" for c in config.cameras}))
        raise NotFoundError(f"no camera watches place {place!r} (places: {places})")
    return sorted(found)


def _need(text: str | None, what: str) -> str:
    if not text or not text.strip():
        raise UsageError(f"a hold needs a {what}")
    return text.strip()


def place_hold(
    catalog: Catalog,
    config: SiteConfig,
    *,
    actor: str,
    from_utc: datetime,
    to_utc: datetime,
    reason: str,
    reference: str,
    cameras: Sequence[str] = (),
    place: str | None = None,
    ends_at: datetime | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
) -> Hold:
    """Place a hold on the footage of some cameras (or of a place) over ``[from_utc, to_utc]``.

    The request workflow calls this with ``request_id`` set when a request needs footage kept
    (open access request, police request, insurance claim).

    Args:
        catalog: the open catalog.
        config: the site config (cameras and places).
        actor: who places it (audited).
        from_utc: start of the footage range kept (tz-aware).
        to_utc: end of the footage range kept (tz-aware, after ``from_utc``).
        reason: why (the other processing purpose).
        reference: case number, request id, claim number.
        cameras: camera ids; or
        place: an area (``area`` or ``site/area``): every camera watching it now.
        ends_at: when the hold lapses by itself; ``None``: until released.
        request_id: the request that needs the footage, if any.
        now: current time (tests pass a fixed one).

    Returns:
        The hold as stored.

    Raises:
        UsageError: missing reason/reference, naive times, an empty range, an end in the past.
        NotFoundError: unknown camera or place, or no such request.
    """
    now = now or datetime.now(UTC)
    if request_id is not None:
        validate_request_id(request_id)
    reason, reference = _need(reason, "reason"), _need(reference, "reference (case number, request id)")
    for value, name in ((from_utc, "--from"), (to_utc, "--to"), (ends_at, "--until")):
        if value is not None and value.tzinfo is None:
            raise UsageError(f"{name} must carry a timezone")
    if to_utc <= from_utc:
        raise UsageError("the hold's footage range is empty: --to must be after --from")
    if ends_at is not None and ends_at <= now:
        raise UsageError("--until is in the past: the hold would never keep anything")
    camera_ids = resolve_cameras(config, cameras=cameras, place=place)
    sync_cameras(catalog, config, actor, now)  # holds reference camera rows
    with catalog.write() as conn:
        if request_id is not None and get_request(conn, request_id) is None:
            raise NotFoundError(f"no request {request_id}: a hold names an existing request or none")
        hold = insert_hold_in(
            conn,
            actor=actor,
            camera_ids=camera_ids,
            from_utc=from_utc,
            to_utc=to_utc,
            reason=reason,
            reference=reference,
            place=place,
            ends_at=ends_at,
            request_id=request_id,
            now=now,
        )
    log.info("hold.add id=%d cameras=%s reference=%s by=%s", hold.id, ",".join(camera_ids), reference, actor)
    return hold


def insert_hold_in(
    conn: Connection,
    *,
    actor: str,
    camera_ids: Sequence[str],
    from_utc: datetime,
    to_utc: datetime,
    reason: str,
    reference: str,
    place: str | None = None,
    ends_at: datetime | None = None,
    request_id: str | None = None,
    now: datetime,
) -> Hold:
    """Insert an already validated hold and its audit record in the caller's transaction.

    For callers whose own change must commit together with the hold (opening a request and
    holding its windows, issue 7: a request must never exist without its holds). The cameras'
    rows must exist (:func:`cctvkit.cameras.sync_cameras`).
    """
    values = {
        "reason": reason,
        "reference": reference,
        "placed_by": actor,
        "placed_at": now,
        "place": place,
        "from_utc": from_utc,
        "to_utc": to_utc,
        "ends_at": ends_at,
        "request_id": request_id,
    }
    lq.lock_retention_checks(conn)  # a purge re-checking holds sees this one or runs after it
    hold_id = hq.insert_hold(conn, values, list(camera_ids))
    hold = hq.get_hold(conn, hold_id)
    assert hold is not None
    write_audit(
        conn,
        actor=actor,
        action="hold.add",
        object_kind="hold",
        object_id=hold_id,
        camera_id=camera_ids[0] if len(camera_ids) == 1 else None,
        details={
            "cameras": list(camera_ids),
            "place": place,
            "from_utc": from_utc.astimezone(UTC).isoformat(),
            "to_utc": to_utc.astimezone(UTC).isoformat(),
            "ends_at": ends_at.astimezone(UTC).isoformat() if ends_at else None,
            "reason": reason,
            "reference": reference,
            "request_id": request_id,
        },
        now=now,
    )
    return hold


def release_hold(
    catalog: Catalog, hold_id: int, *, actor: str, reason: str, now: datetime | None = None
) -> Hold:
    """Release a hold; its footage falls back to the normal rule at the next purge.

    Raises:
        UsageError: no reason given.
        NotFoundError: no such hold.
        ConflictError: the hold was already released.
    """
    with catalog.write() as conn:
        return release_hold_in(conn, hold_id, actor=actor, reason=reason, now=now)


def release_hold_in(
    conn: Connection, hold_id: int, *, actor: str, reason: str, now: datetime | None = None
) -> Hold:
    """:func:`release_hold` inside the caller's transaction (closing a request and releasing its
    holds commit together)."""
    now = now or datetime.now(UTC)
    if not reason or not reason.strip():
        raise UsageError("releasing a hold needs a reason")
    hold = hq.get_hold(conn, hold_id)
    if hold is None:
        raise NotFoundError(f"no hold #{hold_id}")
    if hold.released_at is not None:
        raise ConflictError(f"hold #{hold_id} was already released at {hold.released_at.isoformat()}")
    hq.mark_hold_released(conn, hold_id, by=actor, reason=reason.strip(), now=now)
    write_audit(
        conn,
        actor=actor,
        action="hold.release",
        object_kind="hold",
        object_id=hold_id,
        camera_id=hold.camera_ids[0] if len(hold.camera_ids) == 1 else None,
        details={"reason": reason.strip(), "reference": hold.reference, "cameras": list(hold.camera_ids)},
        now=now,
    )
    released = hq.get_hold(conn, hold_id)
    assert released is not None
    log.info("hold.release id=%d by=%s", hold_id, actor)
    return released


def list_holds(
    catalog: Catalog,
    *,
    include_inactive: bool = False,
    request_id: str | None = None,
    now: datetime | None = None,
) -> list[Hold]:
    """Holds in force at ``now`` (or all of them), oldest first; optionally only one request's."""
    now = now or datetime.now(UTC)
    with catalog.read() as conn:
        holds = hq.list_holds(conn, request_id=request_id)
    return holds if include_inactive else [h for h in holds if h.is_active(now)]


def active_holds_covering(
    catalog: Catalog,
    camera_id: str,
    start_utc: datetime,
    end_utc: datetime | None,
    *,
    now: datetime | None = None,
) -> list[Hold]:
    """Holds in force that keep this footage (for a request deciding whether to place its own)."""
    now = now or datetime.now(UTC)
    with catalog.read() as conn:
        holds = hq.active_holds(conn, now)
    return [h for h in holds if h.covers(camera_id, start_utc, end_utc)]
