"""Order totals, in one place: the goods, a coupon's discount, shipping and the total. Pure.

Every path that writes an order prices it here: an order of given lines with a known shipping charge
(``orders.create``), a live-room cart with an optional coupon and free shipping above a threshold
(``live_carts.checkout``) and a flash-sale purchase (``flash_sales.buy``). The unit prices come from the
store inside the writer's transaction; this module only does the sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from souk.core.errors import Conflict
from souk.domain.coupons import Coupon
from souk.domain.models import OrderLine

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Totals:
    goods: Decimal  # the lines at their unit prices: the order's subtotal
    discount: Decimal = ZERO
    shipping: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """The goods after the discount."""
        return self.goods - self.discount

    @property
    def total(self) -> Decimal:
        return self.net + self.shipping


def goods(lines: Iterable[OrderLine]) -> Decimal:
    return sum((ln.total for ln in lines), ZERO)


def order_totals(lines: Iterable[OrderLine], *, shipping: Decimal) -> Totals:
    """An order whose shipping charge was decided before it was priced (checkout's quote)."""
    return Totals(goods=goods(lines), shipping=shipping)


def sale_totals(line: OrderLine) -> Totals:
    """A flash-sale purchase: one line at the sale price, no shipping charge."""
    return Totals(goods=goods((line,)))


def cart_totals(lines: Iterable[OrderLine], *, coupon: Coupon | None, shipping_fee: Decimal,
                free_shipping_over: Decimal) -> Totals:
    """A live-room cart: ``coupon`` (already claimed) takes its discount off the goods, and shipping is free
    when the goods after the discount reach ``free_shipping_over``. A coupon whose minimum spend the goods
    do not reach is refused (409 ``coupon_min_spend``)."""
    amount = goods(lines)
    discount = ZERO
    if coupon is not None:
        if amount < coupon.min_spend:
            raise Conflict(f"coupon {coupon.code} needs goods of at least {coupon.min_spend}",
                           code="coupon_min_spend", details={"code": coupon.code, "goods": str(amount),
                                                             "min_spend": str(coupon.min_spend)})
        discount = coupon.discount(amount)
    net = amount - discount
    return Totals(goods=amount, discount=discount, shipping=ZERO if net >= free_shipping_over else shipping_fee)
