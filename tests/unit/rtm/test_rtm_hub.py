"""Fan-out: encode once, per-tick batches, join/resume without gaps, the slow-consumer policy, presence."""

from __future__ import annotations

import msgspec

from souk.rtm.broker import Draft
from souk.rtm.envelope import Kind
from tests.unit.rtm.rtm_fakes import FakeConn, Rig

KEY = "m1/r1"


async def publish(rig: Rig, n: int, who: str = "host1") -> None:
    for i in range(n):
        await rig.broker.publish(Draft(key=KEY, ch="r1", id="", kind=Kind.CHAT, body=f"m{i}", sender=who, ts=1.0))


async def joined(rig: Rig, name: str, since: int | None = None, history: int = 50) -> tuple[FakeConn, object]:
    conn = FakeConn()
    info = msgspec.json.encode({"id": name})
    member = await rig.hub.join(conn, KEY, "r1", name, info, since=since, history=history)
    return conn, member


async def test_one_frame_per_tick_shared_by_every_member(rig: Rig) -> None:
    a, _ = await joined(rig, "a")
    b, _ = await joined(rig, "b")
    await publish(rig, 3)
    await rig.hub.tick()
    assert len(a.frames) == len(b.frames) == 1
    assert a.frames[0] is b.frames[0]  # encoded once, the same bytes object for everyone
    assert a.seqs() == [1, 2, 3]
    await rig.hub.tick()
    assert len(a.frames) == 1  # nothing new, nothing sent


async def test_history_on_join_then_live_without_gap_or_duplicate(rig: Rig) -> None:
    await publish(rig, 5)
    await rig.hub.tick()
    late, _ = await joined(rig, "late", history=3)
    assert msgspec.json.decode(late.frames[0])["hist"] is True
    await publish(rig, 2)
    await rig.hub.tick()
    assert late.seqs() == [3, 4, 5, 6, 7]


async def test_resume_since_delivers_exactly_what_was_missed(rig: Rig) -> None:
    await publish(rig, 10)
    back, _ = await joined(rig, "back", since=4)
    await publish(rig, 1)
    await rig.hub.tick()
    assert back.seqs() == list(range(5, 12))


async def test_slow_consumer_coalesces_drops_ephemeral_then_disconnects(rig: Rig) -> None:
    fast, _ = await joined(rig, "fast")
    slow, slow_member = await joined(rig, "slow")
    slow.backlog = 5000  # above high water: the socket is not draining
    for _ in range(4):
        await publish(rig, 1)
        rig.hub.add_ephemeral(KEY, "like", 1)
        await rig.hub.tick()
    assert len(fast.frames) == 4 and fast.seqs() == [1, 2, 3, 4]  # the channel never waits for the slow one
    assert slow.frames == []
    slow.backlog = 0  # drains: everything arrives as ONE coalesced frame, stale likes dropped
    await rig.hub.tick()
    assert len(slow.frames) == 1 and slow.seqs() == [1, 2, 3, 4]
    assert "agg" not in msgspec.json.decode(slow.frames[0])
    slow.backlog = 5000
    for _ in range(7):  # queue_limit is 20 messages
        await publish(rig, 3)
        await rig.hub.tick()
    assert slow.closed and slow.closed_with is not None
    assert slow.closed_with.code == "slow_consumer" and slow.closed_with.details["resume"] == 4
    assert fast.seqs() == list(range(1, 26)) and not fast.closed
    assert slow_member not in rig.hub.members(KEY)
    assert rig.hub.stats["slow_disconnects"] == 1


async def test_likes_are_aggregated_per_tick(rig: Rig) -> None:
    viewer, _ = await joined(rig, "viewer")
    for i in range(5):
        await rig.service.publish(rig.claims(f"fan{i}"), "r1", Kind.LIKE, None, n=3 if i == 0 else 1)
    await rig.hub.tick()
    assert [msgspec.json.decode(f).get("agg") for f in viewer.frames] == [{"like": 7}]
    assert await rig.broker.history(KEY, since=0, limit=10) == []


async def test_presence_counts_and_expiry_on_a_fake_clock(rig: Rig) -> None:
    a, _ = await joined(rig, "a")
    await joined(rig, "b")
    await joined(rig, "b")  # a second tab of the same identity counts once
    await rig.hub.refresh_presence()
    await rig.hub.tick()
    assert msgspec.json.decode(a.frames[-1])["agg"] == {"online": 2}
    # another node's member that stops heartbeating drops out after the TTL
    await rig.broker.heartbeat(KEY, {"ghost|n2": msgspec.json.encode({"id": "ghost"})}, ttl_s=15)
    await rig.hub.refresh_presence()
    await rig.hub.tick()
    assert msgspec.json.decode(a.frames[-1])["agg"] == {"online": 3}
    await rig.clock.advance(16)
    await rig.hub.refresh_presence()
    await rig.hub.tick()
    assert msgspec.json.decode(a.frames[-1])["agg"] == {"online": 2}


async def test_leave_removes_presence_and_unsubscribes(rig: Rig) -> None:
    _, member = await joined(rig, "solo")
    assert len(await rig.broker.presence(KEY)) == 1
    await rig.hub.leave(member)  # type: ignore[arg-type]
    assert await rig.broker.presence(KEY) == []
    assert rig.hub.members(KEY) == []


async def test_reactions_from_outside_the_channel_leave_nothing_behind(rig: Rig) -> None:
    rig.hub.add_ephemeral("m1/quiet", "like", 2)  # e.g. a REST like from a server, no local members
    await rig.hub.tick()
    assert rig.hub._channels == {}
    _, member = await joined(rig, "solo")
    rig.hub.add_ephemeral(KEY, "like", 1)
    await rig.hub.leave(member)  # type: ignore[arg-type]
    await rig.hub.tick()
    assert rig.hub._channels == {} and KEY not in rig.broker._subscribed


async def test_resume_from_a_sequence_the_channel_never_reached(rig: Rig) -> None:
    await publish(rig, 2)
    ahead, _ = await joined(rig, "ahead", since=50)
    await publish(rig, 1)
    await rig.hub.tick()
    assert ahead.seqs() == [3]
