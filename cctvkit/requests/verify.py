"""Check a release package: every file hashed, nothing missing or added, the manifest consistent,
the site's signature (issue 28), and on the site the hashes its catalog recorded."""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cctvkit.catalog import Catalog
from cctvkit.catalog.releases import get_release
from cctvkit.config import SiteConfig
from cctvkit.errors import UsageError
from cctvkit.files import PARTIAL_MARK, sha256_file
from cctvkit.keys import fingerprint, parse_public_key, site_public_key, verify_signature
from cctvkit.requests.approval import check_manifest_approval
from cctvkit.requests.manifest import (
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    SIGNATURE_FORMAT,
    SIGNATURE_NAME,
    SUMS_NAME,
)
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
        signed_by: the fingerprint of the key whose signature verified (None: unsigned or bad).
    """

    path: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files_checked: int = 0
    manifest: dict[str, Any] | None = None
    signed_by: str | None = None

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


def _check_entries(package: Path, result: VerifyResult) -> None:
    """Refuse symbolic links and anything but plain files and directories (read without following).

    A clip replaced by a link to a file outside the package hashed as that file and verified.
    """
    for dirpath, dirs, files in os.walk(package):
        for name in [*dirs, *files]:
            path = Path(dirpath, name)
            rel = path.relative_to(package).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                result.problems.append(f"{rel} is a symbolic link: a package holds only its own files")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                result.problems.append(f"{rel} is not a regular file")


def _same_key(a: str, b: str) -> bool:
    try:
        return parse_public_key(a) == parse_public_key(b)
    except ValueError:
        return False


def _check_signature(package: Path, result: VerifyResult, site_keys: Sequence[str], *, require: bool) -> None:
    """The site's signature of ``SHA256SUMS``, against a trusted key when one is given."""
    announced = (result.manifest or {}).get("signing")
    sig_path = package / SIGNATURE_NAME
    if not sig_path.is_file() or sig_path.is_symlink():
        if announced:
            result.problems.append(
                f"{SIGNATURE_NAME} is missing but {MANIFEST_NAME} says the package was signed"
            )
        elif require:
            result.problems.append("the package is unsigned: it cannot be checked against the site's key")
        else:
            result.warnings.append(
                "unsigned package (made before packages were signed): its hashes prove it is complete, "
                "not that it came from the site unaltered"
            )
        return
    try:
        sig = json.loads(sig_path.read_text(encoding="utf-8"))
        if not isinstance(sig, dict) or sig.get("format") != SIGNATURE_FORMAT:
            raise ValueError(f"not {SIGNATURE_FORMAT}")
        public, signature = str(sig["public_key"]), str(sig["signature"])
        parse_public_key(public)
    except (OSError, UnicodeDecodeError, KeyError, ValueError) as exc:
        result.problems.append(f"{SIGNATURE_NAME} cannot be read: {exc}")
        return
    if not verify_signature(public, (package / SUMS_NAME).read_bytes(), signature):
        result.problems.append(
            f"{SIGNATURE_NAME}: the signature does not match {SUMS_NAME} (altered after signing)"
        )
        return
    if announced and not _same_key(str(announced.get("public_key", "")), public):
        result.problems.append(f"{SIGNATURE_NAME} is by another key than {MANIFEST_NAME} names")
        return
    if site_keys and not any(_same_key(public, k) for k in site_keys):
        result.problems.append(
            f"signed by {fingerprint(public)}, which is not the site key given (re-signed by someone else?)"
        )
        return
    result.signed_by = fingerprint(public)
    if not site_keys:
        result.warnings.append(
            f"signed by {result.signed_by}: check that this is the site's key (--site-key ed25519:...)"
        )


def _check_catalog(catalog: Catalog, package: Path, hashes: dict[str, str], result: VerifyResult) -> None:
    """On the site: the manifest and every clip must hash as the catalog recorded at release."""
    release_id = str((result.manifest or {}).get("release_id") or package.name)
    with catalog.read() as conn:
        release = get_release(conn, release_id)
    if release is None:
        result.warnings.append(f"release {release_id} is not in this site's catalog: not compared with it")
        return
    if hashes.get(MANIFEST_NAME) != release.manifest_sha256:
        result.problems.append(f"{MANIFEST_NAME} differs from the one the catalog recorded for {release_id}")
    for clip in release.clips:
        if clip.name in hashes and hashes[clip.name] != clip.sha256:  # a missing one is reported already
            result.problems.append(f"{clip.name}: sha256 differs from the one the catalog recorded")


