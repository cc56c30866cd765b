"""Checkout input validation and the small behaviours of the tenancy/room/call records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from souk.core.errors import BadRequest
from souk.domain.accounts import ApiKey, User, UserRole
from souk.domain.calls import CallOutcome, CallRecord
from souk.domain.checkout import MAX_LINES, CartLine, NewOrder
from souk.domain.rooms import Participant, Room, RoomKind, RoomStatus

T0 = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("qty", [0, -1, 10_001, 1.5, True])
def test_cart_line_refuses_bad_quantities(qty: object) -> None:
    with pytest.raises(BadRequest):
        CartLine("SKU", qty)  # type: ignore[arg-type]


def test_new_order_validation() -> None:
    ok = NewOrder(customer_id="C-1", lines=(CartLine("A", 1),), country="US")
    assert ok.shipping == Decimal("0.00") and ok.order_id is None
    bad = [
        {"customer_id": "", "lines": (CartLine("A", 1),)},
        {"customer_id": "C", "lines": ()},
        {"customer_id": "C", "lines": (CartLine("A", 1), CartLine("A", 2))},
        {"customer_id": "C", "lines": tuple(CartLine(f"S{i}", 1) for i in range(MAX_LINES + 1))},
        {"customer_id": "C", "lines": (CartLine("A", 1),), "shipping": Decimal(-1)},
    ]
    for kwargs in bad:
        with pytest.raises(BadRequest):
            NewOrder(country="US", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(BadRequest):
        CartLine("", 1)


def test_record_helpers() -> None:
    key = ApiKey(key_id="k", merchant_id="m", label="", created_at=T0)
    assert key.active and not ApiKey("k", "m", "", T0, revoked_at=T0).active
    user = User("u", "m", UserRole.SHOPPER, "Sam", None, ("en",), (), True, T0)
    assert user.speaks("en") and not user.speaks("zh") and not user.role.is_staff
    room = Room("r", "m", RoomKind.LIVE, RoomStatus.OPEN, T0)
    assert room.is_open and room.metadata == {}
    assert Participant(1, "r", "m", "id", "host", "", T0).present
    ringing = CallRecord("c", "m", None, "shopper", None, None, None, T0)
    assert ringing.ringing and not ringing.in_progress
    live = CallRecord("c", "m", None, "shopper", "seller", None, None, T0, answered_at=T0)
    assert live.in_progress and not live.ringing
    assert CallOutcome("missed") is CallOutcome.MISSED
