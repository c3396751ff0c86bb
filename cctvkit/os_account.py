"""Who runs this process, as the operating system knows it: user, uid and groups (issue 19).

The operator name (``$CCTVKIT_OPERATOR``, ``site.operator``) is whatever the caller says; these
come from the kernel's real uid (never from ``$USER`` or ``$LOGNAME``, which anyone can set), so
the audit log can tell two people apart even when they type the same name.
"""

from __future__ import annotations

import functools
import grp
import os
import pwd
from dataclasses import dataclass

__all__ = ["OsIdentity", "current_identity"]


@dataclass(frozen=True, slots=True)
class OsIdentity:
    """The OS account of a process.

    Attributes:
        user: the login name of the real uid (``uid<N>`` when the account has no name).
        uid: the real uid.
        groups: names of the primary and supplementary groups (gid numbers when unnamed).
    """

    user: str
    uid: int
    groups: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"os_user": self.user, "uid": self.uid}


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


@functools.cache
def current_identity() -> OsIdentity:
    """The identity of this process (looked up once: a process does not change its uid here)."""
    uid = os.getuid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = f"uid{uid}"
    gids = dict.fromkeys([os.getgid(), *os.getgroups()])
    return OsIdentity(user, uid, tuple(_group_name(g) for g in gids))
