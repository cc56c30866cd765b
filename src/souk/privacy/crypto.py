"""Envelope encryption formats (AES-256-GCM, `cryptography`): pure functions on bytes, no keys stored here.

Two formats, both naming the data key that wrote them and bound to the merchant and purpose through the
AEAD's associated data, so a blob copied into another merchant's row or file does not decrypt:

- **Files** (recordings): ``SOUKENC1`` + u16 header length + a JSON header ``{"m": merchant, "k": key id,
  "p": purpose, "cs": chunk size, "n": nonce prefix (hex, 8 bytes)}``, then the plaintext in chunks of ``cs``
  bytes, each sealed alone with nonce ``prefix || u32 index`` and associated data ``header || u32 index ||
  final flag``. Reordered, dropped, truncated or appended chunks fail; any plaintext range is read by opening
  only the chunks it covers (the replay serves HTTP ranges this way), and memory stays one chunk.
- **Values** (transcript text in a column): ``enc1:<key id>:<base64url(nonce || ciphertext)>``; associated
  data ``merchant \\0 purpose \\0 key id``.

Errors: :class:`CryptoError` (a ``SoukError``, kind internal: stored data we cannot open is our fault) for tampered or foreign data, never a
partial plaintext.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from souk.core.errors import SoukError

MAGIC = b"SOUKENC1"
VALUE_PREFIX = "enc1:"
CHUNK = 64 * 1024
TAG = 16
KEY_BYTES = 32
_HEAD = struct.Struct(">H")
_INDEX = struct.Struct(">I")
MAX_HEADER = 4096


class Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


class CryptoError(SoukError):
    """Encrypted data that does not open: tampered, truncated, another merchant's, or a key we do not have."""

    def __init__(self, message: str, *, code: str = "decrypt_failed") -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True, slots=True)
class FileHeader:
    merchant_id: str
    key_id: str
    purpose: str
    chunk: int
    nonce_prefix: bytes
    raw: bytes  # the header's bytes as written (part of every chunk's associated data)

    @property
    def offset(self) -> int:
        """Where the first chunk starts."""
        return len(MAGIC) + _HEAD.size + len(self.raw)

    def plain_size(self, file_size: int) -> int:
        body = file_size - self.offset
        sealed = self.chunk + TAG
        full, rest = divmod(body, sealed)
        if rest == 0:  # the last chunk is a full one (or the file holds only an empty final chunk)
            if full == 0:
                raise CryptoError("encrypted file has no chunks", code="decrypt_truncated")
            return full * self.chunk
        if rest < TAG:
            raise CryptoError("encrypted file is truncated mid-chunk", code="decrypt_truncated")
        return full * self.chunk + rest - TAG

    def chunks(self, file_size: int) -> int:
        body = file_size - self.offset
        full, rest = divmod(body, self.chunk + TAG)
        return full + (1 if rest else 0)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _check_key(key: bytes) -> AESGCM:
    if len(key) != KEY_BYTES:
        raise CryptoError(f"a data key is {KEY_BYTES} bytes, got {len(key)}", code="bad_key")
    return AESGCM(key)


# ---- values ----
def _value_aad(merchant_id: str, purpose: str, key_id: str) -> bytes:
    return b"\0".join(p.encode() for p in (merchant_id, purpose, key_id))


def seal_value(key: bytes, key_id: str, merchant_id: str, purpose: str, text: str) -> str:
    """``text`` as an ``enc1:`` string (ASCII, fits a text column)."""
    if ":" in key_id:
        raise CryptoError(f"key id {key_id!r} may not contain ':'", code="bad_key")
    nonce = os.urandom(12)
    sealed = _check_key(key).encrypt(nonce, text.encode("utf-8"), _value_aad(merchant_id, purpose, key_id))
    return f"{VALUE_PREFIX}{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def is_sealed(value: str) -> bool:
    return value.startswith(VALUE_PREFIX)


def value_key_id(value: str) -> str:
    """The key id an ``enc1:`` string names (CryptoError if it is not one)."""
    if not is_sealed(value):
        raise CryptoError("not an encrypted value", code="decrypt_malformed")
    key_id, sep, _ = value[len(VALUE_PREFIX):].partition(":")
    if not sep or not key_id:
        raise CryptoError("encrypted value without a key id", code="decrypt_malformed")
    return key_id


