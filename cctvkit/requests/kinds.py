"""Kinds of request, who receives each (policy 12.7) and what each must carry before a release."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from cctvkit.states import RequestOutcome

if TYPE_CHECKING:
    from cctvkit.catalog.request_records import Request  # the catalog: not needed to parse --type

__all__ = [
    "RequestKind",
    "default_legal_basis",
    "recipient_category",
    "release_blockers",
]


class RequestKind(StrEnum):
    """Who asks for footage."""

    SUBJECT = "subject"
    """A data subject exercising the right of access (13.1.1)."""
    POLICE = "police"
    """Law enforcement or a supervisory authority on a reasoned request (12.7.1)."""
    INSURER = "insurer"
    """An insurance service provider investigating an insured case (12.7.2)."""
    PARTNER = "partner"
    """A business partner, as evidence in a dispute over goods (12.7.2)."""
    OTHER = "other"
    """Any other recipient with a proper legal basis (12.7.2)."""


_CATEGORY = {
    RequestKind.SUBJECT: "data subject (13.1.1)",
    RequestKind.POLICE: "law enforcement / supervisory authority (12.7.1)",
    RequestKind.INSURER: "insurance service provider (12.7.2)",
    RequestKind.PARTNER: "business partner in a dispute (12.7.2)",
    RequestKind.OTHER: "other recipient with a legal basis (12.7.2)",
}

_DEFAULT_BASIS = {
    RequestKind.SUBJECT: "GDPR Art. 15 right of access (privacy policy 13.1.1)",
    RequestKind.POLICE: "reasoned request of a law-enforcement authority (privacy policy 12.7.1)",
}


def recipient_category(kind: RequestKind | str) -> str:
    """The recipient category the disclosure log names for this kind of request."""
    return _CATEGORY[RequestKind(kind)]


def default_legal_basis(kind: RequestKind | str) -> str | None:
    """The legal basis that goes without saying (subject access, police); None: must be given."""
    return _DEFAULT_BASIS.get(RequestKind(kind))


def release_blockers(request: Request) -> list[str]:
    """What stops any footage going out for this request (empty: nothing does).

    13.4-13.5: a requester must be identified before anything is released; a police request
    needs the reference of its reasoned request instead (12.7.1).
    """
    problems = []
    if not request.is_open:
        problems.append(f"request {request.id} is closed")
    if request.outcome == RequestOutcome.REFUSED:
        problems.append(f"request {request.id} was refused")
    if RequestKind(request.kind) is RequestKind.POLICE:
        if not request.police_reference:
            problems.append("a police request needs its reasoned-request reference (--police-reference)")
    elif request.identity_verified_at is None:
        problems.append(
            f"the requester's identity is not verified (13.4): run `cctvkit request identify {request.id} "
            "--method ...` first"
        )
    return problems
