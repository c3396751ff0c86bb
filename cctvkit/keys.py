"""Personal Ed25519 signing keys of approvers: made, kept encrypted in the owner's directory, used.

A key file (``<name>.key``, JSON, 0600, in a 0700 directory) holds the owner's name, the public
key in the clear (so anyone holding the file can be recognised as holding that key without its
passphrase) and the private key sealed with the passphrase: scrypt (2**15, 8, 1) derives an
AES-256-GCM key, and the name and public key are the associated data, so editing either breaks
the seal. Public keys are written ``ed25519:<base64 of the 32 raw bytes>``; a fingerprint is
``SHA256:<base64 of sha256(raw)>`` without padding (not comparable with ssh-keygen's, which hashes
an SSH blob).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cctvkit.errors import ConflictError, NotFoundError, PermissionsError, PolicyError, UsageError
from cctvkit.files import atomic_path, ensure_private_dir

if TYPE_CHECKING:  # cryptography loads when a key is made, opened or checked: not for `--help`
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "KEY_DIR_ENV",
    "KEY_FORMAT",
    "MIN_KEY_PASSPHRASE",
    "KeyFile",
    "SigningKey",
    "create_key",
    "default_key_dir",
    "find_key",
    "fingerprint",
    "list_keys",
    "parse_public_key",
    "read_key_file",
    "unlock_key",
    "verify_signature",
]

KEY_DIR_ENV = "CCTVKIT_KEY_DIR"
KEY_FORMAT = "cctvkit-key/1"
KEY_SUFFIX = ".key"
PUBLIC_PREFIX = "ed25519:"
MIN_KEY_PASSPHRASE = 12
"""Characters: whoever copies the key file still needs the passphrase to sign with it."""
SCRYPT = {"log2_n": 15, "r": 8, "p": 1}


def default_key_dir() -> Path:
    """``$CCTVKIT_KEY_DIR``, else ``$XDG_CONFIG_HOME/cctvkit/keys``, else ``~/.config/cctvkit/keys``."""
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cctvkit" / "keys"


def parse_public_key(text: str) -> bytes:
    """The 32 raw bytes of ``ed25519:<base64>``.

    Raises:
        ValueError: not that form.
    """
    if not text.startswith(PUBLIC_PREFIX):
        raise ValueError(f"a public key reads {PUBLIC_PREFIX}<base64> (as `cctvkit key new` prints it)")
    try:
        raw = base64.b64decode(text[len(PUBLIC_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("the public key is not valid base64") from exc
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, this one {len(raw)}")
    return raw


def _public_text(raw: bytes) -> str:
    return PUBLIC_PREFIX + base64.b64encode(raw).decode("ascii")


def fingerprint(public_key: str) -> str:
    """``SHA256:...`` of a public key given as ``ed25519:<base64>``."""
    digest = hashlib.sha256(parse_public_key(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def verify_signature(public_key: str, data: bytes, signature: str) -> bool:
    """True if ``signature`` (base64) is ``public_key``'s Ed25519 signature of ``data``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(parse_public_key(public_key))
        key.verify(base64.b64decode(signature, validate=True), data)
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A key file as found on disk (nothing secret is read).

    Attributes:
        path: the file.
        name: the owner's name, as given to ``cctvkit key new``.
        public_key: ``ed25519:<base64>``.
    """

    path: Path
    name: str
    public_key: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An unlocked private key: it signs."""

    name: str
    public_key: str
    _private: Ed25519PrivateKey = field(repr=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> str:
        """Base64 Ed25519 signature of ``data``."""
        return base64.b64encode(self._private.sign(data)).decode("ascii")


def _aad(name: str, public_key: str) -> bytes:
    return json.dumps([KEY_FORMAT, name, public_key], ensure_ascii=False).encode("utf-8")


def _derive(passphrase: str, salt: bytes, *, log2_n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if log2_n > 22 or r > 32 or p > 16:
        raise ValueError("absurd scrypt parameters")
    return Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _file_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return (slug or "key") + KEY_SUFFIX


def create_key(
    name: str, passphrase: str, *, directory: Path | None = None, now: datetime | None = None
) -> KeyFile:
    """Make a key pair for ``name`` and write it, sealed with ``passphrase``, into ``directory``.

    Raises:
        UsageError: no name, or a passphrase shorter than :data:`MIN_KEY_PASSPHRASE`.
        ConflictError: that person already has a key file there (never overwritten: the old
            public key may be listed and in use).
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    name = " ".join(name.split())
    if not name:
        raise UsageError("name the key's owner (cctvkit key new NAME)")
    if len(passphrase) < MIN_KEY_PASSPHRASE:
        raise UsageError(f"the key passphrase needs at least {MIN_KEY_PASSPHRASE} characters")
    folder = ensure_private_dir(directory or default_key_dir())
    path = folder / _file_name(name)
    if path.exists():
        raise ConflictError(f"{path} exists: {name} already has a key here (remove it first to replace it)")
    private = Ed25519PrivateKey.generate()
    public = _public_text(private.public_key().public_bytes_raw())
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(_derive(passphrase, salt, **SCRYPT)).encrypt(
        nonce, private.private_bytes_raw(), _aad(name, public)
    )
    doc = {
        "format": KEY_FORMAT,
        "name": name,
        "public_key": public,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "kdf": {"name": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode("ascii")},
        "cipher": {"name": "AES-256-GCM", "nonce": base64.b64encode(nonce).decode("ascii")},
        "private_key": base64.b64encode(sealed).decode("ascii"),
    }
    with atomic_path(path, mode=0o600) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, indent=2, ensure_ascii=False)
            out.write("\n")
    return KeyFile(path, name, public)


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"no key file {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a cctvkit key file") from exc
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT:
        raise UsageError(f"{path} is not a cctvkit key file ({KEY_FORMAT})")
    return doc


def read_key_file(path: Path) -> KeyFile:
    """The name and public key in a key file (no passphrase needed).

    Raises:
        NotFoundError: no such file.
        UsageError: not a key file.
    """
    doc = _load(path)
    try:
        parse_public_key(str(doc.get("public_key")))
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    return KeyFile(path, str(doc.get("name") or ""), str(doc["public_key"]))


def list_keys(directory: Path | None = None) -> list[KeyFile]:
    """Every readable key file in ``directory`` (default: :func:`default_key_dir`), by file name."""
    folder = directory or default_key_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*" + KEY_SUFFIX)):
        try:
            out.append(read_key_file(path))
        except (UsageError, NotFoundError):
            continue
    return out


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def find_key(name: str | None = None, *, directory: Path | None = None) -> KeyFile:
    """The caller's key for ``name``, or their only key when no name is given.

    Raises:
        PolicyError: the caller holds no key (for that name): only its owner can sign as them.
        UsageError: several keys and no name to choose one.
    """
    folder = directory or default_key_dir()
    keys = list_keys(folder)
    if name is not None:
        mine = [k for k in keys if _same_name(k.name, name)]
        if not mine:
            raise PolicyError(
                f"you hold no key for {name} in {folder}: an approval is signed with the approver's "
                f"own key, so {name} must run this with theirs"
            )
        keys = mine
    if not keys:
        raise PolicyError(f"you hold no approver key in {folder} (make one: cctvkit key new NAME)")
    if len(keys) > 1:
        raise UsageError(
            f"{folder} holds several keys ({', '.join(k.name for k in keys)}): choose one with --by or --key"
        )
    return keys[0]


def unlock_key(key: KeyFile, passphrase: str) -> SigningKey:
    """Open a key file with its passphrase.

    Raises:
        PermissionsError: the file or its directory can be read by others than its owner.
        UsageError: wrong passphrase, or a file altered since it was made.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    for path in (key.path, key.path.parent):
        mode = os.stat(path).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PermissionsError(
                f"{path} ({stat.filemode(mode)}) is open to other users; a private key must be "
                "yours alone (chmod go-rwx)"
            )
    doc = _load(key.path)
    try:
        kdf, cipher = doc["kdf"], doc["cipher"]
        if kdf.get("name") != "scrypt" or cipher.get("name") != "AES-256-GCM":
            raise ValueError("unknown key encryption")
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(cipher["nonce"], validate=True)
        sealed = base64.b64decode(doc["private_key"], validate=True)
        derived = _derive(passphrase, salt, log2_n=int(kdf["log2_n"]), r=int(kdf["r"]), p=int(kdf["p"]))
        raw = AESGCM(derived).decrypt(nonce, sealed, _aad(key.name, key.public_key))
        private = Ed25519PrivateKey.from_private_bytes(raw)
    except InvalidTag as exc:
        raise UsageError(f"wrong passphrase for {key.path} (or the file was altered)") from exc
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise UsageError(f"{key.path} is damaged: {exc}") from exc
    if _public_text(private.public_key().public_bytes_raw()) != key.public_key:
        raise UsageError(f"{key.path}: the private key does not match its public key")
    return SigningKey(key.name, key.public_key, private)
