"""Ports: what the rest of Souk asks of storage. souk.storage implements them (SQLite, PostgreSQL).

Every method that touches tenant data takes ``merchant_id`` first and never sees another merchant's
rows. Errors: unknown ids raise ``souk.core.errors.NotFound``; duplicates, closed rooms, finished calls
and insufficient stock raise ``Conflict`` (stock: code ``out_of_stock``); bad arguments raise
``BadRequest``; an unreachable database raises ``Unavailable`` (retryable).
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from souk.domain.accounts import ApiKey, User, UserRole
from souk.domain.calls import CallOutcome, CallRecord
from souk.domain.checkout import NewOrder
from souk.domain.models import (
    Customer,
    FaqEntry,
    Merchant,
    Order,
    OrderStatus,
    Policies,
    Product,
    ShippingZone,
)
from souk.domain.rooms import Participant, Room, RoomKind, RoomStatus
from souk.domain.store import StoreSnapshot


class MerchantRepo(Protocol):
    async def create(self, merchant: Merchant) -> Merchant: ...
    async def upsert(self, merchant: Merchant) -> Merchant: ...
    async def get(self, merchant_id: str) -> Merchant: ...
    async def list(self) -> list[Merchant]: ...
    async def data_regions(self) -> dict[str, str]:
        """Every merchant's data region ("" = none assigned)."""
        ...

    async def data_region(self, merchant_id: str) -> str: ...
    async def set_data_region(self, merchant_id: str, region: str) -> None: ...


class ApiKeyRepo(Protocol):
    async def create(self, merchant_id: str, label: str = "") -> tuple[str, ApiKey]:
        """Mint a key; returns (plaintext key shown once, stored record)."""
        ...

    async def verify(self, key: str) -> ApiKey:
        """The active key record for a plaintext key; raises Unauthenticated otherwise."""
        ...

    async def revoke(self, merchant_id: str, key_id: str) -> ApiKey: ...
    async def get(self, merchant_id: str, key_id: str) -> ApiKey: ...
    async def list(self, merchant_id: str) -> list[ApiKey]: ...


class UserRepo(Protocol):
    async def create(
        self,
        merchant_id: str,
        *,
        role: UserRole,
        name: str,
        email: str | None = None,
        languages: Sequence[str] = ("en",),
        skills: Sequence[str] = (),
        user_id: str | None = None,
    ) -> User: ...

    async def get(self, merchant_id: str, user_id: str) -> User: ...

    async def list(
        self, merchant_id: str, *, role: UserRole | None = None, language: str | None = None,
        active_only: bool = True,
    ) -> list[User]: ...

    async def update(
        self,
        merchant_id: str,
        user_id: str,
        *,
        name: str | None = None,
        email: str | None = None,
        languages: Sequence[str] | None = None,
        skills: Sequence[str] | None = None,
        active: bool | None = None,
    ) -> User: ...


class CatalogRepo(Protocol):
    async def upsert(self, merchant_id: str, product: Product) -> Product: ...
    async def get(self, merchant_id: str, sku: str) -> Product: ...
    async def list(self, merchant_id: str, *, category: str | None = None) -> list[Product]: ...

    async def decrement_stock(self, merchant_id: str, sku: str, qty: int) -> int:
        """Atomically take ``qty`` units; returns the stock left. Never oversells (Conflict out_of_stock)."""
        ...

    async def restock(self, merchant_id: str, sku: str, qty: int) -> int: ...


class CustomerRepo(Protocol):
    async def upsert(self, merchant_id: str, customer: Customer) -> Customer: ...
    async def get(self, merchant_id: str, customer_id: str) -> Customer: ...
    async def find_by_email(self, merchant_id: str, email: str) -> Customer | None: ...
    async def list(self, merchant_id: str) -> list[Customer]: ...


class OrderRepo(Protocol):
    async def create(self, merchant_id: str, new: NewOrder, *, placed_on: dt.date | None = None) -> Order:
        """Price the lines from the catalog and take the stock, all or nothing (Conflict out_of_stock)."""
        ...

    async def put(self, merchant_id: str, order: Order) -> Order:
        """Insert or replace a whole order as given (imports, seeding); does not touch stock."""
        ...

    async def get(self, merchant_id: str, order_id: str) -> Order: ...
    async def of_customer(self, merchant_id: str, customer_id: str) -> list[Order]: ...

    async def list(
        self, merchant_id: str, *, status: OrderStatus | None = None, limit: int = 100
    ) -> list[Order]: ...

    async def update_status(
        self,
        merchant_id: str,
        order_id: str,
        status: OrderStatus,
        *,
        carrier: str | None = None,
        tracking_number: str | None = None,
        shipped_on: dt.date | None = None,
        delivered_on: dt.date | None = None,
        estimated_delivery: tuple[dt.date, dt.date] | None = None,
        note: str | None = None,
    ) -> Order: ...

    async def record_refund(
        self, merchant_id: str, order_id: str, amount: Decimal, *, refund_status: str = "refunded"
    ) -> Order: ...

    async def cancel(self, merchant_id: str, order_id: str, *, restock: bool = True) -> Order:
        """Cancel a pending/processing order and (by default) put its units back in stock."""
        ...


