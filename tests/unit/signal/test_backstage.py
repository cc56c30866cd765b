"""Backstage members of a consult room (souk.signal.hub): a seller's console joins while the call rings, publishes
and is seen by nobody and sees nobody; the accept seats the seller who answered, both ways at once; the others are
told it was answered elsewhere. Pure: the session over fakes of the media plane and the room store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from souk.auth.tokens import Role, TokenService
from souk.consult.models import Call, CallState
from souk.core.errors import Conflict
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.hub import BACKSTAGE_MAX, Outbox, SignalHub
from souk.signal.session import SignalSession
from tests.unit.signal.test_signal_session_keys import FakeMedia, FakeRooms, Gone

A = "shop-a"
ROOM = "a-only"  # a consult room of merchant A in FakeRooms
KEY = RoomKey(A, ROOM)


class Ringing(Gone):
    """The call in KEY rings for the shopper; once accepted, ``seller`` is its seller."""

    def __init__(self) -> None:
        super().__init__()
        self.seller = ""

    def backstage(self, room: RoomKey, identity: str) -> bool:
        return room == KEY and identity not in ("shopper", self.seller)


def drain(outbox: Outbox) -> list[dict[str, Any]]:
    out = []
    while not outbox.queue.empty():
        frame = outbox.queue.get_nowait()
        if frame is not None:
            out.append(msgspec.json.decode(frame))
    return out


class Env:
    def __init__(self, tmp: Path) -> None:
        self.hub = SignalHub()
        self.media = FakeMedia(tmp)
        self.rooms = FakeRooms()
        self.calls = Ringing()
        self.tokens = TokenService("x" * 32)

    def session(self, identity: str, role: Role = Role.AGENT) -> SignalSession:
        room = "*" if role is Role.AGENT else ROOM
        claims = self.tokens.verify(self.tokens.mint(merchant_id=A, identity=identity, room=room, role=role))
        return SignalSession(claims=claims, hub=self.hub, media=self.media, rooms=self.rooms, outbox=Outbox(),
                             gone=self.calls)

    def accept(self, seller: str) -> None:
        self.calls.seller = seller
        self.hub.call_changed(Call(id="call_1", merchant_id=A, room_id=ROOM, shopper="shopper", product_sku="AP-1",
                                   language="en", state=CallState.ACCEPTED, requested_at=0.0, seller=seller,
                                   answered_at=1.0))


async def published(s: SignalSession) -> None:
    """Publish, and the publisher's PeerConnection comes up (what Janus's webrtcup does)."""
    await s.handle(m.Publish(sdp="v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", id="p"))
    assert s.publisher is not None
    s._announce_feed(s.publisher)


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events if e["type"] != "call"]


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


async def test_a_backstage_seller_is_seated_both_ways_when_the_call_is_accepted(env: Env) -> None:
    shopper = env.session("shopper", Role.MEMBER)
    await shopper.handle(m.Join(room=ROOM, id="j"))
    await published(shopper)
    seller = env.session("seller-1")
    joined = await seller.handle(m.Join(room=ROOM, id="j", subscribe=True))
    assert isinstance(joined, m.Joined) and joined.participants == [] and joined.feeds == [] and joined.offers == []
    await published(seller)
    with pytest.raises(Conflict) as err:
        await seller.handle(m.Subscribe(feed="shopper", id="s"))
    assert err.value.code == m.ErrorCode.BACKSTAGE
    await seller.handle(m.Mute(kind="audio", muted=True, id="m"))
    assert types(drain(shopper.outbox)) == []  # the shopper heard nothing of the seller
    assert types(drain(seller.outbox)) == []

    env.accept("seller-1")
    to_shopper = drain(shopper.outbox)
    assert types(to_shopper) == ["participant.joined", "published"]
    assert to_shopper[1]["feed"]["participant"] == "seller-1" and to_shopper[1]["feed"]["audio_muted"] is True
    to_seller = drain(seller.outbox)
    assert types(to_seller) == ["participant.joined", "published"]
    assert to_seller[0]["participant"]["identity"] == "shopper" and to_seller[1]["feed"]["participant"] == "shopper"
    env.accept("seller-1")  # the same change heard twice (bus and local): seated once
    assert drain(shopper.outbox) == [] and drain(seller.outbox) == []


async def test_a_seller_who_publishes_after_the_accept_is_announced_then(env: Env) -> None:
    shopper = env.session("shopper", Role.MEMBER)
    await shopper.handle(m.Join(room=ROOM, id="j"))
    seller = env.session("seller-1")
    await seller.handle(m.Join(room=ROOM, id="j"))
    env.accept("seller-1")
    assert types(drain(shopper.outbox)) == ["participant.joined"]
    await published(seller)
    assert types(drain(shopper.outbox)) == ["published"]


async def test_the_others_backstage_hear_it_was_answered_elsewhere_and_stay_unseen(env: Env) -> None:
    shopper = env.session("shopper", Role.MEMBER)
    await shopper.handle(m.Join(room=ROOM, id="j"))
    await published(shopper)
    one, two = env.session("seller-1"), env.session("seller-2")
    for s in (one, two):
        await s.handle(m.Join(room=ROOM, id="j"))
        await published(s)
    env.accept("seller-1")
    assert [e["reason"] for e in drain(two.outbox) if e["type"] == "room.closed"] == ["answered_elsewhere"]
    assert [e["participant"]["identity"] for e in drain(one.outbox) if e["type"] == "participant.joined"] == [
        "shopper"]  # seated: told of the shopper, not of the other one backstage
    assert [e["feed"]["participant"] for e in drain(shopper.outbox) if e["type"] == "published"] == ["seller-1"]
    with pytest.raises(Conflict):
        await two.handle(m.Subscribe(feed="shopper", id="s"))
    with pytest.raises(Exception) as err:  # seller-1 cannot subscribe to the unseen one either
        await one.handle(m.Subscribe(feed="seller-2", id="s"))
    assert getattr(err.value, "code", "") == m.ErrorCode.UNKNOWN_FEED
    await two.handle(m.Leave(id="l"))
    assert types(drain(shopper.outbox)) == [] and types(drain(one.outbox)) == []  # it leaves unseen too
    assert [x.identity for x in env.hub.participants(KEY)] == ["shopper", "seller-1"]


async def test_at_most_a_few_wait_backstage_for_one_call(env: Env) -> None:
    for i in range(BACKSTAGE_MAX):
        await env.session(f"seller-{i}").handle(m.Join(room=ROOM, id="j"))
    late = env.session("seller-late")
    with pytest.raises(Conflict) as err:
        await late.handle(m.Join(room=ROOM, id="j"))
    assert err.value.code == m.ErrorCode.BACKSTAGE_FULL and late.room is None
    assert len(env.hub.participants(KEY)) == BACKSTAGE_MAX
    env.accept("seller-0")  # seated: one backstage place frees
    await late.handle(m.Join(room=ROOM, id="j"))
    assert len(env.hub.participants(KEY)) == BACKSTAGE_MAX + 1


async def test_the_same_seller_preparing_in_another_window_puts_the_first_out(env: Env) -> None:
    """One member per identity: the newer socket wins, and the older one is told (its console leaves)."""
    first, second = env.session("seller-1"), env.session("seller-1")
    await first.handle(m.Join(room=ROOM, id="j"))
    await second.handle(m.Join(room=ROOM, id="j"))
    assert [(e["type"], e["reason"]) for e in drain(first.outbox)] == [("room.closed", "replaced")]
    assert first.room is None and [x.session for x in env.hub.participants(KEY)] == [second]
