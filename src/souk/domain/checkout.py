"""Inputs for creating an order at checkout (validated here, priced by the store at write time)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from souk.core.errors import BadRequest

MAX_LINES = 100
MAX_QTY = 10_000


@dataclass(frozen=True, slots=True)
class CartLine:
    sku: str
    qty: int

    def __post_init__(self) -> None:
        if not self.sku:
            raise BadRequest("cart line needs a sku", code="bad_cart")
        if not isinstance(self.qty, int) or isinstance(self.qty, bool) or not 0 < self.qty <= MAX_QTY:
            raise BadRequest(f"quantity for {self.sku} must be 1..{MAX_QTY}, got {self.qty!r}", code="bad_cart")


@dataclass(frozen=True, slots=True)
class NewOrder:
    """What checkout knows. Unit prices come from the catalog inside the same transaction."""

    customer_id: str
    lines: tuple[CartLine, ...]
    country: str
    shipping_method: str = "standard"
    shipping: Decimal = Decimal("0.00")
    currency_paid: str | None = None  # None: the merchant's currency
    note: str | None = None
    order_id: str | None = None  # generated when None

    def __post_init__(self) -> None:
        if not self.customer_id:
            raise BadRequest("order needs a customer_id", code="bad_cart")
        if not self.lines:
            raise BadRequest("order needs at least one line", code="bad_cart")
        if len(self.lines) > MAX_LINES:
            raise BadRequest(f"order has more than {MAX_LINES} lines", code="bad_cart")
        skus = [ln.sku for ln in self.lines]
        if len(set(skus)) != len(skus):
            raise BadRequest("order lists the same sku twice; merge the quantities", code="bad_cart")
        if self.shipping < 0:
            raise BadRequest("shipping fee cannot be negative", code="bad_cart")
