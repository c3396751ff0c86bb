"""Encrypted release archives: a tar of the package, sealed with a passphrase (scrypt + AES-256-GCM).

Format (``.tar.enc``)::

    header  = MAGIC (8) | version (1) | log2 n (1) | r (1) | p (1) | chunk size (4, BE)
              | salt (16) | nonce prefix (7)
    chunks  = AES-GCM(key, nonce = prefix | counter (4, BE) | last (1), plaintext chunk, aad = header)

The tar stream is cut into chunks sealed one by one (the STREAM construction), so archives of any
size are written and read in constant memory. The counter stops chunks being reordered; the
"last" flag on the final chunk stops truncation; the header as associated data stops parameter
tampering. A wrong passphrase fails the first chunk's tag.
"""

from __future__ import annotations

import io
import os
import secrets
import struct
import tarfile
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from cctvkit.errors import AuditError, UsageError
from cctvkit.files import atomic_path

__all__ = ["MIN_PASSPHRASE", "SEALED_SUFFIX", "open_sealed", "seal_directory"]

MAGIC = b"CCTVSEAL"
VERSION = 1
SCRYPT_LOG2_N = 15
"""scrypt cost 2**15, r=8, p=1: ~32 MiB and ~0.1 s per derivation; OWASP's minimum for scrypt."""
SCRYPT_R = 8
SCRYPT_P = 1
CHUNK = 1 << 20
TAG = 16
SEALED_SUFFIX = ".tar.enc"
MIN_PASSPHRASE = 12
"""Characters; the passphrase is the only thing between the archive and whoever holds it."""

_HEADER = struct.Struct(">8sBBBBI16s7s")


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    if log2_n > 22 or r > 32 or p > 16:
        raise AuditError("archive header asks for absurd scrypt parameters")
    kdf = Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p)
    return kdf.derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class _SealingWriter(io.RawIOBase):
    """A write-only stream that seals what it is given chunk by chunk into ``out``."""

    def __init__(self, out: BinaryIO, passphrase: str) -> None:
        salt, self._prefix = secrets.token_bytes(16), secrets.token_bytes(7)
        self._header = _HEADER.pack(
            MAGIC, VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, CHUNK, salt, self._prefix
        )
        self._aead = AESGCM(_key(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P))
        self._out = out
        self._buf = bytearray()
        self._counter = 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # tarfile hands it bytes only
        self._buf += data
        # Keep at least one byte back so the final chunk is never empty unless all is.
        while len(self._buf) > CHUNK:
            self._emit(bytes(self._buf[:CHUNK]), last=False)
            del self._buf[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise UsageError("archive too large to seal")
        nonce = _nonce(self._prefix, self._counter, last)
        self._out.write(self._aead.encrypt(nonce, chunk, self._header))
        self._counter += 1

    def finish(self) -> None:
        self._emit(bytes(self._buf), last=True)
        self._buf.clear()


class _OpeningReader(io.RawIOBase):
    """A read-only stream of the plaintext of a sealed archive; every chunk is authenticated."""

    def __init__(self, src: BinaryIO, passphrase: str) -> None:
        header = src.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise AuditError("not a cctvkit sealed archive (too short)")
        magic, version, log2_n, r, p, chunk, salt, prefix = _HEADER.unpack(header)
        if magic != MAGIC or version != VERSION:
            raise AuditError("not a cctvkit sealed archive (bad magic or version)")
        if not 1 <= chunk <= 1 << 26:
            raise AuditError("archive header declares an absurd chunk size")
        self._aead = AESGCM(_key(passphrase, salt, log2_n, r, p))
        self._header, self._prefix, self._chunk, self._src = header, prefix, chunk, src
        self._counter = 0
        self._plain = b""
        self._pending = src.read(chunk + TAG)
        self._done = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        current = self._pending
        self._pending = self._src.read(self._chunk + TAG)
        last = not self._pending
        if len(current) < TAG:
            raise AuditError("sealed archive is truncated")
        try:
            self._plain = self._aead.decrypt(_nonce(self._prefix, self._counter, last), current, self._header)
        except InvalidTag:
            if self._counter == 0:
                raise AuditError("cannot open the archive: wrong passphrase, or it was altered") from None
            raise AuditError(f"archive chunk {self._counter} was altered, reordered or truncated") from None
        self._counter += 1
        self._done = last

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # io hands it a memoryview
        while not self._plain:
            if self._done:
                return 0
            self._next()
        n = min(len(buffer), len(self._plain))
        buffer[:n] = self._plain[:n]
        self._plain = self._plain[n:]
        return n


def seal_directory(directory: Path, archive: Path, passphrase: str) -> Path:
    """Write ``directory`` as a sealed tar (members under its name) to ``archive``, owner-only.

    Raises:
        UsageError: the passphrase is shorter than ``MIN_PASSPHRASE``.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(f"the passphrase must have at least {MIN_PASSPHRASE} characters")
    directory = Path(directory)
    with atomic_path(archive) as partial:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            writer = _SealingWriter(out, passphrase)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                tar.add(directory, arcname=_arcname(directory), recursive=True)
            writer.finish()
    return archive


def _arcname(directory: Path) -> str:
    # A staging directory is archived under the name it will be published with.
    name = directory.name
    if name.startswith(".") and ".partial-" in name:
        name = name[1:].split(".partial-")[0]
    return name


def open_sealed(archive: Path, passphrase: str, into: Path) -> Path:
    """Decrypt and unpack a sealed archive into the (private, empty) directory ``into``.

    Returns:
        The package directory unpacked (the archive's single top-level directory).

    Raises:
        AuditError: wrong passphrase, altered or truncated archive, or unexpected members.
    """
    with open(archive, "rb") as src:
        reader = io.BufferedReader(_OpeningReader(src, passphrase), buffer_size=CHUNK)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                tops = set()
                for member in tar:
                    tops.add(member.name.split("/", 1)[0])
                    # 'data' refuses absolute paths, '..', links out and device files.
                    tar.extract(member, into, filter="data")
        except tarfile.TarError as exc:
            raise AuditError(f"{archive}: not a valid package archive ({exc})") from exc
    if len(tops) != 1:
        raise AuditError(f"{archive}: expected one package directory, found {sorted(tops)}")
    return Path(into) / tops.pop()
