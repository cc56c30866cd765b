"""The signaling hub's fan-out and bounded outboxes (pure, no sockets)."""

from __future__ import annotations

import json

import pytest

from souk.consult.models import Call, CallState
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.hub import Member, Outbox, SignalHub
from souk.signal.ports import PublisherPort


def _call(state: CallState, merchant: str = "lumen", room: str = "room_1") -> Call:
    return Call(id="call_1", merchant_id=merchant, room_id=room, shopper="s", product_sku="AP-1", language="en",
                state=state, requested_at=1.0)


def _drain(box: Outbox) -> list[dict[str, object]]:
    out = []
    while not box.queue.empty():
        frame = box.queue.get_nowait()
        assert frame is not None
        out.append(json.loads(frame))
    return out


def test_call_events_reach_the_merchants_consoles_and_the_rooms_watchers_only() -> None:
    hub = SignalHub(ring_timeout_s=30)
    console, other_console, watcher, other_room = Outbox(), Outbox(), Outbox(), Outbox()
    hub.watch_console("lumen", console)
    hub.watch_console("acme", other_console)
    hub.watch_room(RoomKey("lumen", "room_1"), watcher)
    hub.watch_room(RoomKey("lumen", "room_2"), other_room)
    hub.call_changed(_call(CallState.RINGING))
    ring = _drain(console)
    assert ring == _drain(watcher)
    assert ring[0]["call"]["state"] == "ringing" and ring[0]["call"]["ring_timeout_s"] == 30  # type: ignore[index]
    assert _drain(other_console) == [] and _drain(other_room) == []
    hub.unwatch(console)
    hub.call_changed(_call(CallState.MISSED))
    assert _drain(console) == [] and _drain(watcher)[0]["call"]["state"] == "missed"  # type: ignore[index]


def test_a_client_that_stops_reading_overflows_and_is_cut_off() -> None:
    box = Outbox(limit=3)
    assert all(box.push(m.Pong(id=str(i))) for i in range(3))
    assert box.push(m.Pong(id="x")) is False and box.overflowed
    assert box.push(m.Pong(id="y")) is False  # stays cut off; the socket loop closes it with 4429


class FakeSession:
    """A member's session as the hub sees it (souk.signal.hub.MemberSession)."""

    def __init__(self, room: RoomKey | None) -> None:
        self.outbox = Outbox()
        self.publisher: PublisherPort | None = None
        self.room = room
        self.released: list[tuple[str, RoomKey | None]] = []
        self.left: list[str] = []

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None:
        self.released.append((feed, room))

    def release_room(self, room: RoomKey) -> None:
        self.released.append(("*", room))

    async def leave(self, reason: str) -> None:
        self.left.append(reason)

    async def leave_stage(self, reason: str) -> None:
        self.left.append("stage:" + reason)


def _join(hub: SignalHub, room: RoomKey, identity: str) -> FakeSession:
    session = FakeSession(room)
    hub.add_member(room, Member(identity=identity, role="host", name=identity, session=session))
    return session


A, B = RoomKey("shop-a", "live-demo"), RoomKey("shop-b", "live-demo")


def test_room_key_needs_both_parts_and_prints_merchant_first() -> None:
    assert str(A) == "shop-a/live-demo" and A != B and len({A, B, RoomKey("shop-a", "live-demo")}) == 2
    with pytest.raises(Exception, match="merchant"):
        RoomKey("", "live-demo")
    with pytest.raises(Exception, match="merchant"):
        RoomKey("shop-a", "")


async def test_two_merchants_with_the_same_room_id_have_two_rooms() -> None:
    hub = SignalHub()
    host_a, viewer_a = _join(hub, A, "host-a"), _join(hub, A, "viewer")
    _drain(host_a.outbox)
    host_b = _join(hub, B, "host-a")  # same room id, same identity, other merchant
    # nobody in A hears B join, and B's join does not replace A's host
    assert _drain(host_a.outbox) == [] and _drain(viewer_a.outbox) == []
    assert {x.identity for x in hub.participants(A)} == {"host-a", "viewer"}
    assert [x.identity for x in hub.participants(B)] == ["host-a"]
    member_a, member_b = hub.member(A, "host-a"), hub.member(B, "host-a")
    assert member_a is not None and member_b is not None and member_a.session is host_a
    assert member_b.session is host_b
    # what B's room does stays in B's room
    hub.broadcast(B, m.Unpublished(participant="x"))
    assert _drain(host_a.outbox) == [] and len(_drain(host_b.outbox)) == 1
    hub.unpublished(B, "host-a")
    assert viewer_a.released == [] and host_a.released == []
    assert not hub.tell(B, "viewer", m.Pong(id="1"))
    await hub.close_room(B, "closed")
    assert host_b.left == ["closed"] and host_a.left == [] and viewer_a.left == []
    assert _drain(host_a.outbox) == [] and _drain(viewer_a.outbox) == []
    # leaving B's room with the same identity leaves A's member alone
    hub.remove_member(B, "host-a", host_b)
    assert B not in hub.rooms and hub.member(A, "host-a") is member_a
    hub.remove_member(B, "host-a", host_a)  # a wrong key never removes A's member
    assert hub.member(A, "host-a") is member_a


def test_call_events_go_to_the_watchers_of_that_merchants_room_only() -> None:
    hub = SignalHub()
    mine, theirs = Outbox(), Outbox()
    hub.watch_room(RoomKey("lumen", "room_1"), mine)
    hub.watch_room(RoomKey("acme", "room_1"), theirs)  # same room id, other merchant
    hub.call_changed(_call(CallState.RINGING, merchant="lumen", room="room_1"))
    assert len(_drain(mine)) == 1 and _drain(theirs) == []


def test_followers_and_unlink_are_per_merchant_room() -> None:
    hub = SignalHub()
    here, there = RoomKey("shop-a", "live-1"), RoomKey("shop-a", "live-2")
    follower = FakeSession(here)
    hub.follow(there, follower)
    hub.unpublished(RoomKey("shop-b", "live-2"), "host")  # another merchant's live-2: not followed
    assert follower.released == []
    hub.unpublished(there, "host")
    assert follower.released == [("host", there)]
    hub.unlink(RoomKey("shop-b", "live-1"), RoomKey("shop-b", "live-2"))
    assert follower.released == [("host", there)]
    hub.unlink(here, there)
    assert follower.released[-1] == ("*", there)
