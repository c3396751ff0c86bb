"""A request's life: open (with a hold on its windows), identify, extend, refuse, close; all audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cctvkit._fault import FaultPoints
from cctvkit.audit import write_audit
from cctvkit.cameras import sync_cameras
from cctvkit.catalog import holds as hq
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Request
from cctvkit.config import SiteConfig
from cctvkit.errors import ConflictError, NotFoundError, UsageError
from cctvkit.locks import FileLock
from cctvkit.requests.deadlines import MAX_EXTENSION_MONTHS, due_date, extended_due_date
from cctvkit.requests.ids import format_request_id, request_id_prefix, validate_request_id
from cctvkit.requests.kinds import RequestKind, default_legal_basis
from cctvkit.requests.session import run_lock
from cctvkit.requests.windows import WindowSpec
from cctvkit.requests.workspace import discard_work
from cctvkit.retention.holds import insert_hold_in, release_hold_in
from cctvkit.states import RELEASE_OUTCOMES, RequestOutcome, RequestStatus

if TYPE_CHECKING:
    from cctvkit.catalog.db import Connection

__all__ = [
    "NewRequest",
    "close_request",
    "extend_request",
    "get_request",
    "identify_requester",
    "open_request",
    "refuse_request",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What staff record when a request arrives.

    Attributes:
        kind: subject, police, insurer, partner or other.
        requester: who asks (a person, or the authority/company).
        windows: the places and time ranges asked for (at least one).
        received_on: the date it was received, in the site's timezone.
        contact: how to reach the requester (postal address for 13.5.3 replies, e-mail).
        recipient: who receives the release; the requester by default.
        identity_method: how the requester was identified (13.4-13.5): e-signature, in person
            with a document, registered mail...
        identity_verified_at: when; ``None`` if not yet (nothing is released until it is).
        police_reference: the reasoned request's reference (police requests, 12.7.1).
        legal_basis: the basis for disclosure; defaults for subject access and police.
        purpose: what the footage is for, in the requester's words.
    """

    kind: RequestKind
    requester: str
    windows: tuple[WindowSpec, ...]
    received_on: date
    contact: str | None = None
    recipient: str | None = None
    identity_method: str | None = None
    identity_verified_at: datetime | None = None
    police_reference: str | None = None
    legal_basis: str | None = None
    purpose: str | None = None


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _check_new(new: NewRequest, now: datetime, tz: ZoneInfo) -> str:
    """Validate a new request; return its legal basis."""
    today = now.astimezone(tz).date()
    if not _text(new.requester):
        raise UsageError("a request needs a requester (--requester)")
    if not new.windows:
        raise UsageError("a request needs at least one window (--window PLACE@FROM/TO)")
    if new.received_on > today:
        raise UsageError(f"received date {new.received_on} is in the future")
    for spec in new.windows:
        # Nothing recorded can answer a window that has not happened yet (issue 18); a hold placed
        # by hand may still reach into the future.
        if spec.end_utc > now:
            raise UsageError(
                f"window {spec.place}@{spec.start_utc.astimezone(tz):%Y-%m-%dT%H:%M:%S}/"
                f"{spec.end_utc.astimezone(tz):%Y-%m-%dT%H:%M:%S} ends in the future "
                f"(now {now.astimezone(tz):%Y-%m-%dT%H:%M}): nothing recorded can answer it yet"
            )
    kind = RequestKind(new.kind)
    if kind is RequestKind.POLICE and not _text(new.police_reference):
        raise UsageError("a police request needs the reference of its reasoned request (--police-reference)")
    if new.identity_verified_at is not None and not _text(new.identity_method):
        raise UsageError("say how the identity was verified (--identity-method)")
    if new.identity_verified_at is not None and new.identity_verified_at.tzinfo is None:
        raise UsageError("identity verification time must carry a timezone")
    basis = _text(new.legal_basis) or default_legal_basis(kind)
    if basis is None:
        raise UsageError(f"a {kind} request needs its legal basis (--legal-basis)")
    return basis


