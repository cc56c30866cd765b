"""Recordings encrypted at rest (souk.privacy.crypto's file format under a merchant's data key).

A finished recording file ``x.webm`` becomes ``x.webm.enc`` (written beside it, flushed, renamed into place,
then the plaintext removed); readers ask :meth:`FileVault.open` for a range of the plaintext. File work runs in
worker threads so a large recording never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from souk.privacy import crypto
from souk.privacy.crypto import CryptoError, FileHeader
from souk.privacy.keys import KeyRing

log = logging.getLogger(__name__)

SUFFIX = ".enc"
RECORDING = "recording"


def sealed_path(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


@dataclass(frozen=True, slots=True)
class SealedFile:
    """An encrypted file opened for reading: its header, on-disk size, plaintext size and key."""

    path: Path
    header: FileHeader
    file_size: int
    size: int
    key: bytes

    def iter_range(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Plaintext ``[start, end)``, chunk by chunk (a blocking iterator: run it in a thread)."""
        with self.path.open("rb") as fh:
            yield from crypto.decrypt_range(self.key, self.header, fh, self.file_size, start, end)

    def read_all(self) -> bytes:
        return b"".join(self.iter_range())


def _seal(key: bytes, header: FileHeader, path: Path) -> Path:
    target = sealed_path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    with path.open("rb") as src, tmp.open("wb") as dst:
        crypto.encrypt_stream(key, header, src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, target)
    path.unlink()
    return target


def _header(path: Path) -> tuple[FileHeader, int]:
    with path.open("rb") as fh:
        header = crypto.read_header(fh)
    return header, path.stat().st_size


class FileVault:
    """Seal and open a merchant's files with its data keys (souk.privacy.keys)."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    async def seal(self, merchant_id: str, path: Path, purpose: str = RECORDING) -> Path:
        """Encrypt ``path`` into ``path.enc`` and remove the plaintext; returns the new path."""
        key_id, key = await self.ring.active(merchant_id)
        header = crypto.file_header(merchant_id, key_id, purpose)
        sealed = await asyncio.to_thread(_seal, key, header, Path(path))
        log.info("sealed %s under %s/%s", sealed.name, merchant_id, key_id)
        return sealed

    async def open(self, merchant_id: str, path: Path) -> SealedFile:
        """An encrypted file of the merchant, ready to read (CryptoError for another merchant's or a damaged one)."""
        header, size = await asyncio.to_thread(_header, Path(path))
        if header.merchant_id != merchant_id:
            raise CryptoError(f"{Path(path).name} is not {merchant_id}'s", code="decrypt_foreign")
        key = await self.ring.key(merchant_id, header.key_id)
        return SealedFile(Path(path), header, size, header.plain_size(size), key)

    async def read_bytes(self, merchant_id: str, path: Path) -> bytes:
        """The whole plaintext of an encrypted file (export, small files)."""
        opened = await self.open(merchant_id, path)
        return await asyncio.to_thread(opened.read_all)

    async def reencrypt(self, merchant_id: str, path: Path) -> bool:
        """Encrypt ``path`` (a ``.enc`` file) again under the merchant's active key if another key wrote it;
        whether it changed. The new file replaces the old one atomically."""
        opened = await self.open(merchant_id, path)
        key_id, key = await self.ring.active(merchant_id)
        if opened.header.key_id == key_id:
            return False
        header = crypto.file_header(merchant_id, key_id, opened.header.purpose)
        await asyncio.to_thread(_reencrypt, opened, key, header)
        return True

    async def reencrypt_tree(self, merchant_id: str, root: Path) -> int:
        """Re-encrypt every ``.enc`` file under ``root/<merchant>``; how many changed."""
        base = Path(root) / merchant_id
        files = await asyncio.to_thread(lambda: sorted(base.rglob("*" + SUFFIX)) if base.is_dir() else [])
        changed = 0
        for f in files:
            if await self.reencrypt(merchant_id, f):
                changed += 1
        return changed


def _reencrypt(opened: SealedFile, key: bytes, header: FileHeader) -> None:
    tmp = opened.path.with_name(f".{opened.path.name}.re.tmp")
    aead_src = _Chunks(opened.iter_range())
    with tmp.open("wb") as dst:
        crypto.encrypt_stream(key, header, aead_src, dst)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, opened.path)


class _Chunks:
    """A read()-able view of an iterator of byte strings (the decrypted plaintext, fed to encrypt_stream)."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._buf = bytearray()

    def read(self, n: int) -> bytes:
        while len(self._buf) < n:
            part = next(self._parts, None)
            if part is None:
                break
            self._buf += part
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out
