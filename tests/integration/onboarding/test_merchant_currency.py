"""A second merchant priced in MXN, beside the USD demo store on the same LiveCommerce: its cards, carts,
checkout (with its own zone fee), flash-sale orders, coupons and quotes are all in MXN (SQLite and
PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from souk.auth.tokens import DEFAULT_PRIVILEGES, AccessClaims, Role
from souk.core.clock import ManualClock
from souk.live.service import LiveCommerce
from souk.storage import Storage, seed_demo
from souk.storage.onboarding import MerchantSpec, Onboarding
from tests.unit.domain.store_samples import small_store

ROOM = "live-1"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        self.sent.append((merchant_id, body))
        return len(self.sent)


def who(merchant: str, identity: str, role: Role = Role.AUDIENCE) -> AccessClaims:
    return AccessClaims(merchant_id=merchant, identity=identity, room=ROOM, role=role,
                        privileges=DEFAULT_PRIVILEGES[role], expires_at=2e9)


async def test_an_mxn_merchant_sees_and_pays_in_mxn(storage: Storage, storage_clock: ManualClock) -> None:
    await seed_demo(storage)  # lumen, in USD
    ob = Onboarding(storage)
    await ob.create_merchant(MerchantSpec(id="tienda", name="Tienda Sol", currency="MXN", region="mx",
                                          languages=("es", "en"), timezone="America/Mexico_City"))
    await ob.import_store("tienda", small_store("tienda", "MXN"))
    rec = Recorder()
    live = LiveCommerce(storage, rec, storage_clock)
    live.start()
    try:
        host, ana = who("tienda", "host", Role.HOST), who("tienda", "ana")
        pinned = await live.pin(host, ROOM, "SOL-1")
        assert pinned["card"]["currency"] == "MXN" and pinned["card"]["price"] == "450.50"
        assert (await live.pin(who("lumen", "host", Role.HOST), ROOM, "AP-1001"))["card"]["currency"] == "USD"

        await live.cart_add(ana, ROOM, "SOL-1", 2)
        summary = await live.cart_summary("tienda", ROOM, "ana")
        assert (summary["total"], summary["currency"]) == ("901.00", "MXN")
        result = await live.checkout(ana, ROOM, country="MX")  # 901 < 1500 free-shipping: the zone's 99 MXN fee
        order = result.order
        assert (order.subtotal, order.shipping, order.total, order.currency_paid) == (
            Decimal("901.00"), Decimal("99.00"), Decimal("1000.00"), "MXN")
        assert (await storage.orders.get("tienda", order.id)).currency_paid == "MXN"

        sale = await live.start_sale(host, ROOM, "SOL-1", units=3, price=Decimal(400), duration_s=60)
        assert sale["currency"] == "MXN" and sale["card"]["currency"] == "MXN"
        bought = await live.buy_sale(ana, ROOM, sale["sale_id"], country="MX")
        assert (bought.total, bought.currency_paid) == (Decimal("400.00"), "MXN")
        assert (await live.sale(ana, ROOM, sale["sale_id"]))["currency"] == "MXN"

        coupon = await live.create_coupon(host, ROOM, code="SOL50", kind="amount", value=Decimal(50))
        assert coupon["currency"] == "MXN"

        home = await live.quote(ana, ROOM, "SOL-1", country="MX")
        assert (home["store_currency"], home["currency"], home["price_local"]) == ("MXN", "MXN", "450.50")
        assert home["landed"]["shipping"] == "99.00" and home["landed"]["duty_mode"] == "duty_free"
        abroad = await live.quote(ana, ROOM, "SOL-1", country="US")
        assert (abroad["store_currency"], abroad["currency"], abroad["price_local"]) == ("MXN", "USD", "26.50")
        assert abroad["landed"]["shipping"] == "250.00"  # the usa zone's own fee, in MXN
        assert all(body.get("currency", "MXN") == "MXN" for m, body in rec.sent if m == "tienda")

        # the live orders (pending, in MXN) export in the store format and import back unchanged
        exported = await ob.export_store("tienda")
        live_orders = {o["id"]: o for o in exported["orders"] if o["status"] == "pending"}
        assert set(live_orders) == {order.id, bought.id} and live_orders[order.id]["total_mxn"] == 1000
        counts = await ob.import_store("tienda", exported)
        assert counts["orders"] == {"added": 0, "replaced": 3}
        assert await ob.export_store("tienda") == exported
    finally:
        await live.aclose()