def open_request(
    catalog: Catalog,
    config: SiteConfig,
    new: NewRequest,
    *,
    actor: str,
    now: datetime | None = None,
) -> Request:
    """Record a new request and place a hold on each window so its footage outlives retention.

    The id is the next ``R-<year>-NNNN`` of the year it is opened (site timezone). Holds reference
    the request id; :func:`close_request` releases them. The request, its windows and its holds
    commit in one transaction: a failure or a kill at any point leaves all of them or none.

    Raises:
        UsageError: missing requester, windows, legal basis or police reference; a future date.
        NotFoundError: a window names an unknown camera.
    """
    now = now or datetime.now(UTC)
    local_now = now.astimezone(config.tz)
    basis = _check_new(new, now, config.tz)
    kind = RequestKind(new.kind)
    for spec in new.windows:
        for cam in spec.camera_ids:
            if config.camera(cam) is None:
                raise NotFoundError(f"unknown camera {cam!r}")
    identified = new.identity_verified_at is not None
    faults = FaultPoints.from_env("request")
    sync_cameras(catalog, config, actor, now)  # holds reference camera rows
    with catalog.write() as conn:
        prefix = request_id_prefix(local_now.year)
        request_id = format_request_id(local_now.year, reqq.last_request_number(conn, prefix) + 1)
        reqq.insert_request(
            conn,
            {
                "id": request_id,
                "kind": str(kind),
                "status": RequestStatus.OPEN,
                "outcome": None,
                "requester": new.requester.strip(),
                "contact": _text(new.contact),
                "recipient": _text(new.recipient) or new.requester.strip(),
                "identity_method": _text(new.identity_method),
                "identity_verified_at": new.identity_verified_at,
                "identity_verified_by": actor if identified else None,
                "police_reference": _text(new.police_reference),
                "legal_basis": basis,
                "purpose": _text(new.purpose),
                "received_on": new.received_on,
                "due_on": due_date(new.received_on),
                "created_by": actor,
                "created_at": now,
            },
        )
        for seq, spec in enumerate(new.windows, start=1):
            reqq.insert_window(
                conn,
                request_id,
                seq=seq,
                place=spec.place,
                camera_ids=spec.camera_ids,
                start_utc=spec.start_utc,
                end_utc=spec.end_utc,
            )
        write_audit(
            conn,
            actor=actor,
            action="request.open",
            object_kind="request",
            object_id=request_id,
            details={
                "kind": str(kind),
                "requester": new.requester.strip(),
                "received_on": new.received_on.isoformat(),
                "due_on": due_date(new.received_on).isoformat(),
                "legal_basis": basis,
                "police_reference": _text(new.police_reference),
                "identity_method": _text(new.identity_method),
                "windows": [_window_json(s) for s in new.windows],
            },
            now=now,
        )
        faults.reach("opened")
        for seq, spec in enumerate(new.windows, start=1):
            # One hold per window (a hold is one time range over some cameras); each is audited.
            insert_hold_in(
                conn,
                actor=actor,
                camera_ids=sorted(set(spec.camera_ids)),
                from_utc=spec.start_utc,
                to_utc=spec.end_utc,
                reason=(
                    f"{kind} request {request_id}, window {seq} ({spec.place}): footage needed until closed"
                ),
                reference=request_id,
                request_id=request_id,
                now=now,
            )
            faults.reach("held")
    log.info("request.open %s kind=%s windows=%d by=%s", request_id, kind, len(new.windows), actor)
    return get_request(catalog, request_id)


def _window_json(spec: WindowSpec) -> dict[str, object]:
    return {
        "place": spec.place,
        "cameras": list(spec.camera_ids),
        "start_utc": spec.start_utc.isoformat(),
        "end_utc": spec.end_utc.isoformat(),
    }


def get_request(catalog: Catalog, request_id: str) -> Request:
    """Load a request with its windows, extensions and approvals.

    Raises:
        UsageError: malformed id.
        NotFoundError: no such request.
    """
    validate_request_id(request_id)
    with catalog.read() as conn:
        request = reqq.get_request(conn, request_id)
    if request is None:
        raise NotFoundError(f"no request {request_id}")
    return request


def _open(conn: Connection, request_id: str) -> Request:
    validate_request_id(request_id)
    request = reqq.get_request(conn, request_id)
    if request is None:
        raise NotFoundError(f"no request {request_id}")
    if not request.is_open:
        raise ConflictError(f"request {request_id} is closed")
    return request


def identify_requester(
    catalog: Catalog,
    request_id: str,
    *,
    actor: str,
    method: str,
    verified_at: datetime | None = None,
    now: datetime | None = None,
) -> Request:
    """Record how and when the requester's identity was verified (13.4-13.5).

    Raises:
        UsageError: no method, or a naive or future time.
        NotFoundError: no such request.
        ConflictError: the request is closed.
    """
    now = now or datetime.now(UTC)
    verified_at = verified_at or now
    if not _text(method):
        raise UsageError("say how the identity was verified (--method)")
    if verified_at.tzinfo is None:
        raise UsageError("the verification time must carry a timezone")
    if verified_at > now:
        raise UsageError("the verification time is in the future")
    with catalog.write() as conn:
        _open(conn, request_id)
        values = {
            "identity_method": method.strip(),
            "identity_verified_at": verified_at,
            "identity_verified_by": actor,
        }
        reqq.update_request(conn, request_id, values)
        write_audit(
            conn,
            actor=actor,
            action="request.identify",
            object_kind="request",
            object_id=request_id,
            details={"method": method.strip(), "verified_at": verified_at.astimezone(UTC).isoformat()},
            now=now,
        )
    return get_request(catalog, request_id)


