"""Roles (issue 19, policy 7.1-7.2): which OS users may run which command, when the site says so.

Without an ``[access]`` section every command stays open to whoever can run cctvkit and reach its
files (the behaviour before roles). With one, a command that changes footage, requests or releases,
or shows unredacted faces, needs its role; a refusal is audited and exits 7. Commands that only
read the catalog need none: who may read it is decided by the catalog's file permissions.
"""

from __future__ import annotations

from cctvkit.audit import write_audit
from cctvkit.catalog.db import Catalog
from cctvkit.config import AccessSection, SiteConfig
from cctvkit.errors import PolicyError
from cctvkit.os_account import OsIdentity, current_identity

__all__ = ["COMMAND_ROLES", "authorize", "has_role", "role_for"]

COMMAND_ROLES: dict[str, str] = {
    "purge": "purge",
    "request review": "review",
    "request new": "release",
    "request identify": "release",
    "request extend": "release",
    "request refuse": "release",
    "request close": "release",
    "request process": "release",
    "request approve": "approve",
    "index scan": "admin",
    "hold add": "admin",
    "hold release": "admin",
    "restrict add": "admin",
    "restrict lift": "admin",
    "backup": "admin",
}
"""Command (as typed after ``cctvkit``) to the role it needs; commands not listed need none."""


def role_for(command: str) -> str | None:
    """The role ``command`` (e.g. ``"request process"``) needs, or None."""
    return COMMAND_ROLES.get(command)


def has_role(access: AccessSection, role: str, who: OsIdentity) -> bool:
    """True if ``who`` is named in ``role``'s list, directly, through a group, or by ``*``."""
    members = getattr(access, role)
    return "*" in members or who.user in members or any(f"group:{g}" in members for g in who.groups)


def authorize(
    catalog: Catalog,
    config: SiteConfig,
    command: str,
    *,
    actor: str,
    who: OsIdentity | None = None,
) -> None:
    """Refuse ``command`` unless the site grants its role to the OS user running it.

    Args:
        catalog: where the refusal is audited.
        config: the site; no ``[access]`` section means every command is allowed.
        command: the command path (``"request process"``).
        actor: the operator name given.
        who: the OS identity (default: this process's).

    Raises:
        PolicyError: the role is not granted; an ``access.refuse`` audit record was committed.
    """
    role = role_for(command)
    if config.access is None or role is None:
        return
    who = who or current_identity()
    if has_role(config.access, role, who):
        return
    with catalog.write() as conn:
        write_audit(
            conn,
            actor=actor,
            action="access.refuse",
            object_kind="command",
            object_id=command,
            details={"role": role, "groups": list(who.groups)},
        )
    raise PolicyError(
        f"`cctvkit {command}` needs the {role} role: OS user {who.user} (uid {who.uid}) is not in "
        f"[access] {role} = {getattr(config.access, role)} (refusal recorded in the audit log)"
    )
