"""Replay chapters for group buys (souk.live.replay): the offer's start is a chapter, its tier unlocks and its
end are that chapter's moments, progress counters are not, and a moment of an offer opened before the
recording (no chapter) is dropped."""

from __future__ import annotations

from souk.live.replay import assemble

CARD = {"sku": "HOT", "name": "Jacket"}
TIERS = [{"min_buyers": 1, "price": "30.00"}, {"min_buyers": 3, "price": "25.00"}]


def gb(kind: str, ts: float, offer: str = "gb1", **body: object) -> dict[str, object]:
    return {"k": "system", "frm": "live", "ts": ts, "b": {"type": kind, "offer_id": offer, "sku": "HOT", **body}}


def test_a_group_buy_is_a_chapter_with_its_tier_and_end_moments() -> None:
    msgs = [
        gb("group_buy_tier", 100.5, offer="older", buyers=5, price="9.00"),  # opened before the recording
        gb("group_buy_start", 101.0, card=CARD, tiers=TIERS, price="30.00", currency="USD"),
        gb("group_buy_progress", 102.0, buyers=2, price="30.00"),
        gb("group_buy_tier", 103.0, buyers=3, price="25.00"),
        gb("group_buy_end", 104.5, buyers=4, price="25.00"),
        {"k": "system", "frm": "live", "ts": 105.0, "b": {"type": "group_buy_start", "sku": "X"}},  # no offer id
    ]
    chapters, chat = assemble(msgs, 100.0, 110.0)
    assert chat == []
    assert chapters == [{"at_s": 1.0, "sku": "HOT", "card": CARD, "group_buy": {
        "offer_id": "gb1", "price": "30.00", "currency": "USD", "tiers": TIERS, "moments": [
            {"at_s": 3.0, "kind": "tier", "buyers": 3, "price": "25.00"},
            {"at_s": 4.5, "kind": "end", "buyers": 4, "price": "25.00"}]}}]