def extend_request(
    catalog: Catalog,
    request_id: str,
    *,
    actor: str,
    months: int,
    reason: str,
    now: datetime | None = None,
) -> Request:
    """Extend the reply deadline (13.6: by at most two further months in total, with a reason).

    Raises:
        UsageError: no reason, or the extension would pass the two-month cap.
        NotFoundError: no such request.
        ConflictError: the request is closed.
    """
    now = now or datetime.now(UTC)
    if not _text(reason):
        raise UsageError("an extension needs a reason (13.6: 'where objectively necessary')")
    with catalog.write() as conn:
        request = _open(conn, request_id)
        new_due = extended_due_date(request.received_on, request.extended_months, months)
        reqq.add_extension(
            conn,
            request_id,
            months=months,
            reason=reason.strip(),
            due_before=request.due_on,
            due_after=new_due,
            by=actor,
            now=now,
        )
        write_audit(
            conn,
            actor=actor,
            action="request.extend",
            object_kind="request",
            object_id=request_id,
            details={
                "months": months,
                "reason": reason.strip(),
                "due_before": request.due_on.isoformat(),
                "due_after": new_due.isoformat(),
                "total_months": request.extended_months + months,
                "cap_months": MAX_EXTENSION_MONTHS,
            },
            now=now,
        )
    return get_request(catalog, request_id)


def refuse_request(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> Request:
    """Refuse a request (13.8, 13.9) with the reason, then close it (its holds are released).

    Raises:
        UsageError: no reason.
        NotFoundError: no such request.
        ConflictError: the request is closed or already answered with a release.
    """
    now = now or datetime.now(UTC)
    if not _text(reason):
        raise UsageError("a refusal needs its reason (--reason), e.g. the 13.9 ground")
    with _no_run(config, request_id), catalog.write() as conn:
        request = _open(conn, request_id)
        if request.outcome in RELEASE_OUTCOMES:
            raise ConflictError(f"request {request_id} was already answered with a release")
        reqq.update_request(
            conn, request_id, {"outcome": RequestOutcome.REFUSED, "refusal_reason": reason.strip()}
        )
        write_audit(
            conn,
            actor=actor,
            action="request.refuse",
            object_kind="request",
            object_id=request_id,
            details={"reason": reason.strip()},
            now=now,
        )
        _close_in(conn, request, actor=actor, why=f"refused: {reason.strip()}", now=now)
    return _closed(config, request_id, actor=actor, catalog=catalog)


def close_request(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Request:
    """Close a request, release its holds and delete its working files.

    Its footage falls back to the normal retention rule at the next purge, and the unredacted
    working clips (``data_dir/work/<id>``) go now, so no copy outlives the originals.

    Raises:
        NotFoundError: no such request.
        ConflictError: the request is already closed.
        LockedError: a review or release of the request is running.
    """
    now = now or datetime.now(UTC)
    why = _text(reason) or "request answered"
    with _no_run(config, request_id), catalog.write() as conn:
        _close_in(conn, _open(conn, request_id), actor=actor, why=why, now=now)
    return _closed(config, request_id, actor=actor, catalog=catalog)


def _no_run(config: SiteConfig, request_id: str) -> FileLock:
    """The request's run lock: a review or release under way reads the working files closing deletes."""
    return run_lock(config, request_id)


def _close_in(conn: Connection, request: Request, *, actor: str, why: str, now: datetime) -> None:
    """Close ``request`` and release its holds in the caller's transaction: never one without the other."""
    reqq.update_request(
        conn,
        request.id,
        {"status": RequestStatus.CLOSED, "closed_by": actor, "closed_at": now, "close_reason": why},
    )
    write_audit(
        conn,
        actor=actor,
        action="request.close",
        object_kind="request",
        object_id=request.id,
        details={"reason": why, "outcome": request.outcome},
        now=now,
    )
    for hold in hq.list_holds(conn, request_id=request.id):
        if hold.released_at is None:
            release_hold_in(conn, hold.id, actor=actor, reason=f"request {request.id} closed: {why}", now=now)


def _closed(config: SiteConfig, request_id: str, *, actor: str, catalog: Catalog) -> Request:
    """After the close committed: the unredacted working copies go (a crash here leaves them for the
    next close or purge of the work dir, never a closed request with live holds)."""
    discard_work(config, request_id)
    log.info("request.close %s by=%s", request_id, actor)
    return get_request(catalog, request_id)
