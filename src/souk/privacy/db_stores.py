"""The customer's data in the database, as CustomerStores (souk.privacy.customer; docs/privacy.md "Erasure").

- ``customers``: the customer's row, their orders and what hangs off them (lines, actions, returns, coupon
  redemptions, flash-sale buys, group-buy joins). Orders are KEPT (books, tax): re-keyed to the erasure's
  pseudonym under a stand-in customer row with no personal fields; the note goes and the shipping address
  text is replaced (its country stays).
- ``shopper_accounts``: shopper rows of ``users`` with the customer's e-mail or identity (staff never).
- ``desk``: desk conversations (customer id or shopper identity) with their timelines: messages, notes,
  handoff packets, voice transcripts. Deleted.
- ``calls``: call records and room participants of the customer's identities. Deleted.
- ``quality``: call-quality records of the customer's identities. Deleted.
- ``live_carts``: the customer's carts in live rooms. Deleted.
- ``webhooks``: deliveries (with their attempts) and parked events whose signed payload names the customer
  (an identifier, or one of their order or conversation ids). Deleted: the receiver has its copy.
- ``translation_cache``: cached translations holding an identifier. Deleted.
- ``database``: last, every other table of the merchant: a row holding an identifier in its key goes, other
  rows keep their place with each identifier replaced by ``[erased]`` (room metadata, voice-room seat maps,
  order-action details, and any table added later). The audit log is never rewritten (docs).
"""

from __future__ import annotations

import json
from typing import Any

from souk.domain.desk.timeline import MAX_EVENTS, encode_event
from souk.privacy.customer import CustomerIds, CustomerStore, Erased, Exported, StoreBase
from souk.privacy.rawscan import text_pattern
from souk.storage import Storage
from souk.storage.repos.customer_data import NEVER_SCRUBBED, SqlCustomerDataRepo, plain

ORDER_CHILDREN = ("order_lines", "order_actions", "returns")  # by order_id
PURCHASES = ("coupon_redemptions", "flash_sale_buys", "group_buy_joins")  # by customer_id, kept with the orders
# Tables the stores above handle themselves; the ``database`` store exports what holds the ids elsewhere.
HANDLED = frozenset({"customers", "orders", *ORDER_CHILDREN, *PURCHASES, "users", "desk_conversations",
                     "desk_events", "call_records", "participants", "quality_records", "live_carts",
                     "webhook_deliveries", "webhook_attempts", "webhook_parked", "translation_cache"})


def repo(storage: Storage) -> SqlCustomerDataRepo:
    return SqlCustomerDataRepo(storage.db, storage.clock)


class _Db(StoreBase):
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._repo = repo(storage)


class CustomersStore(_Db):
    name = "customers"

    async def identify(self, ids: CustomerIds) -> CustomerIds:
        m = ids.merchant_id
        row = await self._repo.find_customer(m, ids.customer_id)
        if row is not None:
            ids = ids.with_(emails=[row["email"]], names=[row["name"]])
        orders = await self._repo.values(m, "orders", "id", "customer_id", [ids.customer_id])
        return ids.with_(order_ids=orders)

    async def export(self, ids: CustomerIds) -> Exported:
        m, r = ids.merchant_id, self._repo
        records: list[dict[str, Any]] = [{"table": "customers", **row}
                                         for row in await r.rows(m, "customers", "id", [ids.customer_id])]
        records += [{"table": "orders", **row} for row in await r.rows(m, "orders", "id", ids.order_ids)]
        for table in ORDER_CHILDREN:
            records += [{"table": table, **row} for row in await r.rows(m, table, "order_id", ids.order_ids)]
        for table in PURCHASES:
            records += [{"table": table, **row} for row in await r.rows(m, table, "customer_id", [ids.customer_id])]
        return Exported(records)

    async def erase(self, ids: CustomerIds) -> Erased:
        m, r = ids.merchant_id, self._repo
        anonymised = await r.anonymise_orders(m, ids.order_ids)
        moved = await r.rekey_customer(m, ids.customer_id, ids.pseudonym, PURCHASES)
        gone = 0 if moved else await r.delete(m, "customers", "id", [ids.customer_id])
        kept = (f"{len(ids.order_ids)} orders kept for the books under {ids.pseudonym} (note removed, address "
                "text replaced, country kept)") if ids.order_ids else ""
        return Erased(deleted=gone, anonymised=anonymised + moved, kept=kept)


