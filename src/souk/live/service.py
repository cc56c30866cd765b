"""LiveCommerce: pins, flash sales, carts and checkout for live rooms, announced on the room's RTM channel.

Every announcement is a ``system`` message on the room's channel (``merchant/room``), so it is ordered
with the chat by the channel's sequence. Bodies carry ``type``: ``pin``, ``unpin``, ``sale_start``,
``sale_end``, ``sale_stock`` (coalesced, see ticker.py), ``coupon``, ``coupon_stock`` (coalesced),
``coupon_end``. Carts are in the database (storage.live_carts): shared by every node, kept across restarts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Protocol

from souk.auth.tokens import AccessClaims
from souk.core.clock import Clock
from souk.core.errors import Conflict, NotFound, SoukError
from souk.core.tasks import TaskOwner
from souk.domain.checkout import CartLine
from souk.domain.coupons import (
    CartCheckout,
    CartRepo,
    CheckoutResult,
    Coupon,
    CouponKind,
    CouponRepo,
    CouponSpec,
    coupon_used,
)
from souk.domain.flash_sales import FlashSale, FlashSaleRepo, FlashSaleSpec
from souk.domain.landed import convert, landed_price, local_currency
from souk.domain.models import Customer, Order, Product, ShippingZone
from souk.domain.pins import PinRepo, Pins, pin_to, require_pinned, unpin_from
from souk.domain.ports import CatalogRepo, CustomerRepo, MerchantRepo, OrderRepo, StoreInfoRepo
from souk.live.access import require_host, require_room
from souk.live.cart import add_to, remove_from
from souk.live.ticker import StockTicker

log = logging.getLogger(__name__)

DEFAULT_SHIPPING_FEE = Decimal("7.99")  # standard shipping below a zone's free-shipping threshold
MAX_TIMED_SALES = 1000  # end-of-sale announcers waiting at once (past it, clients rely on ends_at)


class LiveStorage(Protocol):
    @property
    def catalog(self) -> CatalogRepo: ...
    @property
    def customers(self) -> CustomerRepo: ...
    @property
    def orders(self) -> OrderRepo: ...
    @property
    def store_info(self) -> StoreInfoRepo: ...
    @property
    def flash_sales(self) -> FlashSaleRepo: ...
    @property
    def coupons(self) -> CouponRepo: ...
    @property
    def live_carts(self) -> CartRepo: ...
    @property
    def pins(self) -> PinRepo: ...
    @property
    def merchants(self) -> MerchantRepo: ...


class Publisher(Protocol):
    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        """Publish a system message on the room's channel; returns its sequence number."""
        ...


def product_card(p: Product, currency: str, lang: str = "en") -> dict[str, Any]:
    return {"sku": p.sku, "name": p.name(lang), "price": str(p.price), "currency": currency, "stock": p.stock,
            "category": p.category, "attributes": p.attributes}


def coupon_view(c: Coupon, now: dt.datetime, currency: str) -> dict[str, Any]:
    """``value`` (of an ``amount`` coupon) and ``min_spend`` are in ``currency``, the store's."""
    return {"code": c.code, "kind": c.kind, "value": str(c.value), "min_spend": str(c.min_spend), "currency": currency,
            "max_redemptions": c.max_redemptions, "remaining": c.remaining,
            "ends_at": None if c.ends_at is None else c.ends_at.timestamp(), "active": c.active(now)}


def sale_view(s: FlashSale, now: dt.datetime, currency: str) -> dict[str, Any]:
    return {"sale_id": s.id, "sku": s.sku, "price": str(s.price), "currency": currency, "units": s.units,
            "remaining": s.remaining,
            "ends_at": s.ends_at.timestamp(), "seconds_left": round(s.seconds_left(now), 3),
            "active": s.active(now)}


