"""Unredacted police copies: only on a reasoned request, and only with a second person's signed approval.

The approver signs a statement (site, request id, scope, police reference, time, their name and
public key, the OS account they signed from) with their own Ed25519 key (:mod:`cctvkit.keys`).
``request process --unredacted`` accepts it only if the signature verifies against a key the site
config lists under ``[[approvers]]`` for that name, it was signed for this very request, scope
and reference, it has not been used by an earlier release, and the key is not the operator's own
(issue 19). The manifest carries the statement and signature, so a recipient can check them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cctvkit.audit import write_audit
from cctvkit.catalog import approvals as apq
from cctvkit.catalog import requests as reqq
from cctvkit.catalog.db import Catalog
from cctvkit.catalog.request_records import Approval, Request
from cctvkit.config import ApproverConfig, SiteConfig
from cctvkit.errors import ConflictError, NotFoundError, PolicyError
from cctvkit.keys import KeyFile, SigningKey, fingerprint, list_keys, verify_signature
from cctvkit.os_account import OsIdentity, current_identity
from cctvkit.requests.ids import validate_request_id
from cctvkit.requests.kinds import RequestKind

__all__ = [
    "APPROVAL_FORMAT",
    "UNREDACTED",
    "SignedApproval",
    "approve_unredacted",
    "check_manifest_approval",
    "check_unredacted_allowed",
    "claim_approval",
    "same_person",
]

UNREDACTED = "unredacted"
"""Scope of an approval that lets an unredacted copy go to the police."""

APPROVAL_FORMAT = "cctvkit-approval/1"


def same_person(a: str, b: str) -> bool:
    """Names compared without case and surrounding or repeated spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class SignedApproval:
    """An approval whose signature verified, as the manifest carries it.

    Attributes:
        statement: the exact JSON text that was signed.
        signature: base64 Ed25519 signature of ``statement`` (UTF-8).
        fields: ``statement`` parsed.
    """

    statement: str
    signature: str
    fields: dict[str, Any]

    def manifest_entry(self, copy_made_by: str, who: OsIdentity) -> dict[str, Any]:
        """The manifest's ``approval``: who approved, who copied, and the proof."""
        public_key = self.fields["public_key"]
        return {
            "scope": self.fields["scope"],
            "approved_by": self.fields["approver"],
            "approved_at": self.fields["approved_at"],
            "copy_made_by": copy_made_by,
            "copy_made_by_os_user": who.user,
            "public_key": public_key,
            "key_fingerprint": fingerprint(public_key),
            "statement": self.statement,
            "signature": self.signature,
        }


def _statement(
    config: SiteConfig,
    request: Request,
    approver: ApproverConfig,
    *,
    note: str | None,
    now: datetime,
    who: OsIdentity,
) -> str:
    return _canonical(
        {
            "format": APPROVAL_FORMAT,
            "site": config.site.name,
            "request_id": request.id,
            "scope": UNREDACTED,
            "police_reference": request.police_reference,
            "approved_at": now.astimezone(UTC).isoformat(),
            "approver": approver.name,
            "public_key": approver.public_key,
            "os_user": who.user,
            "uid": who.uid,
            "note": note,
        }
    )


def _check_police(request: Request) -> None:
    if RequestKind(request.kind) is not RequestKind.POLICE:
        raise PolicyError(
            f"an unredacted copy is only allowed for police requests; {request.id} is "
            f"a {request.kind} request"
        )
    if not request.police_reference:
        raise PolicyError(f"request {request.id} has no reasoned-request reference; no unredacted copy")


