"""Per-merchant data keys for encryption at rest (issue 17 part 7; docs/privacy.md "Encryption").

Envelope encryption: each merchant has data keys (AES-256) stored in ``merchant_keys`` wrapped (AES-GCM) by a
master key that never enters the database (``[privacy] master_key`` / ``master_key_file``, or generated once
into ``<data_dir>/master_key``). One key is active and encrypts new data; rotation makes a new active key and
retires the old one, which still decrypts what it wrote until the data is re-encrypted; crypto-shredding
destroys every key of a merchant, so every recording and transcript of theirs becomes unreadable at once
(backups included). Unwrapped keys are cached in memory at most ``CACHE_S`` seconds, so a shred or rotation
made on another node reaches this one within that time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, Conflict, NotFound
from souk.core.settings import Settings
from souk.privacy import crypto
from souk.privacy.crypto import CryptoError

log = logging.getLogger(__name__)

MASTER_FILE = "master_key"
CACHE_S = 60.0
ACTIVE, RETIRED, DESTROYED = "active", "retired", "destroyed"
PURPOSE_DESK_EVENT = "desk_event"  # a desk event's JSON body (transcripts are desk events)


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A stored data key: its material only wrapped by the master key ``master_id``."""

    merchant_id: str
    key_id: str
    state: str
    master_id: str
    wrapped: bytes
    created_at: dt.datetime
    retired_at: dt.datetime | None


