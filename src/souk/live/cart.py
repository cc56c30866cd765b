"""The rules of a live-room cart (one per viewer per room), as pure changes to {sku: qty}.

The carts themselves live in the database (souk.storage.repos.carts: shared by every Souk node, kept
across restarts); ``add_to`` / ``remove_from`` are the changes the repository applies under the cart's row
lock. ``Carts`` is the same rules over an in-process map (bounded, LRU), for tests and tools.
"""

from __future__ import annotations

from collections import OrderedDict

from souk.core.errors import BadRequest, TooLarge
from souk.domain.checkout import CartLine
from souk.domain.coupons import CartChange

MAX_LINES = 20
MAX_QTY_PER_LINE = 20
MAX_CARTS = 50_000

CartKey = tuple[str, str, str]  # (merchant_id, room_id, identity)


def add_to(sku: str, qty: int = 1, *, max_lines: int = MAX_LINES, max_qty: int = MAX_QTY_PER_LINE) -> CartChange:
    """The change adding ``qty`` of ``sku``: 400 ``bad_cart``, 413 ``cart_full`` / ``cart_qty_limit``."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
        raise BadRequest(f"quantity must be a positive integer, got {qty!r}", code="bad_cart")

    def change(cart: dict[str, int]) -> dict[str, int]:
        if sku not in cart and len(cart) >= max_lines:
            raise TooLarge(f"a cart holds at most {max_lines} products", code="cart_full")
        total = cart.get(sku, 0) + qty
        if total > max_qty:
            raise TooLarge(f"at most {max_qty} of one product per cart", code="cart_qty_limit",
                           details={"sku": sku, "max": max_qty})
        return {**cart, sku: total}

    return change


def remove_from(sku: str, qty: int | None = None) -> CartChange:
    """The change removing ``qty`` units of ``sku`` (all of them when None); unknown skus are a no-op."""
    def change(cart: dict[str, int]) -> dict[str, int]:
        out = dict(cart)
        if sku in out:
            left = 0 if qty is None else out[sku] - qty
            if left > 0:
                out[sku] = left
            else:
                del out[sku]
        return out

    return change


def as_lines(cart: dict[str, int]) -> tuple[CartLine, ...]:
    return tuple(CartLine(sku, qty) for sku, qty in cart.items())


class Carts:
    """The cart rules over an in-process map, bounded to ``max_carts`` (the longest-idle cart goes first)."""

    def __init__(self, *, max_lines: int = MAX_LINES, max_qty: int = MAX_QTY_PER_LINE,
                 max_carts: int = MAX_CARTS) -> None:
        self._carts: OrderedDict[CartKey, dict[str, int]] = OrderedDict()
        self._max_lines = max_lines
        self._max_qty = max_qty
        self._max_carts = max_carts

    def add(self, key: CartKey, sku: str, qty: int = 1) -> tuple[CartLine, ...]:
        change = add_to(sku, qty, max_lines=self._max_lines, max_qty=self._max_qty)
        cart = change(self._carts.get(key, {}))
        if key not in self._carts and len(self._carts) >= self._max_carts:
            self._carts.popitem(last=False)
        self._carts[key] = cart
        self._carts.move_to_end(key)
        return as_lines(cart)

    def remove(self, key: CartKey, sku: str, qty: int | None = None) -> tuple[CartLine, ...]:
        if key in self._carts:
            self._carts[key] = remove_from(sku, qty)(self._carts[key])
        return self.lines(key)

    def lines(self, key: CartKey) -> tuple[CartLine, ...]:
        return as_lines(self._carts.get(key, {}))

    def clear(self, key: CartKey) -> None:
        self._carts.pop(key, None)

    def __len__(self) -> int:
        return len(self._carts)
