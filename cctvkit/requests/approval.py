"""Unredacted police copies: only on a reasoned request, and only with a second person's approval."""

from __future__ import annotations

from datetime import UTC, datetime

from cctvkit.audit import write_audit
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Approval, Request
from cctvkit.errors import ConflictError, NotFoundError, PolicyError, UsageError
from cctvkit.requests.ids import validate_request_id
from cctvkit.requests.kinds import RequestKind

__all__ = ["UNREDACTED", "approve_unredacted", "check_unredacted_allowed", "same_person"]

UNREDACTED = "unredacted"
"""Scope of an approval that lets an unredacted copy go to the police."""


def same_person(a: str, b: str) -> bool:
    """Names compared without case and surrounding or repeated spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def check_unredacted_allowed(request: Request, operator: str) -> Approval:
    """Return the approval that lets ``operator`` release an unredacted copy for ``request``.

    12.8 asks for the minimum necessary, so third parties stay masked except for a police request
    (12.7.1) carrying its reasoned-request reference, approved by someone other than the operator
    who makes the copy (four eyes).

    Raises:
        PolicyError: not a police request, no reference, or no approval by a second person.
    """
    if RequestKind(request.kind) is not RequestKind.POLICE:
        raise PolicyError(
            f"an unredacted copy is only allowed for police requests; {request.id} is "
            f"a {request.kind} request"
        )
    if not request.police_reference:
        raise PolicyError(f"request {request.id} has no reasoned-request reference; no unredacted copy")
    approvals = [a for a in request.approvals if a.scope == UNREDACTED]
    others = [a for a in approvals if not same_person(a.approved_by, operator)]
    if not others:
        hint = f"`cctvkit request approve {request.id} --by NAME`"
        if approvals:
            raise PolicyError(
                f"an unredacted copy needs a second person's approval: {request.id} was approved only by "
                f"{operator}, who is making the copy; another person must approve ({hint})"
            )
        raise PolicyError(
            f"an unredacted copy needs a second person's approval: nobody has approved {request.id} "
            f"(have someone other than {operator} run {hint})"
        )
    return others[-1]


def approve_unredacted(
    catalog: Catalog,
    request_id: str,
    *,
    actor: str,
    approved_by: str,
    note: str | None = None,
    now: datetime | None = None,
) -> Request:
    """Record a second person's approval of an unredacted copy for a police request.

    Raises:
        UsageError: no approver name.
        NotFoundError: no such request.
        ConflictError: the request is closed.
        PolicyError: not a police request, or no reasoned-request reference.
    """
    now = now or datetime.now(UTC)
    if not approved_by or not approved_by.strip():
        raise UsageError("name the approver (--by)")
    validate_request_id(request_id)
    with catalog.write() as conn:
        request = reqq.get_request(conn, request_id)
        if request is None:
            raise NotFoundError(f"no request {request_id}")
        if not request.is_open:
            raise ConflictError(f"request {request_id} is closed")
        if RequestKind(request.kind) is not RequestKind.POLICE:
            raise PolicyError(
                f"only police requests can be approved for an unredacted copy; {request_id} is "
                f"a {request.kind} request"
            )
        if not request.police_reference:
            raise PolicyError(f"request {request_id} has no reasoned-request reference")
        reqq.add_approval(
            conn,
            request_id,
            scope=UNREDACTED,
            approved_by=approved_by.strip(),
            recorded_by=actor,
            now=now,
            note=note.strip() if note and note.strip() else None,
        )
        write_audit(
            conn,
            actor=actor,
            action="request.approve",
            object_kind="request",
            object_id=request_id,
            details={
                "scope": UNREDACTED,
                "approved_by": approved_by.strip(),
                "police_reference": request.police_reference,
                "note": note,
            },
            now=now,
        )
        out = reqq.get_request(conn, request_id)
    assert out is not None
    return out