class ShopperAccountsStore(_Db):
    name = "shopper_accounts"

    async def _ids(self, ids: CustomerIds) -> set[str]:
        m = ids.merchant_id
        by_email = await self._repo.rows(m, "users", "email", ids.emails)
        by_id = await self._repo.rows(m, "users", "id", ids.identities_all)
        return {u["id"] for u in by_email + by_id if u["role"] == "shopper"}

    async def identify(self, ids: CustomerIds) -> CustomerIds:
        found = await self._ids(ids)
        rows = await self._repo.rows(ids.merchant_id, "users", "id", found)
        return ids.with_(identities=found, names=[u["name"] for u in rows])

    async def export(self, ids: CustomerIds) -> Exported:
        return Exported([{"table": "users", **u} for u in
                         await self._repo.rows(ids.merchant_id, "users", "id", await self._ids(ids))])

    async def erase(self, ids: CustomerIds) -> Erased:
        return Erased(deleted=await self._repo.delete(ids.merchant_id, "users", "id", await self._ids(ids)))


class DeskStore(_Db):
    name = "desk"

    async def identify(self, ids: CustomerIds) -> CustomerIds:
        m, r = ids.merchant_id, self._repo
        mine = await r.rows(m, "desk_conversations", "customer_id", [ids.customer_id])
        theirs = await r.rows(m, "desk_conversations", "shopper_identity", ids.identities_all)
        return ids.with_(conversation_ids=[c["id"] for c in mine + theirs],
                         identities=[c["shopper_identity"] for c in mine])

    async def export(self, ids: CustomerIds) -> Exported:
        # the timeline through the desk repository: it opens bodies sealed at rest (souk.storage.sealing)
        m, r = ids.merchant_id, self._repo
        records: list[dict[str, Any]] = []
        for conv in await r.rows(m, "desk_conversations", "id", ids.conversation_ids):
            events = await self._storage.desk.events(m, conv["id"], limit=MAX_EVENTS)
            timeline = [{"seq": seq, **encode_event(e)} for seq, e in events]
            records.append({"table": "desk_conversations", **conv, "timeline": _plain(timeline)})
        return Exported(records)

    async def erase(self, ids: CustomerIds) -> Erased:
        n = await self._repo.delete(ids.merchant_id, "desk_conversations", "id", ids.conversation_ids,
                                    children=[("desk_events", "conversation_id", "id")])
        return Erased(deleted=n)


class CallsStore(_Db):
    name = "calls"

    async def identify(self, ids: CustomerIds) -> CustomerIds:
        calls = await self._repo.rows(ids.merchant_id, "call_records", "shopper_identity", ids.identities_all)
        return ids.with_(call_ids=[c["id"] for c in calls], rooms=[c["room_id"] for c in calls if c["room_id"]])

    async def export(self, ids: CustomerIds) -> Exported:
        m, r = ids.merchant_id, self._repo
        return Exported([{"table": "call_records", **c} for c in await r.rows(m, "call_records", "id", ids.call_ids)]
                        + [{"table": "participants", **p} for p in
                           await r.rows(m, "participants", "identity", ids.identities_all)])

    async def erase(self, ids: CustomerIds) -> Erased:
        m, r = ids.merchant_id, self._repo
        n = await r.delete(m, "participants", "identity", ids.identities_all)
        n += await r.delete(m, "call_records", "id", ids.call_ids)
        return Erased(deleted=n)


class ByIdentityStore(_Db):
    """Rows keyed by the customer's identity: deleted."""

    def __init__(self, storage: Storage, name: str, table: str) -> None:
        super().__init__(storage)
        self.name = name
        self._table = table

    async def export(self, ids: CustomerIds) -> Exported:
        rows = await self._repo.rows(ids.merchant_id, self._table, "identity", ids.identities_all)
        return Exported([{"table": self._table, **row} for row in rows])

    async def erase(self, ids: CustomerIds) -> Erased:
        return Erased(deleted=await self._repo.delete(ids.merchant_id, self._table, "identity", ids.identities_all))


