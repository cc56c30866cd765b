"""One cart per viewer per live room, kept on the server so it survives reconnects. Pure and bounded."""

from __future__ import annotations

from collections import OrderedDict

from souk.core.errors import BadRequest, TooLarge
from souk.domain.checkout import CartLine

MAX_LINES = 20
MAX_QTY_PER_LINE = 20
MAX_CARTS = 50_000

CartKey = tuple[str, str, str]  # (merchant_id, room_id, identity)


class Carts:
    def __init__(self, *, max_lines: int = MAX_LINES, max_qty: int = MAX_QTY_PER_LINE,
                 max_carts: int = MAX_CARTS) -> None:
        self._carts: OrderedDict[CartKey, dict[str, int]] = OrderedDict()
        self._max_lines = max_lines
        self._max_qty = max_qty
        self._max_carts = max_carts

    def add(self, key: CartKey, sku: str, qty: int = 1) -> tuple[CartLine, ...]:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            raise BadRequest(f"quantity must be a positive integer, got {qty!r}", code="bad_cart")
        cart = self._carts.get(key)
        if cart is None:
            if len(self._carts) >= self._max_carts:
                self._carts.popitem(last=False)  # the longest-idle cart goes first
            cart = self._carts[key] = {}
        self._carts.move_to_end(key)
        if sku not in cart and len(cart) >= self._max_lines:
            raise TooLarge(f"a cart holds at most {self._max_lines} products", code="cart_full")
        total = cart.get(sku, 0) + qty
        if total > self._max_qty:
            raise TooLarge(f"at most {self._max_qty} of one product per cart", code="cart_qty_limit",
                           details={"sku": sku, "max": self._max_qty})
        cart[sku] = total
        return self.lines(key)

    def remove(self, key: CartKey, sku: str, qty: int | None = None) -> tuple[CartLine, ...]:
        """Remove ``qty`` units of ``sku`` (all of them when None); unknown skus are a no-op."""
        cart = self._carts.get(key, {})
        if sku in cart:
            left = 0 if qty is None else cart[sku] - qty
            if left > 0:
                cart[sku] = left
            else:
                del cart[sku]
        return self.lines(key)

    def lines(self, key: CartKey) -> tuple[CartLine, ...]:
        return tuple(CartLine(sku, qty) for sku, qty in self._carts.get(key, {}).items())

    def clear(self, key: CartKey) -> None:
        self._carts.pop(key, None)

    def __len__(self) -> int:
        return len(self._carts)
