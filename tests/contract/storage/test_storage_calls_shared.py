"""Call records as several nodes use them (docs/multinode.md): the whole call in ``detail``, the calls open on any
node, one winner of two answers, a dead node's call ended once as ``interrupted``. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from souk.core.errors import Conflict
from souk.domain.calls import CallOutcome
from souk.domain.rooms import RoomKind
from souk.storage import Storage
from tests.contract.storage.conftest import A, B

DETAIL = {"shopper_name": "Ana", "product_name": "Silk scarf", "origin_room": "live-1", "note": "size?",
          "origin_cart": {"items": 2, "total": "19.80", "currency": "USD"}, "ended_by": ""}


async def _call(s: Storage, merchant: str, call_id: str) -> None:
    room = await s.rooms.create(merchant, RoomKind.CONSULT)
    await s.calls.create(merchant, shopper_identity="shopper-1", room_id=room.id, call_id=call_id,
                         product_sku="SKU-1", language="en", detail=DETAIL)


async def test_the_whole_call_is_in_its_record_and_open_calls_are_listed_per_merchant(two_shops: Storage) -> None:
    s = two_shops
    await _call(s, A, "call_1")
    await _call(s, A, "call_2")
    await _call(s, B, "call_1")  # the same id at another merchant
    record = await s.calls.get(A, "call_1")
    assert record.detail == DETAIL
    await s.calls.answer(A, "call_2", seller_identity="seller-1", detail={**DETAIL, "ended_by": ""})
    await s.calls.finish(A, "call_2", CallOutcome.COMPLETED, detail={**DETAIL, "ended_by": "seller-1"})
    assert (await s.calls.get(A, "call_2")).detail == {**DETAIL, "ended_by": "seller-1"}
    assert [c.id for c in await s.calls.open(A)] == ["call_1"]
    assert [(c.merchant_id, c.id) for c in await s.calls.open(B)] == [(B, "call_1")]


async def test_of_two_answers_at_once_one_wins(two_shops: Storage) -> None:
    s = two_shops
    await _call(s, A, "call_race")
    results = await asyncio.gather(s.calls.answer(A, "call_race", seller_identity="seller-a"),
                                   s.calls.answer(A, "call_race", seller_identity="seller-b"),
                                   return_exceptions=True)
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(lost) == 1 and lost[0].code == "call_not_ringing", results
    won = next(r for r in results if not isinstance(r, BaseException))
    assert (await s.calls.get(A, "call_race")).seller_identity == won.seller_identity  # type: ignore[union-attr]


async def test_a_dead_nodes_call_is_interrupted_once_and_only_while_open(two_shops: Storage) -> None:
    s = two_shops
    await _call(s, A, "call_dead")
    ended = await s.calls.interrupt(A, "call_dead")
    assert ended is not None and ended.outcome is CallOutcome.INTERRUPTED and ended.duration_s is None
    assert await s.calls.interrupt(A, "call_dead") is None  # once
    assert await s.calls.interrupt(B, "call_dead") is None  # another merchant's: not there
    with pytest.raises(Conflict):
        await s.calls.finish(A, "call_dead", CallOutcome.COMPLETED)
    assert await s.calls.open(A) == []
