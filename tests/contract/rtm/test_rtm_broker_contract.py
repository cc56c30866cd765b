"""The broker contract: every backend must pass every test here."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from souk.core.clock import ManualClock
from souk.rtm.broker import Broker, Draft
from souk.rtm.envelope import Kind, decode_message
from tests.contract.rtm.rtm_sink import RecordingSink

KEY = "m1/room1"


def draft(n: int, *, sender: str = "alice", cid: str | None = None, key: str = KEY) -> Draft:
    return Draft(key=key, ch=key.split("/")[1], id=f"c{n}" if cid is None else cid, kind=Kind.CHAT,
                 body={"text": f"hello {n}"}, sender=sender, ts=1.0 + n)


async def started(factory, sink: RecordingSink | None = None, key: str = KEY) -> Broker:  # type: ignore[no-untyped-def]
    b = factory()
    b.attach(sink or RecordingSink())
    await b.start()
    await b.subscribe(key)
    return b


async def eventually(cond, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async def _loop() -> None:
        while not cond():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(_loop(), timeout)


async def test_sequences_are_contiguous_and_delivered_in_order(make_broker) -> None:  # type: ignore[no-untyped-def]
    sink = RecordingSink()
    b = await started(make_broker, sink)
    accepted = await asyncio.gather(*(b.publish(draft(i)) for i in range(50)))
    assert sorted(a.seq for a in accepted) == list(range(1, 51))
    await eventually(lambda: len(sink.seqs(KEY)) == 50)
    assert sink.seqs(KEY) == list(range(1, 51))
    for seq, raw in sink.messages[KEY]:
        m = decode_message(raw)
        assert m.seq == seq and m.ch == "room1" and m.k is Kind.CHAT and m.v == 1
    assert await b.last_seq(KEY) == 50


async def test_stored_before_publish_returns(make_broker) -> None:  # type: ignore[no-untyped-def]
    b = await started(make_broker)
    acc = await b.publish(draft(1))
    hist = await b.history(KEY, since=0, limit=10)
    assert [s for s, _ in hist] == [acc.seq]


async def test_dedupe_by_sender_and_client_id(make_broker) -> None:  # type: ignore[no-untyped-def]
    sink = RecordingSink()
    b = await started(make_broker, sink)
    first = await b.publish(draft(1, cid="same"))
    again = await b.publish(draft(1, cid="same"))
    other_sender = await b.publish(draft(1, cid="same", sender="bob"))
    no_id = [await b.publish(draft(1, cid="")) for _ in range(2)]
    assert not first.duplicate and again.duplicate and again.seq == first.seq
    assert not other_sender.duplicate and other_sender.seq == first.seq + 1
    assert [a.seq for a in no_id] == [first.seq + 2, first.seq + 3]
    await eventually(lambda: len(sink.seqs(KEY)) == 4)
    await asyncio.sleep(0.05)
    assert sink.seqs(KEY) == [1, 2, 3, 4]


async def test_history_last_n_since_and_delete(make_broker) -> None:  # type: ignore[no-untyped-def]
    b = await started(make_broker)
    for i in range(20):
        await b.publish(draft(i))
    assert [s for s, _ in await b.history(KEY, since=None, limit=5)] == [16, 17, 18, 19, 20]
    assert [s for s, _ in await b.history(KEY, since=17, limit=100)] == [18, 19, 20]
    assert [s for s, _ in await b.history(KEY, since=0, limit=3)] == [1, 2, 3]
    assert await b.history(KEY, since=20, limit=10) == []
    assert await b.delete(KEY, 19)
    assert [s for s, _ in await b.history(KEY, since=17, limit=100)] == [18, 20]
    assert await b.history("m1/empty", since=None, limit=10) == []


async def test_channels_and_merchants_are_separate(make_broker) -> None:  # type: ignore[no-untyped-def]
    sink = RecordingSink()
    b = await started(make_broker, sink)
    await b.publish(draft(1, key="m2/room1"))
    await b.publish(draft(2))
    await eventually(lambda: sink.seqs(KEY) == [1])
    assert "m2/room1" not in sink.messages  # not subscribed
    assert [s for s, _ in await b.history("m2/room1", since=0, limit=10)] == [1]


async def test_ephemeral_is_delivered_not_stored(make_broker) -> None:  # type: ignore[no-untyped-def]
    sink = RecordingSink()
    b = await started(make_broker, sink)
    await b.publish_ephemeral(KEY, {"like": 57})
    await eventually(lambda: sink.ephemeral.get(KEY) == [{"like": 57}])
    assert await b.history(KEY, since=0, limit=10) == []
    assert await b.last_seq(KEY) == 0


async def test_unsubscribe_stops_delivery(make_broker) -> None:  # type: ignore[no-untyped-def]
    sink = RecordingSink()
    b = await started(make_broker, sink)
    await b.publish(draft(1))
    await eventually(lambda: sink.seqs(KEY) == [1])
    await b.unsubscribe(KEY)
    await b.publish(draft(2))
    await asyncio.sleep(0.1)
    assert sink.seqs(KEY) == [1]


async def test_presence_expires_without_heartbeats(make_broker, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    b = await started(make_broker)
    info = {"alice|n1": msgspec.json.encode({"id": "alice"}), "bob|n1": msgspec.json.encode({"id": "bob"})}
    await b.heartbeat(KEY, info, ttl_s=15)
    assert sorted(await b.presence(KEY)) == sorted(info.values())
    await clock.advance(10)
    await b.heartbeat(KEY, {"bob|n1": info["bob|n1"]}, ttl_s=15)
    await clock.advance(6)
    assert await b.presence(KEY) == [info["bob|n1"]]
    await b.leave(KEY, "bob|n1")
    assert await b.presence(KEY) == []


async def test_moderation_state(make_broker, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    b = await started(make_broker)
    now = clock.wall()
    await b.set_member_rule(KEY, "muted", "alice", now + 60)
    await b.set_member_rule(KEY, "banned", "mallory", 0.0)
    await b.set_slow_mode(KEY, 5.0)
    await b.set_keywords(KEY, ["Scam", "fake"])
    p = await b.policy(KEY, "m1")
    assert p.muted_until("alice", now) == now + 60 and p.muted_until("alice", now + 61) is None
    assert p.banned_until("mallory", now + 10**6) == 0.0 and p.banned_until("alice", now) is None
    assert p.slow_s == 5.0 and p.keywords == ("scam", "fake")
    assert (await b.policy(KEY + "-other", "m1")).keywords == ()  # another room of the same merchant
    await b.set_member_rule(KEY, "muted", "alice", None)
    assert (await b.policy(KEY, "m1")).muted_until("alice", now) is None


async def test_two_nodes_see_one_sequence(make_broker) -> None:  # type: ignore[no-untyped-def]
    sink_a, sink_b = RecordingSink(), RecordingSink()
    a = await started(make_broker, sink_a)
    b = await started(make_broker, sink_b)
    await asyncio.gather(*(x.publish(draft(i, sender=f"{name}{i}"))
                           for i in range(30) for name, x in (("a", a), ("b", b))))
    await eventually(lambda: len(sink_a.seqs(KEY)) == 60 and len(sink_b.seqs(KEY)) == 60)
    assert sink_a.seqs(KEY) == sink_b.seqs(KEY) == list(range(1, 61))
    assert sink_a.messages[KEY] == sink_b.messages[KEY]


async def test_missed_announcements_are_filled_from_the_log(make_broker) -> None:  # type: ignore[no-untyped-def]
    if make_broker.kind != "redis":
        pytest.skip("only a shared backend can miss announcements")
    sink = RecordingSink()
    a = await started(make_broker, sink)
    b = await started(make_broker)
    await a.publish(draft(0))
    await eventually(lambda: sink.seqs(KEY) == [1])
    await a._pubsub.unsubscribe(a._chan(KEY))  # simulate a dropped pub/sub link
    for i in range(1, 6):
        await b.publish(draft(i))
    await eventually(lambda: sink.seqs(KEY) == [1, 2, 3, 4, 5, 6])
