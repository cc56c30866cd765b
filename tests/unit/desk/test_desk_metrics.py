"""The desk's queue in the metrics: waiting now and the oldest wait per merchant, and each wait until a person
takes the conversation (souk.core.metrics; read at scrape by souk.api.metrics_boot)."""

from __future__ import annotations

from souk.core.metrics import Metrics
from souk.domain.desk.routing import Presence, Skills
from souk.domain.desk.staff import StaffProfile
from tests.unit.desk.test_desk_service import Desk, M, chat, desk, hand_off

__all__ = ["desk"]


async def test_queue_size_oldest_wait_and_the_wait_until_taken(desk: Desk) -> None:
    s = desk.service
    metrics = Metrics()
    s.meter = metrics
    await s.put_agent(StaffProfile(M, "ana", "Ana", Skills(frozenset({"es"})), 2))
    for cid in ("c1", "c2"):
        await chat(s, cid, shopper=f"s-{cid}")
        await hand_off(s, cid, shopper=f"s-{cid}")
        await desk.clock.advance(30)
    assert s.waiting_now() == {M: (2, 60.0)}
    await s.connect_agent(M, "ana")
    await s.set_presence(M, "ana", Presence.ONLINE)  # takes both (capacity 2)
    assert s.waiting_now() == {}
    waits = {x.name: x.value for x in metrics.desk_waits.collect()[0].samples}
    assert waits["souk_desk_wait_seconds_count"] == 2 and waits["souk_desk_wait_seconds_sum"] == 90.0
