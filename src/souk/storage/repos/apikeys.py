"""Merchant API keys: only the key id and a salted scrypt hash are stored."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa

from souk.auth.apikeys import check_api_key, generate_api_key, parse_key_id
from souk.core.errors import NotFound, Unauthenticated
from souk.domain.accounts import ApiKey
from souk.storage.repos.base import Repo
from souk.storage.schema import api_keys

_BAD_KEY = "invalid or revoked API key"
VERIFIED_CACHE_SIZE = 4096


# A stored hash no key matches (zero salt and digest): checking an unknown key id against it costs the one
# scrypt that checking a wrong secret of a real id costs, and building it runs no scrypt on the event loop.
_DUMMY_HASH = f"scrypt${'00' * 16}${'00' * 32}"


def _dummy_hash() -> str:
    return _DUMMY_HASH


def _record(row: Any) -> ApiKey:
    return ApiKey(key_id=row.key_id, merchant_id=row.merchant_id, label=row.label,
                  created_at=row.created_at, revoked_at=row.revoked_at)


class SqlApiKeyRepo(Repo):
    """scrypt (~50-100 ms of CPU) runs once per key and stored hash; later checks of the same key compare a
    SHA-256 of it (fine for a 256-bit random secret). The row is read every time, so revocation is
    immediate on every node."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verified: OrderedDict[str, tuple[str, bytes]] = OrderedDict()  # key_id -> (hash, sha256(key))

    async def create(self, merchant_id: str, label: str = "") -> tuple[str, ApiKey]:
        # scrypt costs ~50 ms of CPU: keep it off the event loop.
        key, key_id, key_hash = await asyncio.to_thread(generate_api_key)
        async with self._db.write() as conn:
            await conn.execute(api_keys.insert().values(
                key_id=key_id, merchant_id=merchant_id, label=label[:200], key_hash=key_hash,
                created_at=self._now(), revoked_at=None))
        return key, await self.get(merchant_id, key_id)

    async def verify(self, key: str) -> ApiKey:
        key_id = parse_key_id(key) if isinstance(key, str) else None
        if key_id is None:
            raise Unauthenticated(_BAD_KEY, code="bad_api_key")
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id))).first()
        if row is None or row.revoked_at is not None:
            # The same scrypt as a wrong secret costs, so the answer's timing does not tell which key ids exist.
            await asyncio.to_thread(check_api_key, key, _dummy_hash())
            raise Unauthenticated(_BAD_KEY, code="bad_api_key")
        fast = hashlib.sha256(key.encode()).digest()
        seen = self._verified.get(key_id)
        if seen is not None and seen[0] == row.key_hash and hmac.compare_digest(seen[1], fast):
            self._verified.move_to_end(key_id)
            return _record(row)
        if not await asyncio.to_thread(check_api_key, key, row.key_hash):
            raise Unauthenticated(_BAD_KEY, code="bad_api_key")
        self._verified[key_id] = (row.key_hash, fast)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return _record(row)

    async def revoke(self, merchant_id: str, key_id: str) -> ApiKey:
        async with self._db.write() as conn:
            await conn.execute(api_keys.update()
                               .where(api_keys.c.merchant_id == merchant_id, api_keys.c.key_id == key_id,
                                      api_keys.c.revoked_at.is_(None))
                               .values(revoked_at=self._now()))
        self._verified.pop(key_id, None)
        return await self.get(merchant_id, key_id)

    async def get(self, merchant_id: str, key_id: str) -> ApiKey:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(api_keys).where(
                api_keys.c.merchant_id == merchant_id, api_keys.c.key_id == key_id))).first()
        if row is None:
            raise NotFound(f"API key {key_id!r} not found", code="api_key_not_found")
        return _record(row)

    async def list(self, merchant_id: str) -> list[ApiKey]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(api_keys).where(api_keys.c.merchant_id == merchant_id)
                                       .order_by(api_keys.c.created_at, api_keys.c.key_id))).all()
        return [_record(r) for r in rows]
