"""Flash sales (live shopping): a fixed number of units of one product at a sale price until a wall-clock end.

The sale's own unit counter lives in the database (souk.storage.repos.flash_sales) and only moves through
conditional UPDATEs, so concurrent buyers can never take more than ``units``.
"""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from souk.core.errors import BadRequest
from souk.domain.models import Order

MAX_SALE_UNITS = 1_000_000
MAX_SALE_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class FlashSaleSpec:
    room_id: str
    sku: str
    units: int
    price: Decimal
    duration_s: float

    def __post_init__(self) -> None:
        if not self.room_id or not self.sku:
            raise BadRequest("a flash sale needs a room and a sku", code="bad_sale")
        if not isinstance(self.units, int) or isinstance(self.units, bool) or not 0 < self.units <= MAX_SALE_UNITS:
            raise BadRequest(f"units must be 1..{MAX_SALE_UNITS}, got {self.units!r}", code="bad_sale")
        if not Decimal(self.price).is_finite() or Decimal(self.price) < 0:
            raise BadRequest("sale price must be a non-negative amount", code="bad_sale")
        if not 0 < float(self.duration_s) <= MAX_SALE_SECONDS:
            raise BadRequest(f"duration must be 1..{MAX_SALE_SECONDS} seconds", code="bad_sale")


@dataclass(frozen=True, slots=True)
class FlashSale:
    id: str
    room_id: str
    sku: str
    price: Decimal
    units: int
    sold: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    ended: bool  # stopped early by the host

    @property
    def remaining(self) -> int:
        return self.units - self.sold

    def active(self, now: dt.datetime) -> bool:
        return not self.ended and now < self.ends_at and self.sold < self.units

    def seconds_left(self, now: dt.datetime) -> float:
        return 0.0 if self.ended else max(0.0, (self.ends_at - now).total_seconds())


class FlashSaleRepo(Protocol):
    async def create(self, merchant_id: str, spec: FlashSaleSpec, *, sale_id: str | None = None) -> FlashSale: ...
    async def get(self, merchant_id: str, sale_id: str) -> FlashSale: ...
    async def list(self, merchant_id: str, room_id: str) -> list[FlashSale]: ...
    async def end(self, merchant_id: str, sale_id: str) -> FlashSale: ...

    async def running(self, merchant_id: str) -> builtins.list[FlashSale]:
        """Sales neither ended nor past their end time, in every room of the merchant (a restart re-arms their
        end announcements from these)."""
        ...

    async def buy(
        self, merchant_id: str, sale_id: str, *, customer_id: str, qty: int, country: str,
        currency_paid: str | None = None, order_id: str | None = None, require_pinned: bool = False,
    ) -> tuple[Order, FlashSale]:
        """Take ``qty`` sale units and the catalog stock and write the order at the sale price, all in one
        transaction. Conflict codes: ``sale_sold_out``, ``sale_ended``, ``out_of_stock``, ``not_pinned``
        (``require_pinned``: the sale's product must be pinned in its room), ``order_exists``.

        ``order_id`` is the idempotency key: a buy retried with it answers with the first order (and the
        sale as it is now), before any other check; the same id for another purchase is ``order_exists``."""
        ...
