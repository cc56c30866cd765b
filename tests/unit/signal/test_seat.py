"""The accept switches both sides' warm subscriptions on the server (souk.signal.seat): each side hears
``switched`` (unrequested) for its warm subscription, then the other's ``published``, so neither client spends a
round trip on a ``switch``. When the server cannot switch, the client is told ``published`` as before and
switches itself. Pure: the session over fakes of the media plane."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from souk.auth.tokens import Role
from souk.core.errors import Conflict
from souk.core.tenancy import RoomKey
from souk.media.events import MediaEvent
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.signal.session import SignalSession
from tests.unit.signal.test_backstage import ROOM, Env, drain, published, types

SDP = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


class FakeSub:
    """A VideoRoom subscription: records switches (``carries``: the kinds a switch reports)."""

    def __init__(self, room: RoomKey, carries: list[str] | Exception) -> None:
        self.room = room
        self.handle_id = 1
        self.carries = carries
        self.switched: list[int] = []
        self.offer = Jsep("offer", SDP)
        self.up = asyncio.Event()
        self.up.set()

    async def events(self) -> AsyncIterator[MediaEvent]:
        return
        yield

    async def trickle(self, candidate: dict[str, str | int] | None) -> None: ...

    async def aclose(self) -> None: ...

    async def start(self, answer: Jsep) -> None: ...

    async def hold(self, kinds: Sequence[str] = ("audio", "video")) -> None: ...

    async def wait_webrtcup(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.up.wait(), timeout)

    async def switch(self, feed_id: int, source_mids: dict[str, list[str]]) -> list[str]:
        if isinstance(self.carries, Exception):
            raise self.carries
        self.switched.append(feed_id)
        return self.carries


class SeatEnv(Env):
    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.carries: list[str] | Exception = ["audio", "video"]
        self.subs: list[FakeSub] = []

        async def subscribe(room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0) -> FakeSub:
            self.subs.append(FakeSub(room, self.carries))
            return self.subs[-1]

        self.media.subscribe = subscribe  # type: ignore[method-assign,assignment]


@pytest.fixture
def env(tmp_path: Path) -> SeatEnv:
    return SeatEnv(tmp_path)


async def warmed(s: SignalSession, *, answer: bool = True) -> str:
    """Publish and open the warm subscription (answered unless ``answer`` is false): its id."""
    await published(s)
    offer = await s.handle(m.Warm(id="w"))
    assert isinstance(offer, m.SdpOffer) and offer.warm
    if answer:
        await s.handle(m.Answer(sub=offer.sub, sdp=SDP, id="a"))
    return offer.sub


async def two_sides(env: SeatEnv, *, answer: bool = True) -> tuple[SignalSession, SignalSession, str, str]:
    shopper = env.session("shopper", Role.MEMBER)
    await shopper.handle(m.Join(room=ROOM, id="j"))
    shopper_sub = await warmed(shopper, answer=answer)
    seller = env.session("seller-1")
    await seller.handle(m.Join(room=ROOM, id="j"))
    seller_sub = await warmed(seller, answer=answer)
    drain(shopper.outbox), drain(seller.outbox)
    return shopper, seller, shopper_sub, seller_sub


async def settle() -> None:
    """Let the seat's switch tasks run to their next wait."""
    for _ in range(50):
        await asyncio.sleep(0)


def told(events: list[dict[str, Any]]) -> list[str]:
    return [t for t in types(events) if t not in ("warmed", "ack")]


async def test_the_accept_switches_both_warm_subscriptions_before_telling_each_side_of_the_other(env: SeatEnv) -> None:
    shopper, seller, shopper_sub, seller_sub = await two_sides(env)
    env.accept("seller-1")
    await settle()
    to_shopper, to_seller = drain(shopper.outbox), drain(seller.outbox)
    assert told(to_shopper) == ["participant.joined", "switched", "published"]
    assert told(to_seller) == ["participant.joined", "switched", "published"]
    switched = {e["sub"]: e for e in to_shopper + to_seller if e["type"] == "switched"}
    assert switched[shopper_sub]["feed"] == "seller-1" and switched[seller_sub]["feed"] == "shopper"
    assert switched[shopper_sub]["kinds"] == ["audio", "video"] and "id" not in switched[shopper_sub]
    assert [len(x.switched) for x in env.subs] == [1, 1]
    assert not shopper.subs[shopper_sub].warm and shopper.subs[shopper_sub].feed == "seller-1"
    assert not seller.subs[seller_sub].warm and seller.subs[seller_sub].feed == "shopper"
    # a client that switches anyway (an older SDK) is answered as before
    again = await shopper.handle(m.Switch(sub=shopper_sub, feed="seller-1", id="s"))
    assert isinstance(again, m.Switched) and again.id == "s"


async def test_a_warm_subscription_not_answered_yet_is_left_to_the_client(env: SeatEnv) -> None:
    shopper, seller, shopper_sub, _ = await two_sides(env, answer=False)
    env.accept("seller-1")  # nothing to switch: the notices go out at once, as before
    assert told(drain(shopper.outbox)) == ["participant.joined", "published"]
    assert told(drain(seller.outbox)) == ["participant.joined", "published"]
    assert [x.switched for x in env.subs] == [[], []] and shopper.subs[shopper_sub].warm


async def test_a_switch_that_drops_a_kind_the_feed_has_is_not_announced(env: SeatEnv) -> None:
    """The client, told only ``published``, switches itself, sees the missing video and subscribes instead."""
    env.carries = ["audio"]
    shopper, seller, _, _ = await two_sides(env)
    env.accept("seller-1")
    await settle()
    assert told(drain(shopper.outbox)) == ["participant.joined", "published"]
    assert told(drain(seller.outbox)) == ["participant.joined", "published"]


async def test_a_refused_switch_still_tells_each_side_of_the_other(env: SeatEnv) -> None:
    env.carries = Conflict("Janus switched no stream", code="switch_incompatible")
    shopper, seller, shopper_sub, _ = await two_sides(env)
    env.accept("seller-1")
    await settle()
    assert told(drain(shopper.outbox)) == ["participant.joined", "published"]
    assert told(drain(seller.outbox)) == ["participant.joined", "published"]
    assert shopper.subs[shopper_sub].warm  # still warm: the client's own switch (or a subscribe) follows


async def test_the_switch_waits_for_a_warm_connection_still_coming_up(env: SeatEnv) -> None:
    """Janus's keyframe request at the switch would be lost on a connection without DTLS yet (and the next one
    waits a second): the server switches once Janus says it is up."""
    shopper, seller, _, _ = await two_sides(env)
    sub = env.subs[0]
    sub.up.clear()  # the shopper's warm connection is not up yet
    env.accept("seller-1")
    await settle()
    assert sub.switched == [] and told(drain(shopper.outbox)) == ["participant.joined"]
    assert told(drain(seller.outbox)) == ["participant.joined", "switched", "published"]  # the seller's was up
    sub.up.set()
    await settle()
    assert sub.switched == [7] and told(drain(shopper.outbox)) == ["switched", "published"]
