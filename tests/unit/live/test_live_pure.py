"""Pure live-commerce state: pins, carts, the coalescing stock ticker (fake clock) and who may run the show."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from souk.auth.tokens import DEFAULT_PRIVILEGES, AccessClaims, Role
from souk.core.clock import ManualClock
from souk.core.errors import BadRequest, Conflict, Forbidden, TooLarge
from souk.domain.pins import pin_to, require_pinned, unpin_from
from souk.live.access import require_host
from souk.live.cart import Carts
from souk.live.ticker import StockTicker


def claims(role: Role, room: str = "live-1") -> AccessClaims:
    return AccessClaims(merchant_id="shop", identity=f"{role.value}-1", room=room, role=role,
                        privileges=DEFAULT_PRIVILEGES[role], expires_at=2e9)


def test_only_the_host_side_runs_the_show() -> None:
    for role in (Role.HOST, Role.COHOST, Role.MODERATOR):
        require_host(claims(role), "live-1", "pin products")
    for role in (Role.AUDIENCE, Role.MEMBER, Role.GUEST, Role.AGENT):
        with pytest.raises(Forbidden) as exc:
            require_host(claims(role), "live-1", "pin products")
        assert exc.value.code == "not_host"
    with pytest.raises(Forbidden) as exc:  # a host of another room is not the host here
        require_host(claims(Role.HOST, room="live-2"), "live-1", "pin products")
    assert exc.value.code == "wrong_room"


def test_pins_are_ordered_idempotent_and_bounded() -> None:
    pins: tuple[str, ...] = ()
    pins = pin_to("A", max_pins=2)(pins)
    assert pin_to("A", max_pins=2)(pins) == ("A",)  # pinning twice changes nothing
    pins = pin_to("B", max_pins=2)(pins)
    assert pins == ("A", "B")
    with pytest.raises(TooLarge) as too_many:
        pin_to("C", max_pins=2)(pins)
    assert too_many.value.code == "too_many_pins"
    with pytest.raises(BadRequest):
        pin_to("")
    pins = unpin_from("A")(pins)
    assert pins == ("B",) and unpin_from("A")(pins) == ("B",)
    with pytest.raises(Conflict) as exc:
        require_pinned(pins, "A")
    assert exc.value.code == "not_pinned" and exc.value.details == {"sku": "A"}
    require_pinned(pins, "B")


def test_carts_are_per_viewer_bounded_and_merge_quantities() -> None:
    carts = Carts(max_lines=2, max_qty=5, max_carts=2)
    a, b = ("shop", "live-1", "ann"), ("shop", "live-1", "bob")
    carts.add(a, "X", 2)
    assert [(ln.sku, ln.qty) for ln in carts.add(a, "X", 3)] == [("X", 5)]
    with pytest.raises(TooLarge) as exc:
        carts.add(a, "X", 1)
    assert exc.value.code == "cart_qty_limit"
    carts.add(a, "Y")
    with pytest.raises(TooLarge) as exc:
        carts.add(a, "Z")
    assert exc.value.code == "cart_full"
    with pytest.raises(BadRequest):
        carts.add(a, "Y", 0)
    assert carts.lines(b) == ()
    assert [(ln.sku, ln.qty) for ln in carts.remove(a, "X", 2)] == [("X", 3), ("Y", 1)]
    assert [ln.sku for ln in carts.remove(a, "X")] == ["Y"]
    carts.add(b, "X")
    carts.add(("shop", "live-1", "cy"), "X")  # a third cart evicts the longest-idle one (ann's)
    assert len(carts) == 2 and carts.lines(a) == ()


async def test_stock_ticker_coalesces_to_one_message_per_interval() -> None:
    clock = ManualClock()
    sent: list[tuple[str, str, dict[str, Any]]] = []

    async def emit(merchant: str, room: str, body: dict[str, Any]) -> None:
        sent.append((merchant, room, body))

    ticker = StockTicker(emit, clock, interval_s=0.25)
    ticker.start()
    await asyncio.sleep(0)  # the ticker task starts its first sleep at t=0
    try:
        for left in range(10, 0, -1):
            ticker.note("shop", "live-1", "sale-1", {"remaining": left})
        ticker.note("shop", "live-2", "sale-2", {"remaining": 7})
        await clock.advance(0.1)
        assert sent == []  # nothing before the tick
        await clock.advance(0.15)
        assert sent == [("shop", "live-1", {"remaining": 1}), ("shop", "live-2", {"remaining": 7})]
        await clock.advance(1.0)
        assert len(sent) == 2  # no change, no message
        ticker.note("shop", "live-1", "sale-1", {"remaining": 0})
        await clock.advance(0.25)
        assert sent[-1] == ("shop", "live-1", {"remaining": 0})
    finally:
        await ticker.aclose()
        await ticker.aclose()  # idempotent
