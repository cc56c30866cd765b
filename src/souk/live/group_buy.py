"""Group buys in a room (live show or voice room): the seller opens an offer of a pinned product with price
tiers; shoppers join from the room, which is their checkout (the order is written in the join's
transaction, souk.storage.repos.group_buys); the price every buyer pays drops as tiers unlock.

Announcements are ``system`` messages on the room's RTM channel, ordered with the chat: ``group_buy_start``,
``group_buy_progress`` (coalesced by the live stock ticker, the latest value at most once per tick),
``group_buy_tier`` (a tier unlocked: sent at once, never coalesced) and ``group_buy_end`` (the host ended it,
or its end time came; a restart re-arms the end announcements of offers still running).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from souk.auth.tokens import AccessClaims
from souk.core.clock import Clock
from souk.core.errors import Conflict, NotFound, SoukError
from souk.core.tasks import TaskOwner
from souk.domain.group_buys import GroupBuy, GroupBuyRepo, GroupBuySpec, Tier
from souk.domain.models import Order
from souk.domain.pins import PinRepo, require_pinned
from souk.domain.ports import CatalogRepo, MerchantRepo, OrderRepo
from souk.live.access import require_host, require_room
from souk.live.service import Publisher, product_card
from souk.live.ticker import StockTicker

log = logging.getLogger(__name__)

MAX_TIMED_OFFERS = 1000  # end announcers waiting at once (past it, clients rely on ends_at)


class GroupBuyStorage(Protocol):
    @property
    def group_buys(self) -> GroupBuyRepo: ...
    @property
    def catalog(self) -> CatalogRepo: ...
    @property
    def pins(self) -> PinRepo: ...
    @property
    def merchants(self) -> MerchantRepo: ...
    @property
    def orders(self) -> OrderRepo: ...


class RoomShop(Protocol):
    """What the room's commerce (souk.live.service.LiveCommerce) lends a group buy."""

    ticker: StockTicker

    async def buyer(self, claims: AccessClaims, country: str) -> str: ...
    async def currency(self, merchant_id: str) -> str: ...
    async def ordered(self, merchant_id: str, order: Order, room_id: str) -> None: ...


def offer_view(o: GroupBuy, now: dt.datetime, currency: str) -> dict[str, Any]:
    nxt = o.next_tier
    return {"offer_id": o.id, "room_id": o.room_id, "sku": o.sku, "currency": currency,
            "tiers": [{"min_buyers": t.min_buyers, "price": str(t.price)} for t in o.tiers],
            "tier": o.tier, "price": str(o.price),
            "next": None if nxt is None else {"min_buyers": nxt.min_buyers, "price": str(nxt.price),
                                              "needed": nxt.min_buyers - o.buyers},
            "buyers": o.buyers, "units": o.units, "cap": o.cap, "remaining": o.remaining, "max_qty": o.max_qty,
            "ends_at": o.ends_at.timestamp(), "seconds_left": round(o.seconds_left(now), 3),
            "active": o.active(now), "ended": o.ended or now >= o.ends_at}