class LiveCommerce:
    def __init__(self, storage: LiveStorage, publisher: Publisher, clock: Clock, *,
                 stock_interval_s: float = 0.25, shipping_fee: Decimal = DEFAULT_SHIPPING_FEE) -> None:
        self._storage = storage
        self._pub = publisher
        self._clock = clock
        self._fee = shipping_fee  # for zones whose store file gives no standard_fee
        self._currencies: dict[str, str] = {}  # merchant -> currency (fixed when the merchant is created)
        self.ticker = StockTicker(self._emit_stock, clock, interval_s=stock_interval_s)
        self._tasks = TaskOwner("live-sales")
        # told of every order placed in a live room (the merchant's order.created webhook); never blocks it
        self.order_listeners: list[Callable[[str, Order, str], Awaitable[None]]] = []

    async def _ordered(self, merchant_id: str, order: Order, room_id: str) -> None:
        for listener in self.order_listeners:
            try:
                await listener(merchant_id, order, room_id)
            except Exception:  # the order stands whatever a listener does
                log.exception("order listener failed for %s", order.id)

    def start(self) -> None:
        self.ticker.start()
        self._tasks.spawn(self._rearm_sale_ends(), "rearm-sale-ends")

    async def _rearm_sale_ends(self) -> None:
        """After a restart: the sales and timed coupons still running (in the database) get their end
        announcement again; the process that armed it died."""
        try:
            for merchant in await self._storage.merchants.list():
                for sale in await self._storage.flash_sales.running(merchant.id):
                    if len(self._tasks) >= MAX_TIMED_SALES:
                        return
                    self._tasks.spawn(self._announce_end(merchant.id, sale), f"end:{sale.id}")
                for coupon in await self._storage.coupons.running(merchant.id):
                    if len(self._tasks) >= MAX_TIMED_SALES:
                        return
                    self._tasks.spawn(self._announce_coupon_end(merchant.id, coupon), f"coupon-end:{coupon.code}")
        except SoukError as exc:
            log.warning("running flash sales and coupons not re-armed: %s", exc)

    async def aclose(self) -> None:
        await self._tasks.aclose()
        await self.ticker.aclose()

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC)

    async def _currency(self, merchant_id: str) -> str:
        """The merchant's currency: every price, total and fee shown or charged here is in it."""
        cur = self._currencies.get(merchant_id)
        if cur is None:
            cur = self._currencies[merchant_id] = (await self._storage.merchants.get(merchant_id)).currency
        return cur

    async def _emit_stock(self, merchant_id: str, room_id: str, body: dict[str, Any]) -> None:
        await self._pub.publish(merchant_id, room_id, body)

    # -- pins ---------------------------------------------------------------------------------------
    async def pin(self, claims: AccessClaims, room_id: str, sku: str) -> dict[str, Any]:
        require_host(claims, room_id, "pin products")
        product = await self._storage.catalog.get(claims.merchant_id, sku)
        _, pins = await self._storage.pins.update(claims.merchant_id, room_id, pin_to(sku))
        body = {"type": "pin", "card": product_card(product, await self._currency(claims.merchant_id)),
                "by": claims.identity}
        seq = await self._pub.publish(claims.merchant_id, room_id, body)
        log.info("room %s: %s pinned %s", room_id, claims.identity, sku)
        return {**body, "seq": seq, "pinned": list(pins)}

    async def unpin(self, claims: AccessClaims, room_id: str, sku: str) -> dict[str, Any]:
        require_host(claims, room_id, "unpin products")
        before, pins = await self._storage.pins.update(claims.merchant_id, room_id, unpin_from(sku))
        require_pinned(before, sku)
        body = {"type": "unpin", "sku": sku, "by": claims.identity}
        seq = await self._pub.publish(claims.merchant_id, room_id, body)
        return {**body, "seq": seq, "pinned": list(pins)}

    async def pinned_skus(self, merchant_id: str, room_id: str) -> Pins:
        """The room's pinned skus in pin order (from the database: the same on every node, kept across restarts)."""
        return await self._storage.pins.pinned(merchant_id, room_id)

    async def pinned(self, claims: AccessClaims, room_id: str) -> list[dict[str, Any]]:
        require_room(claims, room_id)
        cards = []
        cur = await self._currency(claims.merchant_id)
        for sku in await self._storage.pins.pinned(claims.merchant_id, room_id):
            try:
                cards.append(product_card(await self._storage.catalog.get(claims.merchant_id, sku), cur))
            except NotFound:
                log.warning("room %s: pinned product %s no longer exists", room_id, sku)
        return cards

    # -- flash sales --------------------------------------------------------------------------------
    async def start_sale(self, claims: AccessClaims, room_id: str, sku: str, *, units: int, price: Decimal,
                         duration_s: float) -> dict[str, Any]:
        require_host(claims, room_id, "start a flash sale")
        spec = FlashSaleSpec(room_id=room_id, sku=sku, units=units, price=Decimal(price), duration_s=duration_s)
        require_pinned(await self._storage.pins.pinned(claims.merchant_id, room_id), sku)
        product = await self._storage.catalog.get(claims.merchant_id, sku)
        if product.stock < units:
            raise Conflict(f"only {product.stock} of {sku} in stock; a sale of {units} would oversell",
                           code="not_enough_stock", details={"sku": sku, "stock": product.stock})
        sale = await self._storage.flash_sales.create(claims.merchant_id, spec)
        cur = await self._currency(claims.merchant_id)
        body = {"type": "sale_start", **sale_view(sale, self._now(), cur), "card": product_card(product, cur)}
        seq = await self._pub.publish(claims.merchant_id, room_id, body, cid=f"sale-start-{sale.id}")
        if len(self._tasks) < MAX_TIMED_SALES:
            self._tasks.spawn(self._announce_end(claims.merchant_id, sale), f"end:{sale.id}")
        log.info("room %s: flash sale %s of %d x %s at %s", room_id, sale.id, units, sku, price)
        return {**body, "seq": seq}

    async def end_sale(self, claims: AccessClaims, room_id: str, sale_id: str) -> dict[str, Any]:
        require_host(claims, room_id, "end a flash sale")
        sale = await self._sale_in_room(claims.merchant_id, room_id, sale_id)
        sale = await self._storage.flash_sales.end(claims.merchant_id, sale.id)
        body = {"type": "sale_end", **sale_view(sale, self._now(), await self._currency(claims.merchant_id))}
        seq = await self._pub.publish(claims.merchant_id, room_id, body, cid=f"sale-end-{sale.id}")
        return {**body, "seq": seq}

    async def _announce_end(self, merchant_id: str, sale: FlashSale) -> None:
        """At the sale's end time, tell the room it is over (the database refuses late buyers regardless)."""
        await self._clock.sleep(max(0.0, (sale.ends_at - self._now()).total_seconds()))
        final = await self._storage.flash_sales.get(merchant_id, sale.id)
        if final.ended:
            return  # the host ended it and that was announced
        body = {"type": "sale_end", **sale_view(final, self._now(), await self._currency(merchant_id))}
        try:
            await self._pub.publish(merchant_id, sale.room_id, body, cid=f"sale-end-{sale.id}")
        except SoukError as exc:
            log.warning("room %s: end of sale %s not announced: %s", sale.room_id, sale.id, exc)

    async def sale(self, claims: AccessClaims, room_id: str, sale_id: str) -> dict[str, Any]:
        require_room(claims, room_id)
        return sale_view(await self._sale_in_room(claims.merchant_id, room_id, sale_id), self._now(),
                         await self._currency(claims.merchant_id))

    async def _sale_in_room(self, merchant_id: str, room_id: str, sale_id: str) -> FlashSale:
        sale = await self._storage.flash_sales.get(merchant_id, sale_id)
        if sale.room_id != room_id:
            raise NotFound(f"flash sale {sale_id!r} not found in this room", code="sale_not_found")
        return sale

    async def buy_sale(self, claims: AccessClaims, room_id: str, sale_id: str, *, qty: int = 1,
                       country: str, order_id: str | None = None) -> Order:
        """Buy from a running flash sale: never oversells (the database counter decides). ``order_id`` is the
        idempotency key: a retry answers with the first order (the pin check, in the buy's transaction, comes
        after that look-up, so a retry succeeds even if the product was unpinned since)."""
        require_room(claims, room_id)
        await self._sale_in_room(claims.merchant_id, room_id, sale_id)
        await self._zone(claims.merchant_id, country)
        customer_id = await self._customer(claims, country)
        order, after = await self._storage.flash_sales.buy(
            claims.merchant_id, sale_id, customer_id=customer_id, qty=qty, country=country, order_id=order_id,
            require_pinned=True)
        self.ticker.note(claims.merchant_id, room_id, sale_id, {"type": "sale_stock", **sale_view(after, self._now(), await self._currency(claims.merchant_id))})
        log.info("room %s: %s bought %d from sale %s (order %s, %d left)", room_id, claims.identity, qty,
                 sale_id, order.id, after.remaining)
        await self._ordered(claims.merchant_id, order, room_id)
        return order

    # -- coupons ------------------------------------------------------------------------------------
    async def create_coupon(self, claims: AccessClaims, room_id: str, *, code: str, kind: CouponKind,
                            value: Decimal, min_spend: Decimal = Decimal(0), max_redemptions: int | None = None,
                            duration_s: float | None = None) -> dict[str, Any]:
        require_host(claims, room_id, "create coupons")
        spec = CouponSpec(room_id=room_id, code=code, kind=kind, value=Decimal(value), min_spend=Decimal(min_spend),
                          max_redemptions=max_redemptions, duration_s=duration_s)
        coupon = await self._storage.coupons.create(claims.merchant_id, spec)
        body = {"type": "coupon", **coupon_view(coupon, self._now(), await self._currency(claims.merchant_id))}
        seq = await self._pub.publish(claims.merchant_id, room_id, body, cid=f"coupon-{coupon.code}")
        if coupon.ends_at is not None and len(self._tasks) < MAX_TIMED_SALES:
            self._tasks.spawn(self._announce_coupon_end(claims.merchant_id, coupon), f"coupon-end:{coupon.code}")
        log.info("room %s: %s created coupon %s (%s %s)", room_id, claims.identity, coupon.code, kind, value)
        return {**body, "seq": seq}

    async def coupons(self, claims: AccessClaims, room_id: str) -> list[dict[str, Any]]:
        require_room(claims, room_id)
        now = self._now()
        cur = await self._currency(claims.merchant_id)
        return [coupon_view(c, now, cur) for c in await self._storage.coupons.list(claims.merchant_id, room_id)]

    async def end_coupon(self, claims: AccessClaims, room_id: str, code: str) -> dict[str, Any]:
        require_host(claims, room_id, "end coupons")
        coupon = await self._storage.coupons.end(claims.merchant_id, room_id, code)
        body = {"type": "coupon_end", **coupon_view(coupon, self._now(), await self._currency(claims.merchant_id))}
        seq = await self._pub.publish(claims.merchant_id, room_id, body, cid=f"coupon-end-{coupon.code}")
        return {**body, "seq": seq}

    async def _announce_coupon_end(self, merchant_id: str, coupon: Coupon) -> None:
        assert coupon.ends_at is not None
        await self._clock.sleep(max(0.0, (coupon.ends_at - self._now()).total_seconds()))
        final = await self._storage.coupons.get(merchant_id, coupon.room_id, coupon.code)
        if final.ended:
            return  # the host ended it and that was announced
        body = {"type": "coupon_end", **coupon_view(final, self._now(), await self._currency(merchant_id))}
        try:
            await self._pub.publish(merchant_id, coupon.room_id, body, cid=f"coupon-end-{coupon.code}")
        except SoukError as exc:
            log.warning("room %s: end of coupon %s not announced: %s", coupon.room_id, coupon.code, exc)

    # -- cart and checkout --------------------------------------------------------------------------
    async def cart_add(self, claims: AccessClaims, room_id: str, sku: str, qty: int = 1, *,
                       require_pin: bool = True) -> list[dict[str, Any]]:
        """Add to the viewer's cart. ``require_pin=False`` is for callers that checked the product themselves
        (the replay's chapters: products pinned during the recorded show)."""
        require_room(claims, room_id)
        if require_pin:
            require_pinned(await self._storage.pins.pinned(claims.merchant_id, room_id), sku)
        product = await self._storage.catalog.get(claims.merchant_id, sku)
        if not product.in_stock:
            raise Conflict(f"{sku} is sold out", code="out_of_stock", details={"sku": sku, "available": 0})
        return _lines(await self._storage.live_carts.update(claims.merchant_id, room_id, claims.identity,
                                                            add_to(sku, qty)))

    async def cart_remove(self, claims: AccessClaims, room_id: str, sku: str,
                          qty: int | None = None) -> list[dict[str, Any]]:
        require_room(claims, room_id)
        return _lines(await self._storage.live_carts.update(claims.merchant_id, room_id, claims.identity,
                                                            remove_from(sku, qty)))

    async def cart(self, claims: AccessClaims, room_id: str) -> list[dict[str, Any]]:
        require_room(claims, room_id)
        return _lines(await self._storage.live_carts.lines(claims.merchant_id, room_id, claims.identity))

    async def cart_summary(self, merchant_id: str, room_id: str, identity: str) -> dict[str, Any]:
        """A viewer's cart as the seller sees it: lines with names and store prices, item count and total
        (store currency, before shipping and coupons). For the show -> 1v1 consult."""
        lines: list[dict[str, Any]] = []
        total = Decimal("0.00")
        for ln in await self._storage.live_carts.lines(merchant_id, room_id, identity):
            try:
                product = await self._storage.catalog.get(merchant_id, ln.sku)
            except NotFound:
                lines.append({"sku": ln.sku, "qty": ln.qty, "name": "", "price": None})
                continue
            total += product.price * ln.qty
            lines.append({"sku": ln.sku, "qty": ln.qty, "name": product.name("en"), "price": str(product.price)})
        return {"room": room_id, "identity": identity, "lines": lines,
                "items": sum(ln["qty"] for ln in lines), "total": str(total),
                "currency": await self._currency(merchant_id)}

    async def checkout(self, claims: AccessClaims, room_id: str, *, country: str, coupon: str | None = None,
                       order_id: str | None = None) -> CheckoutResult:
        """Turn the viewer's cart into a real order, redeeming ``coupon`` if given: one transaction reads the
        cart, redeems, takes the stock, writes the order and deletes the cart (storage.live_carts.checkout).
        A refused checkout (stock, shipping, any coupon refusal) keeps the cart and the coupon untouched."""
        require_room(claims, room_id)
        merchant = claims.merchant_id
        try:
            zone = await self._zone(merchant, country)
            customer_id = await self._customer(claims, country)
            result = await self._storage.live_carts.checkout(merchant, CartCheckout(
                room_id=room_id, identity=claims.identity, customer_id=customer_id, country=country.upper(),
                shipping_fee=self._shipping_fee(zone), free_shipping_over=zone.free_shipping_over, coupon=coupon,
                order_id=order_id, note=f"live room {room_id}"))
        except SoukError as exc:
            log.info("room %s: checkout by %s refused: %s (%s)", room_id, claims.identity, exc.code, exc)
            raise
        if result.coupon is not None:
            c = result.coupon
            self.ticker.note(merchant, room_id, f"coupon:{c.code}", {"type": "coupon_stock",
                                                                     **coupon_view(c, self._now(), await self._currency(merchant))})
        log.info("room %s: %s checked out order %s (%s, discount %s)", room_id, claims.identity,
                 result.order.id, result.order.total, result.discount)
        await self._ordered(merchant, result.order, room_id)
        return result

    # -- for other sellers of the room (souk.live.group_buy) ---------------------------------------------
    async def buyer(self, claims: AccessClaims, country: str) -> str:
        """The customer a purchase in a room is written for (created on the first one); 409 ``no_shipping``
        first when the store does not ship to ``country``."""
        await self._zone(claims.merchant_id, country)
        return await self._customer(claims, country)

    async def currency(self, merchant_id: str) -> str:
        return await self._currency(merchant_id)

    async def ordered(self, merchant_id: str, order: Order, room_id: str) -> None:
        """Tell the order listeners (the ``order.created`` webhook) of an order placed in ``room_id``."""
        await self._ordered(merchant_id, order, room_id)

    def _shipping_fee(self, zone: ShippingZone) -> Decimal:
        """Standard shipping below the zone's free-shipping threshold: the store's fee, else the configured one."""
        return zone.standard_fee if zone.standard_fee is not None else self._fee

    async def _zone(self, merchant_id: str, country: str) -> ShippingZone:
        zone = next((z for z in await self._storage.store_info.shipping(merchant_id)
                     if country.upper() in z.countries), None)
        if zone is None:
            raise Conflict(f"this store does not ship to {country.upper()}", code="no_shipping",
                           details={"country": country.upper()})
        return zone

    async def _customer(self, claims: AccessClaims, country: str) -> str:
        """The viewer's customer record (the token identity); created on first purchase."""
        merchant = claims.merchant_id
        try:
            return (await self._storage.customers.get(merchant, claims.identity)).id
        except NotFound:
            created = await self._storage.customers.upsert(merchant, Customer(
                id=claims.identity, name=claims.name or claims.identity,
                email=str(claims.metadata.get("email") or f"{claims.identity}@live.invalid"),
                country=country.upper()[:2], language=str(claims.metadata.get("lang") or "en")))
            return created.id

    # -- prices for a viewer ------------------------------------------------------------------------
    async def quote(self, claims: AccessClaims, room_id: str, sku: str, *, country: str,
                    currency: str | None = None, coupon: str | None = None) -> dict[str, Any]:
        """Prices for one unit of ``sku``. With ``coupon``: ``coupon`` tells whether it applies (and why
        not: ``coupon_expired``, ``coupon_exhausted``, ``coupon_min_spend``, ``coupon_used``) and, when it
        does, ``price_local`` and ``landed`` are for the discounted price. An unknown code is 409
        ``coupon_invalid``."""
        require_room(claims, room_id)
        product = await self._storage.catalog.get(claims.merchant_id, sku)
        store_currency = await self._currency(claims.merchant_id)
        cur = local_currency(country, store_currency, currency)
        price = product.price
        coupon_out: dict[str, Any] | None = None
        if coupon:
            c = await self._storage.coupons.get(claims.merchant_id, room_id, coupon)
            refusal = c.refusal(self._now())  # the order checkout says them in: ended/exhausted, used, min spend
            if refusal is None and await self._storage.coupons.used_by(claims.merchant_id, room_id, c.code,
                                                                       claims.identity):
                refusal = coupon_used(c.code)
            refusal = refusal or c.refusal(self._now(), product.price)
            discount = Decimal("0.00") if refusal is not None else c.discount(product.price)
            price = product.price - discount
            coupon_out = {"code": c.code, "applies": refusal is None, "reason": refusal.code if refusal else None,
                          "discount": str(discount), "price": str(price)}
        zones = await self._storage.store_info.shipping(claims.merchant_id)
        zone = next((z for z in zones if country.upper() in z.countries), None)
        landed = landed_price(price, zone, country, shipping_fee=self._shipping_fee(zone) if zone else self._fee,
                              store_currency=store_currency, currency=cur)
        out: dict[str, Any] = {"sku": sku, "price": str(product.price), "store_currency": store_currency,
                               "currency": cur, "price_local": str(convert(price, cur, from_currency=store_currency)),
                               "indicative": True, "ships": landed is not None}
        if coupon_out is not None:
            out["coupon"] = coupon_out
        if landed is not None:
            out["landed"] = {k: (str(v) if isinstance(v, Decimal) else v.value if hasattr(v, "value") else v)
                             for k, v in dataclasses.asdict(landed).items()}
        return out


def _lines(lines: tuple[CartLine, ...]) -> list[dict[str, Any]]:
    return [{"sku": ln.sku, "qty": ln.qty} for ln in lines]