def approve_unredacted(
    catalog: Catalog,
    config: SiteConfig,
    request_id: str,
    *,
    actor: str,
    key: SigningKey,
    note: str | None = None,
    now: datetime | None = None,
    who: OsIdentity | None = None,
) -> Request:
    """Sign and record an approval of an unredacted copy for a police request with ``key``.

    The approver's name is the one the site config lists for the key, never one typed in.

    Raises:
        NotFoundError: no such request.
        ConflictError: the request is closed.
        PolicyError: not a police request, no reasoned-request reference; the key is not a listed
            approver's, or is bound to another OS user than the one running this.
    """
    now = now or datetime.now(UTC)
    who = who or current_identity()
    note = note.strip() if note and note.strip() else None
    approver = next((a for a in config.approvers if a.public_key == key.public_key), None)
    if approver is None:
        raise PolicyError(
            f"key {key.fingerprint} ({key.name}) is not a listed approver's: the site administrator adds "
            f"its public key under [[approvers]] in the config ({key.public_key})"
        )
    if approver.user is not None and approver.user != who.user:
        raise PolicyError(
            f"{approver.name}'s key is bound to OS user {approver.user}; you are {who.user}: approve "
            f"from {approver.user}'s own account"
        )
    validate_request_id(request_id)
    with catalog.write() as conn:
        request = reqq.get_request(conn, request_id)
        if request is None:
            raise NotFoundError(f"no request {request_id}")
        if not request.is_open:
            raise ConflictError(f"request {request_id} is closed")
        _check_police(request)
        statement = _statement(config, request, approver, note=note, now=now, who=who)
        signature = key.sign(statement.encode("utf-8"))
        apq.add_signed_approval(
            conn,
            request_id,
            scope=UNREDACTED,
            approved_by=approver.name,
            recorded_by=actor,
            now=now,
            note=note,
            statement=statement,
            signature=signature,
            key_fingerprint=key.fingerprint,
        )
        write_audit(
            conn,
            actor=actor,
            action="request.approve",
            object_kind="request",
            object_id=request_id,
            details={
                "scope": UNREDACTED,
                "approved_by": approver.name,
                "police_reference": request.police_reference,
                "note": note,
                "signature": signature,
            },
            key_fingerprint=key.fingerprint,
            now=now,
        )
        out = reqq.get_request(conn, request_id)
    assert out is not None
    return out


def _statement_problem(
    fields: dict[str, Any], request_id: str, police_reference: str | None, site: str | None
) -> str | None:
    """What in a verified statement does not match the copy it should unlock, or None."""
    wanted = {
        "format": APPROVAL_FORMAT,
        "request_id": request_id,
        "scope": UNREDACTED,
        "police_reference": police_reference,
    }
    if site is not None:
        wanted["site"] = site
    wrong = [f"{k} {fields.get(k)!r} (not {v!r})" for k, v in wanted.items() if fields.get(k) != v]
    return "it was signed for " + ", ".join(wrong) if wrong else None


def _refusal(
    approval: Approval,
    request: Request,
    operator: str,
    config: SiteConfig,
    own_keys: Sequence[KeyFile],
    who: OsIdentity,
) -> tuple[str, SignedApproval | None]:
    """Why ``approval`` cannot unlock this copy ("" and the approval if it can)."""
    by = f"{approval.approved_by}'s approval (recorded by {approval.recorded_by})"
    if approval.statement is None or approval.signature is None:
        return f"{by} is not signed: a name typed in proves nothing", None
    try:
        fields = json.loads(approval.statement)
        public_key = str(fields["public_key"])
        valid = isinstance(fields, dict) and verify_signature(
            public_key, approval.statement.encode("utf-8"), approval.signature
        )
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        return f"{by} does not verify against its key (altered after it was signed)", None
    mismatch = _statement_problem(fields, request.id, request.police_reference, config.site.name)
    if mismatch or fields.get("approver") != approval.approved_by:
        return f"{by} is not for this copy: {mismatch or 'another approver'}", None
    if approval.used_by:
        return f"{by} was used by release {approval.used_by}; each unredacted copy needs its own", None
    listed = next((a for a in config.approvers if a.public_key == public_key), None)
    fp = fingerprint(public_key)
    if listed is None or listed.name != fields["approver"]:
        return f"{by} is signed with key {fp}, which the config does not list for {fields['approver']}", None
    mine = next((k for k in own_keys if k.public_key == public_key), None)
    if mine is not None:
        return (
            f"{by} is signed with a key you hold ({mine.path}): the second person must be someone "
            "other than the operator making the copy",
            None,
        )
    if listed.user is not None and listed.user == who.user:
        return f"{listed.name} is OS user {listed.user}, who is making this copy", None
    if listed.user is not None and fields.get("os_user") != listed.user:
        return (
            f"{by} was signed from OS account {fields.get('os_user')}, not {listed.name}'s ({listed.user})",
            None,
        )
    if same_person(listed.name, operator):
        return f"{listed.name} is the operator making the copy", None
    return "", SignedApproval(approval.statement, approval.signature, fields)


