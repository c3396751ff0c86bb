"""One error tree for everything a user can cause; the CLI maps each class to its exit code."""

from __future__ import annotations

__all__ = [
    "ArchivePathError",
    "AuditError",
    "CctvkitError",
    "ConfigError",
    "ConflictError",
    "CorruptVideoError",
    "FacesRemainError",
    "HeldFootageError",
    "JobError",
    "LockedError",
    "ModelError",
    "NotFoundError",
    "PartialFailureError",
    "PermissionsError",
    "PolicyError",
    "SeekError",
    "UsageError",
    "VideoError",
    "VideoOpenError",
    "one_line",
]


def one_line(text: str) -> str:
    """``text`` as one printable line: control characters and lone surrogates (from file names that
    are not UTF-8) are shown as escapes, so an error message never splits or drives the terminal."""
    return "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else repr(ch)[1:-1] for ch in text
    )


class CctvkitError(Exception):
    """Base of every error a user can cause or must act on. ``exit_code`` is the CLI's exit status."""

    exit_code: int = 1


class UsageError(CctvkitError):
    """Arguments that cannot be right (bad time range, unknown option value)."""

    exit_code = 2


class ConfigError(CctvkitError):
    """The site configuration is missing, malformed or breaks a policy rule."""

    exit_code = 3


class NotFoundError(CctvkitError):
    """A camera, recording, hold, request or file that does not exist."""

    exit_code = 4


class ArchivePathError(CctvkitError):
    """A path that resolves outside the archive roots (``..``, symlinks) or into a forbidden place."""

    exit_code = 5


class VideoError(CctvkitError):
    """Base of the video errors; raised only from ``cctvkit.video``."""

    exit_code = 6


class VideoOpenError(VideoError):
    """The file cannot be opened as a video or still."""


class CorruptVideoError(VideoError):
    """The file opens but its data is damaged or truncated."""


class SeekError(VideoError):
    """A requested position cannot be reached in the file."""


class PolicyError(CctvkitError):
    """The action would break the privacy policy (e.g. release of restricted footage)."""

    exit_code = 7


class HeldFootageError(PolicyError):
    """The action would delete or alter footage that a hold keeps."""


class LockedError(CctvkitError):
    """Another run holds the lock (e.g. a second purge started while one runs)."""

    exit_code = 8


class PartialFailureError(CctvkitError):
    """The run finished but some items failed (e.g. some deletions); details were logged."""

    exit_code = 9


class FacesRemainError(PartialFailureError):
    """The face check still sees faces in the output after its last re-mask round (13.9.1):
    nothing is published; the message names the clip, frames and boxes. Exit code 9."""


class AuditError(CctvkitError):
    """A check failed: the audit log (a record modified, deleted, inserted or reordered) or a
    release package (``release verify``: a file altered, missing or added, a bad signature)."""

    exit_code = 10


class ModelError(CctvkitError):
    """A detector's weights are missing, do not match the manifest, or cannot be loaded."""

    exit_code = 11


class PermissionsError(CctvkitError):
    """Files that must be private to the owner are readable by others."""

    exit_code = 12


class ConflictError(CctvkitError):
    """The object is in a state that does not allow the action (closed request, duplicate id)."""

    exit_code = 13


class JobError(CctvkitError):
    """A redaction job failed for good (its chunk failed every attempt) or cannot be queued."""

    exit_code = 16
