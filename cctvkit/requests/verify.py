"""Check a release package: every file hashed, nothing missing or added, the manifest consistent."""

from __future__ import annotations

import json
import re
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cctvkit.errors import UsageError
from cctvkit.files import PARTIAL_MARK, sha256_file
from cctvkit.requests.approval import check_manifest_approval
from cctvkit.requests.manifest import MANIFEST_FORMAT, MANIFEST_NAME, SUMS_NAME
from cctvkit.requests.package import package_files
from cctvkit.requests.sealed import SEALED_SUFFIX, open_sealed

__all__ = ["VerifyResult", "verify_package", "verify_path"]

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


@dataclass(slots=True)
class VerifyResult:
    """The outcome of a check.

    Attributes:
        path: what was checked.
        problems: everything wrong (empty: the package verifies).
        warnings: things worth knowing that do not break integrity (loose permissions).
        files_checked: files whose hash was compared.
        manifest: the parsed manifest, if it could be read.
    """

    path: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files_checked: int = 0
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe(rel: str) -> bool:
    p = PurePosixPath(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts and "\\" not in rel


def _read_sums(path: Path, result: VerifyResult) -> dict[str, str]:
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _SUM_LINE.match(line)
        if not match or not _safe(match.group(2)):
            result.problems.append(f"{SUMS_NAME} line {number} is malformed")
            continue
        if match.group(2) in sums:
            result.problems.append(f"{SUMS_NAME} lists {match.group(2)} twice")
        sums[match.group(2)] = match.group(1)
    return sums


def _check_manifest(
    package: Path, sums: dict[str, str], result: VerifyResult, approver_keys: Sequence[str]
) -> None:
    try:
        manifest = json.loads((package / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        result.problems.append(f"{MANIFEST_NAME} cannot be read: {exc}")
        return
    result.manifest = manifest
    if manifest.get("format") != MANIFEST_FORMAT:
        result.problems.append(f"{MANIFEST_NAME}: unknown format {manifest.get('format')!r}")
    if manifest.get("release_id") != package.name:
        result.problems.append(
            f"{MANIFEST_NAME} names release {manifest.get('release_id')!r} but the directory is "
            f"{package.name!r}"
        )
    clips = manifest.get("clips") or []
    stills = manifest.get("stills") or []  # absent from packages made before stills were released
    if not clips and not stills:
        result.problems.append(f"{MANIFEST_NAME} lists no clips or stills")
    for kind, items in (("clip", clips), ("still", stills)):
        for item in items:
            name = item.get("file", "")
            if not _safe(name):
                result.problems.append(f"{MANIFEST_NAME}: unsafe {kind} path {name!r}")
            elif name not in sums:
                result.problems.append(f"{kind} {name} is not covered by {SUMS_NAME}")
            elif sums[name] != item.get("sha256"):
                result.problems.append(
                    f"{kind} {name}: {MANIFEST_NAME} and {SUMS_NAME} disagree on its sha256"
                )
            sources = item.get("sources") or [] if kind == "clip" else [item.get("source") or {}]
            for source in sources:
                if not re.fullmatch(r"[0-9a-f]{64}", str(source.get("sha256", ""))):
                    result.problems.append(f"{kind} {name}: a source has no valid sha256")
    result.problems.extend(check_manifest_approval(manifest, approver_keys))  # issue 19


def verify_package(package: Path, *, approver_keys: Sequence[str] = ()) -> VerifyResult:
    """Check a package directory against its ``SHA256SUMS`` and ``manifest.json``.

    A package verifies when every file listed hashes to its sum, no file is missing or unlisted,
    the manifest is covered by the sums, and each clip's and still's hash in the manifest matches; an
    unredacted copy's approval must verify too (against ``approver_keys`` when given).
    """
    package = Path(package)
    result = VerifyResult(str(package))
    if not package.is_dir():
        result.problems.append(f"{package} is not a directory")
        return result
    if PARTIAL_MARK in package.name:
        result.problems.append(f"{package.name} is the staging directory of an unfinished run, not a package")
    sums_path = package / SUMS_NAME
    if not sums_path.is_file():
        result.problems.append(f"{SUMS_NAME} is missing: the package is incomplete")
        return result
    sums = _read_sums(sums_path, result)
    present = set(package_files(package)) - {SUMS_NAME}
    for rel in sorted(set(sums) - present):
        result.problems.append(f"{rel} is listed in {SUMS_NAME} but missing")
    for rel in sorted(present - set(sums)):
        result.problems.append(f"{rel} is not listed in {SUMS_NAME} (added after the package was made)")
    for rel in sorted(set(sums) & present):
        result.files_checked += 1
        if sha256_file(package / rel) != sums[rel]:
            result.problems.append(f"{rel}: sha256 does not match (altered)")
    if MANIFEST_NAME not in sums:
        result.problems.append(f"{MANIFEST_NAME} is not covered by {SUMS_NAME}")
    elif MANIFEST_NAME in present:
        _check_manifest(package, sums, result, approver_keys)
    for path in [package, *package.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            rel = path.relative_to(package).as_posix() or "."
            result.warnings.append(f"{rel} is accessible to others (mode {mode:o}); keep releases private")
    return result


def verify_path(
    path: Path, *, passphrase: str | None = None, approver_keys: Sequence[str] = ()
) -> VerifyResult:
    """Verify a package directory or a sealed ``.tar.enc`` archive (decrypted to a private temp dir).

    Raises:
        AuditError: the archive cannot be opened (wrong passphrase, altered, truncated).
        UsageError: an archive was given without a passphrase.
    """
    path = Path(path)
    if path.is_file() and path.name.endswith(SEALED_SUFFIX):
        if not passphrase:
            raise UsageError(
                f"{path} is encrypted: give its passphrase (--passphrase-file or CCTVKIT_PASSPHRASE)"
            )
        with tempfile.TemporaryDirectory(prefix="cctvkit-verify-") as tmp:
            unpacked = open_sealed(path, passphrase, Path(tmp))
            result = verify_package(unpacked, approver_keys=approver_keys)
            result.path = str(path)
            result.warnings = [w for w in result.warnings if "accessible" not in w]
            return result
    return verify_package(path, approver_keys=approver_keys)