class GroupBuys:
    def __init__(self, storage: GroupBuyStorage, shop: RoomShop, publisher: Publisher, clock: Clock) -> None:
        self._storage = storage
        self._shop = shop
        self._pub = publisher
        self._clock = clock
        self._tasks = TaskOwner("group-buys")
        # told of every other buyer's pending order a tier unlock repriced (the order.updated webhook)
        self.repriced_listeners: list[Callable[[str, Order, str], Awaitable[None]]] = []

    def start(self) -> None:
        self._tasks.spawn(self._rearm(), "rearm-group-buy-ends")

    async def aclose(self) -> None:
        await self._tasks.aclose()

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC)

    async def _view(self, merchant_id: str, offer: GroupBuy) -> dict[str, Any]:
        return offer_view(offer, self._now(), await self._shop.currency(merchant_id))

    async def create(self, claims: AccessClaims, room_id: str, sku: str, *, tiers: Sequence[tuple[int, Decimal]],
                     cap: int, duration_s: float, max_qty: int = 1) -> dict[str, Any]:
        """Open an offer of a product pinned in the room: 400 ``bad_group_buy``, 409 ``not_pinned`` /
        ``not_enough_stock`` (the catalog must hold ``cap`` units, as a flash sale's)."""
        require_host(claims, room_id, "open a group buy")
        merchant = claims.merchant_id
        # the room's state first, then the tiers' rules (rising buyers, falling prices, reachable: what a
        # JSON Schema cannot say about a list)
        require_pinned(await self._storage.pins.pinned(merchant, room_id), sku)
        product = await self._storage.catalog.get(merchant, sku)
        if product.stock < cap:
            raise Conflict(f"only {product.stock} of {sku} in stock; a group buy of {cap} would oversell",
                           code="not_enough_stock", details={"sku": sku, "stock": product.stock})
        spec = GroupBuySpec(room_id=room_id, sku=sku, tiers=tuple(Tier(n, Decimal(p)) for n, p in tiers), cap=cap,
                            duration_s=duration_s, max_qty=max_qty)
        offer = await self._storage.group_buys.create(merchant, spec)
        currency = await self._shop.currency(merchant)
        body = {"type": "group_buy_start", **offer_view(offer, self._now(), currency),
                "card": product_card(product, currency)}
        seq = await self._pub.publish(merchant, room_id, body, cid=f"gb-start-{offer.id}")
        self._arm(merchant, offer)
        log.info("room %s: group buy %s of %s (cap %d, %d tiers) by %s", room_id, offer.id, sku, cap,
                 len(spec.tiers), claims.identity)
        return {**body, "seq": seq}

    async def offers(self, claims: AccessClaims, room_id: str) -> list[dict[str, Any]]:
        """The room's offers, oldest first; ``mine`` is the caller's order id in each (None: not joined)."""
        require_room(claims, room_id)
        out = []
        for offer in await self._storage.group_buys.list(claims.merchant_id, room_id):
            out.append(await self._mine(claims, offer))
        return out

    async def offer(self, claims: AccessClaims, room_id: str, offer_id: str) -> dict[str, Any]:
        require_room(claims, room_id)
        return await self._mine(claims, await self._in_room(claims.merchant_id, room_id, offer_id))

    async def _mine(self, claims: AccessClaims, offer: GroupBuy) -> dict[str, Any]:
        """The offer with its product card (None if the product left the catalog) and the caller's order."""
        merchant = claims.merchant_id
        mine = await self._storage.group_buys.joined(merchant, offer.id, claims.identity)
        currency = await self._shop.currency(merchant)
        try:
            card: dict[str, Any] | None = product_card(await self._storage.catalog.get(merchant, offer.sku), currency)
        except NotFound:
            card = None
        return {**offer_view(offer, self._now(), currency), "card": card, "mine": mine}

    async def _in_room(self, merchant_id: str, room_id: str, offer_id: str) -> GroupBuy:
        offer = await self._storage.group_buys.get(merchant_id, offer_id)
        if offer.room_id != room_id:
            raise NotFound(f"group buy {offer_id!r} not found in this room", code="group_buy_not_found",
                           details={"offer_id": offer_id})
        return offer

    async def join(self, claims: AccessClaims, room_id: str, offer_id: str, *, country: str, qty: int = 1,
                   order_id: str | None = None) -> tuple[Order, dict[str, Any]]:
        """Join the offer: the order is written at the price of the tier this join reaches (and moves with
        later tiers while pending). ``order_id`` is the idempotency key."""
        require_room(claims, room_id)
        merchant = claims.merchant_id
        await self._in_room(merchant, room_id, offer_id)
        customer_id = await self._shop.buyer(claims, country)
        joined = await self._storage.group_buys.join(merchant, offer_id, customer_id=customer_id, qty=qty,
                                                     country=country, order_id=order_id, require_pinned=True)
        view = await self._view(merchant, joined.offer)
        if joined.unlocked:  # at once, with its own cid: a tier is news, not a counter
            try:
                await self._pub.publish(merchant, room_id, {"type": "group_buy_tier", **view},
                                        cid=f"gb-tier-{offer_id}-{joined.offer.tier}")
            except SoukError as exc:
                log.warning("room %s: tier %d of group buy %s not announced: %s", room_id, joined.offer.tier,
                            offer_id, exc)
        self._shop.ticker.note(merchant, room_id, f"group:{offer_id}", {"type": "group_buy_progress", **view})
        log.info("room %s: %s joined group buy %s (order %s, %d buyers, price %s)", room_id, claims.identity,
                 offer_id, joined.order.id, joined.offer.buyers, joined.offer.price)
        await self._shop.ordered(merchant, joined.order, room_id)
        if joined.repriced and self.repriced_listeners and len(self._tasks) < MAX_TIMED_OFFERS:
            self._tasks.spawn(self._tell_repriced(merchant, room_id, joined.repriced),
                              f"gb-repriced:{offer_id}:{joined.offer.tier}")
        return joined.order, {**view, "mine": joined.order.id}

    async def _tell_repriced(self, merchant_id: str, room_id: str, order_ids: Sequence[str]) -> None:
        """Each repriced order, as it is now, to the listeners; off the join's path (a tier may reprice
        thousands). An order a listener fails on is logged; the price change stands."""
        for order_id in order_ids:
            try:
                order = await self._storage.orders.get(merchant_id, order_id)
            except SoukError as exc:
                log.warning("repriced order %s not announced: %s", order_id, exc)
                continue
            for listener in self.repriced_listeners:
                try:
                    await listener(merchant_id, order, room_id)
                except Exception:  # the price change stands whatever a listener does
                    log.exception("repriced-order listener failed for %s", order_id)

    async def end(self, claims: AccessClaims, room_id: str, offer_id: str) -> dict[str, Any]:
        require_host(claims, room_id, "end a group buy")
        await self._in_room(claims.merchant_id, room_id, offer_id)
        offer = await self._storage.group_buys.end(claims.merchant_id, offer_id)
        self._shop.ticker.forget(claims.merchant_id, room_id, f"group:{offer_id}")  # no stale count after the end
        body = {"type": "group_buy_end", **await self._view(claims.merchant_id, offer)}
        seq = await self._pub.publish(claims.merchant_id, room_id, body, cid=f"gb-end-{offer_id}")
        log.info("room %s: group buy %s ended by %s at %d buyers (price %s)", room_id, offer_id, claims.identity,
                 offer.buyers, offer.price)
        return {**body, "seq": seq}

    # -- the end time ---------------------------------------------------------------------------------
    def _arm(self, merchant_id: str, offer: GroupBuy) -> None:
        if len(self._tasks) < MAX_TIMED_OFFERS:
            self._tasks.spawn(self._announce_end(merchant_id, offer), f"gb-end:{offer.id}")

    async def _rearm(self) -> None:
        """After a restart: the offers still running (in the database) get their end announcement again."""
        try:
            for merchant in await self._storage.merchants.list():
                for offer in await self._storage.group_buys.running(merchant.id):
                    self._arm(merchant.id, offer)
        except SoukError as exc:
            log.warning("running group buys not re-armed: %s", exc)

    async def _announce_end(self, merchant_id: str, offer: GroupBuy) -> None:
        """At the end time, tell the room the final tier (the database refuses late joins regardless)."""
        await self._clock.sleep(max(0.0, (offer.ends_at - self._now()).total_seconds()))
        final = await self._storage.group_buys.get(merchant_id, offer.id)
        if final.ended:
            return  # the host ended it and that was announced
        body = {"type": "group_buy_end", **await self._view(merchant_id, final)}
        try:
            await self._pub.publish(merchant_id, offer.room_id, body, cid=f"gb-end-{offer.id}")
        except SoukError as exc:
            log.warning("room %s: end of group buy %s not announced: %s", offer.room_id, offer.id, exc)
