"""Shipping zones, policies and FAQ: small per-merchant documents, each replaced as a whole."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.errors import BadRequest, NotFound
from souk.domain.models import FaqEntry, Policies, ReturnPolicy, ShippingZone
from souk.storage.repos.base import Repo, require_text, upsert
from souk.storage.schema import faq as faq_table
from souk.storage.schema import policies as policies_table
from souk.storage.schema import shipping_zones


def zone_record(row: Any) -> ShippingZone:
    return ShippingZone(region=row.region, countries=tuple(row.countries),
                        standard_days=(row.standard_min_days, row.standard_max_days),
                        express_days=(row.express_min_days, row.express_max_days),
                        free_shipping_over=row.free_shipping_over, duties=row.duties,
                        standard_fee=row.standard_fee, express_fee=row.express_fee,
                        duty_rules=tuple(row.duty_rules or ()))


def zone_values(merchant_id: str, position: int, z: ShippingZone) -> dict[str, Any]:
    require_text(z.region, "shipping region", max_len=64)
    for lo, hi in (z.standard_days, z.express_days):
        if not 0 <= lo <= hi:
            raise BadRequest(f"shipping days for {z.region} must be 0 <= min <= max", code="bad_value")
    return {"merchant_id": merchant_id, "region": z.region, "position": position,
            "countries": [c.upper() for c in z.countries],
            "standard_min_days": z.standard_days[0], "standard_max_days": z.standard_days[1],
            "express_min_days": z.express_days[0], "express_max_days": z.express_days[1],
            "free_shipping_over": z.free_shipping_over, "duties": z.duties, "standard_fee": z.standard_fee,
            "express_fee": z.express_fee, "duty_rules": [dict(rule) for rule in z.duty_rules] or None}


def policies_document(p: Policies) -> dict[str, Any]:
    r = p.returns
    return {
        "returns": {"window_days": r.window_days, "condition": r.condition,
                    "free_return_label_regions": list(r.free_return_label_regions),
                    "other_regions": r.other_regions, "refund_days_after_receipt": r.refund_days_after_receipt,
                    "exchange": r.exchange, "extra": dict(r.extra)},
        "warranty": p.warranty, "payment_methods": list(p.payment_methods), "price_match": p.price_match,
        "support_hours": p.support_hours, "live_shopping": p.live_shopping, "extra": dict(p.extra),
    }


def policies_record(doc: dict[str, Any]) -> Policies:
    r = doc["returns"]
    return Policies(
        returns=ReturnPolicy(window_days=int(r["window_days"]), condition=r["condition"],
                             free_return_label_regions=tuple(r["free_return_label_regions"]),
                             other_regions=r["other_regions"],
                             refund_days_after_receipt=int(r["refund_days_after_receipt"]),
                             exchange=r["exchange"], extra=dict(r.get("extra") or {})),
        warranty=doc["warranty"], payment_methods=tuple(doc["payment_methods"]), price_match=doc["price_match"],
        support_hours=doc["support_hours"], live_shopping=doc["live_shopping"], extra=dict(doc.get("extra", {})),
    )


def faq_values(merchant_id: str, position: int, f: FaqEntry) -> dict[str, Any]:
    return {"merchant_id": merchant_id, "topic": require_text(f.topic, "faq topic", max_len=64),
            "position": position, "answer": f.answer, "answers": dict(f.answers) or None}


EMPTY_POLICIES = Policies(
    returns=ReturnPolicy(window_days=0, condition="", free_return_label_regions=(), other_regions="",
                         refund_days_after_receipt=0, exchange=""),
    warranty="", payment_methods=(), price_match="", support_hours="", live_shopping="",
)


async def read_shipping(conn: AsyncConnection, merchant_id: str) -> list[ShippingZone]:
    rows = (await conn.execute(sa.select(shipping_zones).where(shipping_zones.c.merchant_id == merchant_id)
                               .order_by(shipping_zones.c.position))).all()
    return [zone_record(r) for r in rows]


async def read_policies(conn: AsyncConnection, merchant_id: str) -> Policies | None:
    doc = await conn.scalar(sa.select(policies_table.c.document).where(policies_table.c.merchant_id == merchant_id))
    return policies_record(doc) if doc is not None else None


async def read_faq(conn: AsyncConnection, merchant_id: str) -> list[FaqEntry]:
    rows = (await conn.execute(sa.select(faq_table).where(faq_table.c.merchant_id == merchant_id)
                               .order_by(faq_table.c.position))).all()
    return [FaqEntry(topic=r.topic, answer=r.answer, answers=dict(r.answers or {})) for r in rows]


class SqlStoreInfoRepo(Repo):
    async def set_shipping(self, merchant_id: str, zones: Sequence[ShippingZone]) -> None:
        rows = [zone_values(merchant_id, i, z) for i, z in enumerate(zones)]
        async with self._db.write() as conn:
            await conn.execute(shipping_zones.delete().where(shipping_zones.c.merchant_id == merchant_id))
            if rows:
                await conn.execute(shipping_zones.insert(), rows)

    async def shipping(self, merchant_id: str) -> list[ShippingZone]:
        async with self._db.read() as conn:
            return await read_shipping(conn, merchant_id)

    async def set_policies(self, merchant_id: str, policies: Policies) -> None:
        doc = policies_document(policies)
        async with self._db.write() as conn:
            await upsert(conn, policies_table, {"merchant_id": merchant_id, "document": doc, "updated_at": self._now()},
                         keys=["merchant_id"])

    async def policies(self, merchant_id: str) -> Policies:
        async with self._db.read() as conn:
            found = await read_policies(conn, merchant_id)
        if found is None:
            raise NotFound(f"merchant {merchant_id!r} has no policies", code="policies_not_found")
        return found

    async def set_faq(self, merchant_id: str, faq: Sequence[FaqEntry]) -> None:
        rows = [faq_values(merchant_id, i, f) for i, f in enumerate(faq)]
        async with self._db.write() as conn:
            await conn.execute(faq_table.delete().where(faq_table.c.merchant_id == merchant_id))
            if rows:
                await conn.execute(faq_table.insert(), rows)

    async def faq(self, merchant_id: str) -> list[FaqEntry]:
        async with self._db.read() as conn:
            return await read_faq(conn, merchant_id)