class StoreInfoRepo(Protocol):
    """Shipping zones, policies and FAQ: small documents replaced as a whole."""

    async def set_shipping(self, merchant_id: str, zones: Sequence[ShippingZone]) -> None: ...
    async def shipping(self, merchant_id: str) -> list[ShippingZone]: ...
    async def set_policies(self, merchant_id: str, policies: Policies) -> None: ...
    async def policies(self, merchant_id: str) -> Policies: ...
    async def set_faq(self, merchant_id: str, faq: Sequence[FaqEntry]) -> None: ...
    async def faq(self, merchant_id: str) -> list[FaqEntry]: ...


class StoreReader(Protocol):
    """The assistant's view: one merchant's whole store as an immutable snapshot."""

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot: ...


class RoomRepo(Protocol):
    async def create(
        self, merchant_id: str, kind: RoomKind, *, room_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Room: ...

    async def get(self, merchant_id: str, room_id: str) -> Room: ...

    async def list(
        self, merchant_id: str, *, status: RoomStatus | None = None, kind: RoomKind | None = None,
        limit: int = 100,
    ) -> list[Room]: ...

    async def update_metadata(self, merchant_id: str, room_id: str, metadata: dict[str, Any]) -> Room: ...

    async def close(self, merchant_id: str, room_id: str) -> Room:
        """Close the room (idempotent) and mark everyone still present as left."""
        ...

    async def join(
        self, merchant_id: str, room_id: str, identity: str, role: str, *, name: str = ""
    ) -> Participant:
        """Record a join; an identity already present gets its current record back (idempotent)."""
        ...

    async def leave(self, merchant_id: str, room_id: str, identity: str) -> Participant: ...

    async def participants(
        self, merchant_id: str, room_id: str, *, present_only: bool = True
    ) -> builtins.list[Participant]: ...


class CallRepo(Protocol):
    async def create(
        self,
        merchant_id: str,
        *,
        shopper_identity: str,
        room_id: str | None = None,
        seller_identity: str | None = None,
        product_sku: str | None = None,
        language: str | None = None,
        call_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> CallRecord: ...

    async def get(self, merchant_id: str, call_id: str) -> CallRecord: ...

    async def answer(self, merchant_id: str, call_id: str, *, seller_identity: str,
                     detail: dict[str, Any] | None = None) -> CallRecord:
        """Mark a ringing call answered (Conflict if it was answered or ended already): one conditional write,
        so of two nodes answering at once exactly one wins."""
        ...

    async def interrupt(self, merchant_id: str, call_id: str) -> CallRecord | None:
        """End one open call as ``interrupted`` (its node died); None when it had ended already."""
        ...

    async def open(self, merchant_id: str, *, limit: int = 500) -> builtins.list[CallRecord]:
        """The merchant's calls ringing or running now, on any node (oldest first)."""
        ...

    async def set_room(self, merchant_id: str, call_id: str, room_id: str) -> CallRecord: ...

    async def finish(self, merchant_id: str, call_id: str, outcome: CallOutcome,
                     detail: dict[str, Any] | None = None) -> CallRecord:
        """End the call; duration = ended - answered (0 if never answered).

        An answered call ends ``completed`` or ``failed``; one never answered ends ``declined``, ``missed``,
        ``cancelled`` or ``failed``. Anything else, or ending a call twice, is a Conflict.
        """
        ...

    async def interrupt_open(self, merchant_id: str) -> builtins.list[CallRecord]:
        """End, as ``interrupted``, the calls of this node (the repository's node id) still ringing or running:
        at start-up they belong to the node's previous process, which died. Returns the calls ended."""
        ...

    async def list(
        self,
        merchant_id: str,
        *,
        seller_identity: str | None = None,
        shopper_identity: str | None = None,
        since: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[CallRecord]: ...


class StoragePort(Protocol):
    """Everything storage offers, as one object (souk.storage.Storage implements it)."""

    @property
    def merchants(self) -> MerchantRepo: ...
    @property
    def api_keys(self) -> ApiKeyRepo: ...
    @property
    def users(self) -> UserRepo: ...
    @property
    def catalog(self) -> CatalogRepo: ...
    @property
    def customers(self) -> CustomerRepo: ...
    @property
    def orders(self) -> OrderRepo: ...
    @property
    def store_info(self) -> StoreInfoRepo: ...
    @property
    def reader(self) -> StoreReader: ...
    @property
    def rooms(self) -> RoomRepo: ...
    @property
    def calls(self) -> CallRepo: ...

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot: ...
    async def aclose(self) -> None: ...