def check_unredacted_allowed(
    request: Request,
    operator: str,
    config: SiteConfig,
    *,
    own_keys: Sequence[KeyFile] | None = None,
    who: OsIdentity | None = None,
) -> SignedApproval:
    """Return the signed approval that lets ``operator`` release an unredacted copy for ``request``.

    12.8 asks for the minimum necessary, so third parties stay masked except for a police request
    (12.7.1) carrying its reasoned-request reference, approved by someone other than the operator
    who makes the copy (four eyes). "Someone other" is decided by key: the approval must verify
    against a listed approver's public key that is not among the keys in the operator's own key
    directory, and, where the approvers list binds the approver to an OS user, was signed from
    that account and is not used from it.

    Args:
        request: the request, with its approvals.
        operator: the operator's name.
        config: the site (its ``approvers``).
        own_keys: the operator's keys (default: those in their key directory).
        who: the OS identity making the copy (default: this process's).

    Raises:
        PolicyError: not a police request, no reference, or no usable approval (each refused
            approval is named with the reason).
    """
    _check_police(request)
    own_keys = list_keys() if own_keys is None else own_keys
    who = who or current_identity()
    hint = f"a listed approver other than you runs `cctvkit request approve {request.id}` with their own key"
    reasons = []
    for approval in reversed([a for a in request.approvals if a.scope == UNREDACTED]):
        reason, signed = _refusal(approval, request, operator, config, own_keys, who)
        if signed is not None:
            return signed
        reasons.append(reason)
    if not reasons:
        raise PolicyError(
            f"an unredacted copy needs a second person's approval: nobody has approved {request.id} ({hint})"
        )
    raise PolicyError(
        f"an unredacted copy needs a second person's approval, and {request.id} has none that counts: "
        + "; ".join(reversed(reasons))
        + f" ({hint})"
    )


def claim_approval(conn: Any, entry: dict[str, Any], release_id: str) -> None:
    """Use up the approval a manifest carries, in the transaction that records the release.

    Raises:
        ConflictError: another release used it first (two copies raced on one approval).
    """
    if not apq.claim_approval(conn, entry["signature"], release_id):
        raise ConflictError(
            f"the approval by {entry['approved_by']} was used by another release meanwhile; "
            "each unredacted copy needs its own"
        )


def check_manifest_approval(manifest: dict[str, Any], trusted_keys: Sequence[str] = ()) -> list[str]:
    """A recipient's check of a manifest's approval; return the problems (empty: it holds).

    The signature must verify against the public key named in the statement, and the statement must
    be for this manifest's request, police reference and an unredacted copy. That proves the
    statement was signed with that key; that the key is really the approver's the recipient learns
    from the site, out of band (``trusted_keys``: public keys or fingerprints; when given, the key
    must be one of them).
    """
    entry = manifest.get("approval")
    if manifest.get("redacted", True) and not entry:
        return []
    if not isinstance(entry, dict) or not entry.get("signature") or not entry.get("statement"):
        return ["the unredacted copy carries no signed approval"]
    try:
        fields = json.loads(entry["statement"])
        public_key = str(fields["public_key"])
        ok = isinstance(fields, dict) and verify_signature(
            public_key, entry["statement"].encode("utf-8"), entry["signature"]
        )
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        return ["the approval's signature does not verify against its public key"]
    request = manifest.get("request") or {}
    problems = []
    mismatch = _statement_problem(fields, request.get("id"), request.get("police_reference"), None)
    if mismatch:
        problems.append(f"the approval is not for this copy: {mismatch}")
    if fields.get("approver") != entry.get("approved_by") or public_key != entry.get("public_key"):
        problems.append("the approval's statement names another approver or key than the manifest")
    if trusted_keys and not {public_key, fingerprint(public_key)} & set(trusted_keys):
        problems.append(f"the approval is signed with {fingerprint(public_key)}, not a key you trust")
    return problems
