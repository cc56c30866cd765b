"""Merchant onboarding, for operators: create merchants, issue/list/revoke their API keys, import and export
their store (STORE_FORMAT.md). One service behind ``souk merchant``/``souk store`` and /v1/operator.

API keys: the plaintext comes back once, from ``create_merchant`` or ``issue_key``; only a scrypt hash is
stored. Every check of a key reads its row in the shared database (SqlApiKeyRepo.verify), so a revoked key
stops working at once on every node.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from souk.domain.accounts import ApiKey
from souk.domain.merchants import new_merchant
from souk.domain.models import Merchant
from souk.domain.ports import ApiKeyRepo, MerchantRepo
from souk.domain.store import StoreSnapshot
from souk.domain.storefile import read_store, store_document

log = logging.getLogger(__name__)

FIRST_KEY_LABEL = "initial"


class StoreFiles(Protocol):
    async def import_store(self, merchant_id: str, snap: StoreSnapshot) -> dict[str, dict[str, int]]: ...


class OnboardingStorage(Protocol):
    @property
    def merchants(self) -> MerchantRepo: ...
    @property
    def api_keys(self) -> ApiKeyRepo: ...
    @property
    def store_files(self) -> StoreFiles: ...

    async def snapshot(self, merchant_id: str) -> StoreSnapshot: ...


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new API key: ``key`` is the plaintext, shown this once."""

    key: str
    record: ApiKey


@dataclass(frozen=True, slots=True)
class MerchantSpec:
    id: str
    name: str
    currency: str
    region: str
    languages: tuple[str, ...] = ("en",)
    timezone: str = "UTC"
    ships_from: str = ""
    country: str = ""


class Onboarding:
    def __init__(self, storage: OnboardingStorage) -> None:
        self._storage = storage

    async def create_merchant(self, spec: MerchantSpec) -> tuple[Merchant, IssuedKey]:
        """Create the merchant (``bad_merchant`` listing every problem, ``merchant_exists``) and its first key."""
        merchant = new_merchant(spec.id, name=spec.name, currency=spec.currency, region=spec.region,
                                languages=spec.languages, timezone=spec.timezone, ships_from=spec.ships_from,
                                country=spec.country)
        created = await self._storage.merchants.create(merchant)
        key = await self.issue_key(created.id, FIRST_KEY_LABEL)
        log.info("merchant %s created (%s, region %s), key %s", created.id, created.currency, created.region,
                 key.record.key_id)
        return created, key

    async def merchants(self) -> list[Merchant]:
        return await self._storage.merchants.list()

    async def merchant(self, merchant_id: str) -> Merchant:
        return await self._storage.merchants.get(merchant_id)

    async def issue_key(self, merchant_id: str, label: str = "") -> IssuedKey:
        await self._storage.merchants.get(merchant_id)  # merchant_not_found, not a foreign-key error
        key, record = await self._storage.api_keys.create(merchant_id, label)
        log.info("merchant %s: API key %s issued", merchant_id, record.key_id)
        return IssuedKey(key=key, record=record)

    async def keys(self, merchant_id: str) -> list[ApiKey]:
        await self._storage.merchants.get(merchant_id)
        return await self._storage.api_keys.list(merchant_id)

    async def revoke_key(self, merchant_id: str, key_id: str) -> ApiKey:
        """Revoke (idempotent: revoking a revoked key answers it as it is). Another merchant's key is 404."""
        await self._storage.merchants.get(merchant_id)
        record = await self._storage.api_keys.revoke(merchant_id, key_id)
        log.info("merchant %s: API key %s revoked", merchant_id, key_id)
        return record

    async def import_store(self, merchant_id: str, data: object) -> dict[str, dict[str, int]]:
        """Check the whole file against the merchant (StoreInvalid: every problem with its JSON path; nothing
        is written), then write it in one transaction. Returns per table the records added and replaced."""
        merchant = await self._storage.merchants.get(merchant_id)
        # a merchant created without a currency takes its first store file's; after that the file must match
        snap = read_store(data, merchant_id=merchant.id, currency=merchant.currency or None)
        counts = await self._storage.store_files.import_store(merchant.id, snap)
        log.info("merchant %s: store imported %s", merchant_id, counts)
        return counts

    async def export_store(self, merchant_id: str) -> dict[str, Any]:
        """The merchant's store as a store file (``as_of`` = today)."""
        return store_document(await self._storage.snapshot(merchant_id))


def key_view(record: ApiKey, key: str | None = None) -> dict[str, Any]:
    """An API key for output (JSON): the plaintext only when given (at creation)."""
    out: dict[str, Any] = {"key_id": record.key_id, "merchant_id": record.merchant_id, "label": record.label,
                           "created_at": record.created_at.isoformat(),
                           "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
                           "active": record.revoked_at is None}
    if key is not None:
        out["api_key"] = key
    return out


def merchant_view(m: Merchant) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "currency": m.currency, "region": m.region, "languages": list(m.languages),
            "timezone": m.timezone, "ships_from": m.ships_from, "country": m.country}
