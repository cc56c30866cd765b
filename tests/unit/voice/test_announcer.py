"""The voice rooms' announcer (souk.voice.announcer) on a fake clock: the first message at once, a burst
gathered into one per interval with every event and the newest map, talking changes coalesced, a message
refused by RTM's rate limit retried after its retry_after and then dropped."""

from __future__ import annotations

import asyncio
from typing import Any

from souk.core.clock import ManualClock
from souk.core.errors import RateLimited
from souk.core.tenancy import RoomKey
from souk.voice.announcer import MAX_RETRIES, Announcer

KEY = RoomKey("m1", "v1")


class Channel:
    def __init__(self, refuse: int = 0) -> None:
        self.sent: list[tuple[float, dict[str, Any]]] = []
        self.refuse = refuse
        self.tries = 0
        self.clock: ManualClock | None = None

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        self.tries += 1
        if self.refuse:
            self.refuse -= 1
            raise RateLimited("you are sending too fast", code="user_rate_limited", details={"retry_after": 0.5})
        assert self.clock is not None
        self.sent.append((self.clock.now(), body))
        return len(self.sent)


async def spin() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def view(version: int) -> dict[str, Any]:
    return {"version": version, "seats": []}


async def test_first_at_once_then_one_message_per_interval_with_every_event() -> None:
    clock, ch = ManualClock(), Channel()
    ch.clock = clock
    ann = Announcer(ch, clock, interval_s=0.25)
    ann.seats(KEY, [{"kind": "a"}], view(1))
    await spin()
    assert [b["version"] for _, b in ch.sent] == [1]
    for v in (2, 3, 4):
        ann.seats(KEY, [{"kind": f"e{v}"}], view(v))
    ann.seats(KEY, [{"kind": "late"}], view(3))  # an older map arriving late never replaces the newer one
    await spin()
    assert len(ch.sent) == 1  # waiting for the interval
    await clock.advance(0.25)
    await spin()
    assert len(ch.sent) == 2
    t, body = ch.sent[1]
    assert t - ch.sent[0][0] >= 0.25 and body["version"] == 4 and body["room"] == view(4)
    assert [e["kind"] for e in body["events"]] == ["e2", "e3", "e4", "late"]
    await ann.aclose()


async def test_talking_is_coalesced_and_repeats_ignored() -> None:
    clock, ch = ManualClock(), Channel()
    ch.clock = clock
    ann = Announcer(ch, clock, interval_s=0.25)
    ann.talking(KEY, "a", True)
    await spin()
    ann.talking(KEY, "a", True)  # no change
    ann.talking(KEY, "b", True)
    ann.talking(KEY, "a", False)
    await clock.advance(0.3)
    await spin()
    assert [b for _, b in ch.sent] == [
        {"type": "talking", "talking": ["a"], "changed": {"a": True}},
        {"type": "talking", "talking": ["b"], "changed": {"b": True, "a": False}}]
    ann.forget(KEY)
    ann.talking(KEY, "b", False)  # the room ended: b is not talking already
    await clock.advance(1)
    await spin()
    assert len(ch.sent) == 2
    await ann.aclose()


async def test_rate_limited_is_retried_then_dropped() -> None:
    clock, ch = ManualClock(), Channel(refuse=2)
    ch.clock = clock
    ann = Announcer(ch, clock, interval_s=0.25)
    ann.seats(KEY, [{"kind": "a"}], view(1))
    for _ in range(4):
        await spin()
        await clock.advance(0.5)
    await spin()
    assert ch.tries == 3 and [b["version"] for _, b in ch.sent] == [1]
    ch.refuse = 99
    ann.seats(KEY, [{"kind": "b"}], view(2))
    for _ in range(10):
        await spin()
        await clock.advance(0.5)
    assert ch.tries == 3 + MAX_RETRIES + 1 and len(ch.sent) == 1  # given up: a page reads the room on a gap
    await ann.aclose()