class WebhooksStore(_Db):
    name = "webhooks"

    @staticmethod
    def _needles(ids: CustomerIds) -> set[str]:
        # matched as whole tokens: order id "o-1" does not match "o-12"
        return set(ids.needles()) | ids.order_ids | ids.conversation_ids | ids.call_ids

    async def _found(self, ids: CustomerIds) -> dict[str, list[dict[str, Any]]]:
        return await self._repo.containing(ids.merchant_id, text_pattern(self._needles(ids)),
                                           only=("webhook_deliveries", "webhook_parked"))

    async def export(self, ids: CustomerIds) -> Exported:
        found = await self._found(ids)
        records: list[dict[str, Any]] = []
        for d in found.get("webhook_deliveries", []):
            attempts = await self._repo.rows(ids.merchant_id, "webhook_attempts", "delivery_id", [d["id"]])
            records.append({"table": "webhook_deliveries", **d, "body": _json(d["body"]), "attempts": attempts})
        records += [{"table": "webhook_parked", **p, "data": _json(p["data"])}
                    for p in found.get("webhook_parked", [])]
        return Exported(records)

    async def erase(self, ids: CustomerIds) -> Erased:
        found = await self._found(ids)
        m = ids.merchant_id
        n = await self._repo.delete(m, "webhook_deliveries", "id", [d["id"] for d in found.get("webhook_deliveries", [])],
                                    children=[("webhook_attempts", "delivery_id", "id")])
        n += await self._repo.delete(m, "webhook_parked", "seq", [p["seq"] for p in found.get("webhook_parked", [])])
        return Erased(deleted=n)


class TranslationCacheStore(_Db):
    name = "translation_cache"

    async def _rows(self, ids: CustomerIds) -> list[dict[str, Any]]:
        found = await self._repo.containing(ids.merchant_id, text_pattern(ids.needles()), only=("translation_cache",))
        return found.get("translation_cache", [])

    async def export(self, ids: CustomerIds) -> Exported:
        return Exported([{"table": "translation_cache", **row} for row in await self._rows(ids)])

    async def erase(self, ids: CustomerIds) -> Erased:
        keys = [row["key"] for row in await self._rows(ids)]
        return Erased(deleted=await self._repo.delete(ids.merchant_id, "translation_cache", "key", keys))


class DatabaseLeftovers(_Db):
    """Every other table: rows still holding an identifier after the stores above."""

    name = "database"

    def __init__(self, storage: Storage, *, skip: frozenset[str] = frozenset()) -> None:
        super().__init__(storage)
        self._skip = skip  # tables a registered store of another part handles itself (export only)

    async def export(self, ids: CustomerIds) -> Exported:
        found = await self._repo.containing(ids.merchant_id, text_pattern(ids.needles()),
                                            skip=HANDLED | self._skip | NEVER_SCRUBBED)
        return Exported([{"table": t, **row} for t, rows in sorted(found.items()) for row in rows])

    async def erase(self, ids: CustomerIds) -> Erased:
        deleted, rewritten = await self._repo.scrub(ids.merchant_id, text_pattern(ids.needles()))
        return Erased(deleted=deleted, anonymised=rewritten,
                      kept="the audit log is not rewritten (hash chain); docs/privacy.md says what it holds")


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: plain(v) if plain(v) is not v else str(v)))


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def database_stores(storage: Storage) -> list[CustomerStore]:
    """The database's stores, children before parents (the generic ``database`` store is added last by the
    registry, after every other part's stores)."""
    return [DeskStore(storage), CallsStore(storage), ByIdentityStore(storage, "quality", "quality_records"),
            ByIdentityStore(storage, "live_carts", "live_carts"), WebhooksStore(storage),
            TranslationCacheStore(storage), ShopperAccountsStore(storage), CustomersStore(storage)]