class KeyStore(Protocol):
    """Where wrapped keys live (souk.storage.repos.merchant_keys)."""

    async def active(self, merchant_id: str) -> WrappedKey | None: ...
    async def get(self, merchant_id: str, key_id: str) -> WrappedKey: ...
    async def list(self, merchant_id: str) -> list[WrappedKey]: ...
    async def create_active(self, merchant_id: str, key_id: str, master_id: str, wrapped: bytes, *,
                            retire_current: bool) -> None: ...
    async def rewrap(self, merchant_id: str, key_id: str, old_master_id: str, master_id: str,
                     wrapped: bytes) -> bool: ...
    async def destroy(self, merchant_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class MasterKey:
    key: bytes

    @property
    def id(self) -> str:
        return hashlib.sha256(b"souk-master-key\0" + self.key).hexdigest()[:16]

    @classmethod
    def parse(cls, text: str, where: str) -> MasterKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except ValueError as exc:
            raise ConfigError(f"{where}: the master key is not base64") from exc
        if len(raw) != crypto.KEY_BYTES:
            raise ConfigError(f"{where}: the master key must be {crypto.KEY_BYTES} bytes (base64), got {len(raw)}")
        return cls(raw)


def _generated(data_dir: Path) -> MasterKey:
    path = data_dir / MASTER_FILE
    if path.exists():
        return MasterKey.parse(path.read_text(encoding="ascii"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(base64.b64encode(crypto.new_key()).decode() + "\n")
    log.warning("generated a master key in %s: set [privacy] master_key_file on another disk for real protection",
                path)
    return MasterKey.parse(path.read_text(encoding="ascii"), str(path))


def master_keys(settings: Settings) -> tuple[MasterKey, dict[str, MasterKey]]:
    """The current master key and every known one by id (current and previous)."""
    p = settings.privacy
    if p.master_key.get_secret_value():
        current = MasterKey.parse(p.master_key.get_secret_value(), "privacy.master_key")
    elif p.master_key_file:
        try:
            text = Path(p.master_key_file).expanduser().read_text(encoding="ascii")
        except OSError as exc:
            raise ConfigError(f"privacy.master_key_file {p.master_key_file}: {exc.strerror or exc}") from exc
        current = MasterKey.parse(text, p.master_key_file)
    else:
        current = _generated(settings.data_path)
    known = {current.id: current}
    for i, old in enumerate(p.previous_master_keys):
        k = MasterKey.parse(old.get_secret_value(), f"privacy.previous_master_keys[{i}]")
        known.setdefault(k.id, k)
    return current, known


def _wrap_aad(merchant_id: str, key_id: str) -> bytes:
    return b"souk-data-key\0" + merchant_id.encode() + b"\0" + key_id.encode()


def wrap(master: MasterKey, merchant_id: str, key_id: str, key: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master.key).encrypt(nonce, key, _wrap_aad(merchant_id, key_id))


def unwrap(master: MasterKey, merchant_id: str, key_id: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master.key).decrypt(wrapped[:12], wrapped[12:], _wrap_aad(merchant_id, key_id))
    except (InvalidTag, ValueError):
        raise CryptoError(f"data key {key_id} of {merchant_id} does not unwrap with its master key "
                          "(tampered row or wrong master key)", code="key_unwrap_failed") from None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    state: str
    master_id: str
    created_at: str
    retired_at: str | None


class KeyRing:
    """A merchant's data keys: the active one for new data, any of theirs for old data."""

    def __init__(self, repo: KeyStore, master: MasterKey | Callable[[], tuple[MasterKey, dict[str, MasterKey]]],
                 known: dict[str, MasterKey] | None = None, clock: Clock | None = None) -> None:
        """``master``: the master key, or a loader called on first use (so opening storage never touches
        key files until something is encrypted)."""
        self._repo = repo
        self._loader = master if callable(master) else None
        self._master = None if callable(master) else master
        self._known = dict(known or {})
        self._clock = clock or SystemClock()
        self._cache: dict[tuple[str, str], tuple[float, bytes]] = {}
        self._active: dict[str, tuple[float, str]] = {}

    @classmethod
    def from_settings(cls, repo: KeyStore, settings: Settings, clock: Clock | None = None) -> KeyRing:
        return cls(repo, lambda: master_keys(settings), clock=clock)

    @property
    def master(self) -> MasterKey:
        if self._master is None:
            assert self._loader is not None  # one of the two is always set (__init__)
            current, known = self._loader()
            self._known |= known
            self._master = current
        self._known.setdefault(self._master.id, self._master)
        return self._master

    # ---- keys ----
    async def active(self, merchant_id: str) -> tuple[str, bytes]:
        """The merchant's active key id and key, made on first use."""
        now = self._clock.now()
        hit = self._active.get(merchant_id)
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1], await self.key(merchant_id, hit[1])
        row = await self._repo.active(merchant_id)
        if row is None:
            try:
                key_id = await self._create(merchant_id, retire_current=False)
            except Conflict:  # another node or task made it first: use theirs
                row = await self._repo.active(merchant_id)
                if row is None:
                    raise
                key_id = row.key_id
        else:
            key_id = row.key_id
            self._remember(row)
        self._active[merchant_id] = (now, key_id)
        return key_id, await self.key(merchant_id, key_id)

    async def key(self, merchant_id: str, key_id: str) -> bytes:
        now = self._clock.now()
        hit = self._cache.get((merchant_id, key_id))
        if hit is not None and now - hit[0] < CACHE_S:
            return hit[1]
        try:
            row = await self._repo.get(merchant_id, key_id)
        except NotFound:
            raise CryptoError(f"{merchant_id} has no data key {key_id} (another merchant's data?)",
                              code="key_not_found") from None
        return self._remember(row)

    def _remember(self, row: WrappedKey) -> bytes:
        if row.state == DESTROYED:
            raise CryptoError(f"data key {row.key_id} of {row.merchant_id} was destroyed (crypto-shredded)",
                              code="key_destroyed")
        master = self.master if row.master_id == self.master.id else self._known.get(row.master_id)
        if master is None:
            raise CryptoError(f"data key {row.key_id} of {row.merchant_id} is wrapped by master key "
                              f"{row.master_id}, which this node does not have (add it to "
                              "privacy.previous_master_keys)", code="master_key_missing")
        key = unwrap(master, row.merchant_id, row.key_id, row.wrapped)
        self._cache[(row.merchant_id, row.key_id)] = (self._clock.now(), key)
        return key

    async def _create(self, merchant_id: str, *, retire_current: bool) -> str:
        key_id = "k" + secrets.token_hex(6)
        key = crypto.new_key()
        await self._repo.create_active(merchant_id, key_id, self.master.id, wrap(self.master, merchant_id, key_id, key),
                                       retire_current=retire_current)
        self._cache[(merchant_id, key_id)] = (self._clock.now(), key)
        self._active[merchant_id] = (self._clock.now(), key_id)
        log.info("data key %s of %s created (master %s)", key_id, merchant_id, self.master.id)
        return key_id

    async def rotate(self, merchant_id: str) -> str:
        """A new active key for new data; the old one is retired (it still decrypts what it wrote)."""
        return await self._create(merchant_id, retire_current=True)

    async def rewrap(self, merchant_id: str) -> int:
        """Wrap every live key of the merchant with the current master key; how many changed."""
        changed = 0
        for row in await self._repo.list(merchant_id):
            if row.state == DESTROYED or row.master_id == self.master.id:
                continue
            key = self._remember(row)
            if await self._repo.rewrap(merchant_id, row.key_id, row.master_id, self.master.id,
                                       wrap(self.master, merchant_id, row.key_id, key)):
                changed += 1
        return changed

    async def shred(self, merchant_id: str) -> int:
        """Crypto-shredding: destroy every key of the merchant; how many had material."""
        self._active.pop(merchant_id, None)
        for k in [k for k in self._cache if k[0] == merchant_id]:
            del self._cache[k]
        count = await self._repo.destroy(merchant_id)
        log.warning("crypto-shredded %d data keys of %s", count, merchant_id)
        return count

    async def keys(self, merchant_id: str) -> list[KeyInfo]:
        return [KeyInfo(r.key_id, r.state, r.master_id, r.created_at.isoformat(),
                        r.retired_at.isoformat() if r.retired_at else None) for r in await self._repo.list(merchant_id)]

    # ---- values ----
    async def seal(self, merchant_id: str, purpose: str, text: str) -> str:
        """ValueSealer (souk.storage.repos.desk): the same as seal_text."""
        return await self.seal_text(merchant_id, purpose, text)

    async def open(self, merchant_id: str, purpose: str, value: str) -> str:
        return await self.open_text(merchant_id, purpose, value)

    async def seal_text(self, merchant_id: str, purpose: str, text: str) -> str:
        key_id, key = await self.active(merchant_id)
        return crypto.seal_value(key, key_id, merchant_id, purpose, text)

    async def open_text(self, merchant_id: str, purpose: str, value: str) -> str:
        """The plaintext of a sealed value; a value written before encryption was on passes through as is."""
        if not crypto.is_sealed(value):
            return value
        key = await self.key(merchant_id, crypto.value_key_id(value))
        return crypto.open_value(key, merchant_id, purpose, value)