def verify_package(
    package: Path,
    *,
    approver_keys: Sequence[str] = (),
    site_keys: Sequence[str] = (),
    require_signature: bool = False,
    catalog: Catalog | None = None,
) -> VerifyResult:
    """Check a package directory against its ``SHA256SUMS`` and ``manifest.json``.

    A package verifies when every file listed hashes to its sum, no file is missing or unlisted,
    the manifest is covered by the sums, and each clip's and still's hash in the manifest matches; an
    unredacted copy's approval must verify too (against ``approver_keys`` when given). The site's
    signature of ``SHA256SUMS`` must verify, against one of ``site_keys`` when given (a package
    without one is refused when ``require_signature``, else warned about as old and unsigned); no
    entry may be a symbolic link; with the site's ``catalog``, the manifest and clips must hash as
    recorded at release.
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
    _check_entries(package, result)
    sums = _read_sums(sums_path, result)
    present = set(package_files(package)) - {SUMS_NAME, SIGNATURE_NAME}
    hashes: dict[str, str] = {}
    for rel in sorted(set(sums) - present):
        result.problems.append(f"{rel} is listed in {SUMS_NAME} but missing")
    for rel in sorted(present - set(sums)):
        result.problems.append(f"{rel} is not listed in {SUMS_NAME} (added after the package was made)")
    for rel in sorted(set(sums) & present):
        result.files_checked += 1
        if (package / rel).is_symlink():
            continue  # refused above; never read through
        hashes[rel] = sha256_file(package / rel)
        if hashes[rel] != sums[rel]:
            result.problems.append(f"{rel}: sha256 does not match (altered)")
    if MANIFEST_NAME not in sums:
        result.problems.append(f"{MANIFEST_NAME} is not covered by {SUMS_NAME}")
    elif MANIFEST_NAME in present:
        _check_manifest(package, sums, result, approver_keys)
    _check_signature(package, result, site_keys, require=require_signature)
    if catalog is not None:
        _check_catalog(catalog, package, hashes, result)
    for path in [package, *package.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            rel = path.relative_to(package).as_posix() or "."
            result.warnings.append(f"{rel} is accessible to others (mode {mode:o}); keep releases private")
    return result


def verify_path(
    path: Path,
    *,
    passphrase: str | None = None,
    approver_keys: Sequence[str] = (),
    site_keys: Sequence[str] = (),
    require_signature: bool = False,
    catalog: Catalog | None = None,
    site: SiteConfig | None = None,
) -> VerifyResult:
    """Verify a package directory or a sealed ``.tar.enc`` archive (decrypted to a private temp dir).

    On the site (``site`` given), its own signing key is trusted beside ``site_keys``.

    Raises:
        AuditError: the archive cannot be opened (wrong passphrase, altered, truncated).
        UsageError: an archive was given without a passphrase.
    """
    path = Path(path)
    keys = list(site_keys)
    if site is not None:
        own = site_public_key(site.site_key_path)
        if own is not None:
            keys.append(own)
    checks: dict[str, Any] = {
        "approver_keys": approver_keys,
        "site_keys": keys,
        "require_signature": require_signature,
        "catalog": catalog,
    }
    if path.is_file() and path.name.endswith(SEALED_SUFFIX):
        if not passphrase:
            raise UsageError(
                f"{path} is encrypted: give its passphrase (--passphrase-file or CCTVKIT_PASSPHRASE)"
            )
        with tempfile.TemporaryDirectory(prefix="cctvkit-verify-") as tmp:
            unpacked = open_sealed(path, passphrase, Path(tmp))
            result = verify_package(unpacked, **checks)
            result.path = str(path)
            result.warnings = [w for w in result.warnings if "accessible" not in w]
            return result
    return verify_package(path, **checks)
