"""Issue 28, finding 2: a package cannot be re-hashed into passing.

Every package's SHA256SUMS is signed with the site's Ed25519 key; `release verify` checks the
signature (against `--site-key` for a recipient, the site's own key on the site), refuses links,
and on the site compares the manifest and clips with the hashes the catalog recorded.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cctvkit.keys import SigningKey
from cctvkit.requests.manifest import SIGNATURE_NAME
from tests.requests.test_request_cli import _new, cli_site, run  # noqa: F401 (fixture)
from tests.requests.test_request_cli import runner as _runner


def _release(site: Path) -> Path:
    rid = _new(site, "--identity-method", "in person", "--identity-verified", "now")["id"]
    code, out, err = run(site, "request", "process", rid, "--mask-everyone", "--json")
    assert code == 0, err
    return Path(json.loads(out)["path"])


def _rehash(package: Path, rel: str) -> None:
    """What the attacker did: recompute one file's line in SHA256SUMS."""
    digest = hashlib.sha256((package / rel).read_bytes()).hexdigest()
    sums = package / "SHA256SUMS"
    lines = [
        f"{digest}  {rel}" if line.endswith(f"  {rel}") else line for line in sums.read_text().splitlines()
    ]
    sums.write_text("\n".join(lines) + "\n")


def _recipient(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """`cctvkit` where a recipient runs it: no site config, no catalog."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("CCTVKIT_CONFIG", raising=False)
    result = _runner.invoke(__import__("cctvkit.cli.main", fromlist=["app"]).app, args)
    return result.exit_code, result.stdout, result.stderr


def _problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if not line.startswith("cctvkit: error:")]


def test_signed_package_verifies_for_a_recipient_with_only_the_public_key(
    cli_site: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = _release(cli_site)
    assert (package / SIGNATURE_NAME).is_file()
    code, out, err = run(cli_site, "release", "verify", str(package))
    assert code == 0 and "signed with the site key SHA256:" in out, err
    code, out, _ = run(cli_site, "key", "site", "--json")
    public = json.loads(out)["public_key"]
    assert json.loads((package / "manifest.json").read_text())["signing"]["public_key"] == public

    elsewhere = tmp_path / "recipient"
    elsewhere.mkdir()
    copy = elsewhere / package.name
    shutil.copytree(package, copy)
    code, out, err = _recipient(
        ["release", "verify", str(copy), "--site-key", public], elsewhere, monkeypatch
    )
    assert code == 0 and f"OK {package.name}" in out and "signed with the site key" in out, err
    # Without the key it still checks the signature, and says whose key to confirm.
    code, out, err = _recipient(["release", "verify", str(copy)], elsewhere, monkeypatch)
    assert code == 0 and "check that this is the site's key (--site-key" in out


def test_rehashed_manifest_and_symlinked_clip_fail(
    cli_site: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = _release(cli_site)
    code, out, _ = run(cli_site, "key", "site", "--json")
    public = json.loads(out)["public_key"]
    pristine = tmp_path / "pristine"
    shutil.copytree(package, pristine)

    # The re-hashed manifest: on the site, and for a recipient with the public key.
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["recipient"]["name"] = "Someone Else"
    (package / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _rehash(package, "manifest.json")
    code, _out, err = run(cli_site, "release", "verify", str(package))
    assert code == 10 and "Traceback" not in err
    assert _problems(err) == [
        f"{package}: SHA256SUMS.sig: the signature does not match SHA256SUMS (altered after signing)",
        f"{package}: manifest.json differs from the one the catalog recorded for {package.name}",
    ]
    elsewhere = tmp_path / "recipient"
    elsewhere.mkdir()
    copy = elsewhere / package.name
    shutil.copytree(package, copy)
    code, _out, err = _recipient(
        ["release", "verify", str(copy), "--site-key", public], elsewhere, monkeypatch
    )
    assert code == 10 and _problems(err) == [
        f"{copy}: SHA256SUMS.sig: the signature does not match SHA256SUMS (altered after signing)"
    ]
    # Re-signed by the attacker's own key: refused against the site's.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cctvkit.keys import _public_text

    private = Ed25519PrivateKey.generate()
    forger = SigningKey("forger", _public_text(private.public_key().public_bytes_raw()), private)
    manifest["signing"]["public_key"] = forger.public_key  # a careful forger names their key too
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _rehash(copy, "manifest.json")
    signature = json.loads((copy / SIGNATURE_NAME).read_text())
    signature.update(public_key=forger.public_key, signature=forger.sign((copy / "SHA256SUMS").read_bytes()))
    (copy / SIGNATURE_NAME).write_text(json.dumps(signature))
    code, _out, err = _recipient(
        ["release", "verify", str(copy), "--site-key", public], elsewhere, monkeypatch
    )
    assert code == 10 and len(_problems(err)) == 1 and "which is not the site key given" in err

    # A clip replaced by a link to a file outside the package, with the very same bytes.
    shutil.rmtree(package)
    shutil.copytree(pristine, package)
    clip = next((package / "clips").iterdir())
    outside = tmp_path / "outside.mp4"
    shutil.copy(clip, outside)
    clip.unlink()
    clip.symlink_to(outside)
    code, _out, err = run(cli_site, "release", "verify", str(package))
    assert code == 10 and _problems(err) == [
        f"{package}: clips/{clip.name} is a symbolic link: a package holds only its own files"
    ]


def test_old_unsigned_package_verifies_with_a_warning(
    cli_site: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = _release(cli_site)
    public = json.loads(run(cli_site, "key", "site", "--json")[1])["public_key"]
    elsewhere = tmp_path / "recipient"
    elsewhere.mkdir()
    old = elsewhere / package.name
    shutil.copytree(package, old)
    # As packages were made before issue 28: no signature, no signing block.
    (old / SIGNATURE_NAME).unlink()
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["signing"]
    (old / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _rehash(old, "manifest.json")
    code, out, err = _recipient(["release", "verify", str(old)], elsewhere, monkeypatch)
    assert code == 0 and "warning: unsigned package (made before packages were signed)" in out, err
    # A recipient who asks for the site's signature gets a refusal, not a pass.
    code, _out, err = _recipient(
        ["release", "verify", str(old), "--site-key", public], elsewhere, monkeypatch
    )
    assert code == 10 and "the package is unsigned" in err
    # A signature stripped from a package whose manifest announces one is a problem.
    stripped = elsewhere / "stripped"
    shutil.copytree(package, stripped)
    (stripped / SIGNATURE_NAME).unlink()
    code, _out, err = _recipient(["release", "verify", str(stripped)], elsewhere, monkeypatch)
    assert code == 10 and "SHA256SUMS.sig is missing but manifest.json says the package was signed" in err