def open_value(key: bytes, merchant_id: str, purpose: str, value: str) -> str:
    key_id = value_key_id(value)
    try:
        blob = base64.urlsafe_b64decode(value[len(VALUE_PREFIX) + len(key_id) + 1:].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CryptoError("encrypted value is not base64", code="decrypt_malformed") from exc
    if len(blob) < 12 + TAG:
        raise CryptoError("encrypted value too short", code="decrypt_malformed")
    try:
        plain = _check_key(key).decrypt(blob[:12], blob[12:], _value_aad(merchant_id, purpose, key_id))
    except InvalidTag:
        raise CryptoError("encrypted value does not open with its key (tampered, or another merchant's)") from None
    return plain.decode("utf-8")


# ---- files ----
def file_header(merchant_id: str, key_id: str, purpose: str, *, chunk: int = CHUNK) -> FileHeader:
    prefix = os.urandom(8)
    raw = json.dumps({"m": merchant_id, "k": key_id, "p": purpose, "cs": chunk, "n": prefix.hex()},
                     separators=(",", ":"), sort_keys=True).encode()
    return FileHeader(merchant_id, key_id, purpose, chunk, prefix, raw)


def read_header(fh: BinaryIO) -> FileHeader:
    """The header of an encrypted file open at its start (CryptoError if it is not one of ours)."""
    if fh.read(len(MAGIC)) != MAGIC:
        raise CryptoError("not an encrypted Souk file", code="decrypt_malformed")
    size = fh.read(_HEAD.size)
    if len(size) != _HEAD.size or not 0 < _HEAD.unpack(size)[0] <= MAX_HEADER:
        raise CryptoError("encrypted file header is damaged", code="decrypt_malformed")
    raw = fh.read(_HEAD.unpack(size)[0])
    try:
        doc = json.loads(raw)
        header = FileHeader(str(doc["m"]), str(doc["k"]), str(doc["p"]), int(doc["cs"]), bytes.fromhex(doc["n"]),
                            raw)
    except (ValueError, KeyError, TypeError) as exc:
        raise CryptoError("encrypted file header is damaged", code="decrypt_malformed") from exc
    if header.chunk <= 0 or len(header.nonce_prefix) != 8:
        raise CryptoError("encrypted file header is damaged", code="decrypt_malformed")
    return header


def _chunk_aad(header: FileHeader, index: int, final: bool) -> bytes:
    return header.raw + _INDEX.pack(index) + (b"\1" if final else b"\0")


def _nonce(header: FileHeader, index: int) -> bytes:
    return header.nonce_prefix + _INDEX.pack(index)


def encrypt_stream(key: bytes, header: FileHeader, src: Readable, dst: BinaryIO) -> int:
    """Write ``src`` to ``dst`` encrypted; returns the plaintext bytes written."""
    aead = _check_key(key)
    dst.write(MAGIC + _HEAD.pack(len(header.raw)) + header.raw)
    total, index = 0, 0
    block = src.read(header.chunk)
    while True:
        following = src.read(header.chunk) if len(block) == header.chunk else b""
        final = not following
        dst.write(aead.encrypt(_nonce(header, index), block, _chunk_aad(header, index, final)))
        total += len(block)
        if final:
            return total
        block, index = following, index + 1


def decrypt_range(key: bytes, header: FileHeader, fh: BinaryIO, file_size: int, start: int = 0,
                  end: int | None = None) -> Iterator[bytes]:
    """Plaintext bytes ``[start, end)`` (``end`` None: to the end), opening only the chunks they cover."""
    aead = _check_key(key)
    size = header.plain_size(file_size)
    count = header.chunks(file_size)
    stop = size if end is None else min(end, size)
    if start >= stop:
        # an empty range still proves the file's last chunk (and so its length) is intact
        start = stop = size
    first = min(start // header.chunk, count - 1)
    last = count - 1 if stop == size else (stop - 1) // header.chunk
    for index in range(first, last + 1):
        fh.seek(header.offset + index * (header.chunk + TAG))
        sealed = fh.read(header.chunk + TAG)
        try:
            plain = aead.decrypt(_nonce(header, index), sealed, _chunk_aad(header, index, index == count - 1))
        except InvalidTag:
            raise CryptoError(f"chunk {index} of an encrypted file does not open (tampered, truncated or "
                              "another merchant's)") from None
        lo = max(start - index * header.chunk, 0)
        hi = min(stop - index * header.chunk, len(plain))
        if hi > lo:
            yield plain[lo:hi]
