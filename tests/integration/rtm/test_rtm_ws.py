"""Real picows listener, real sockets: ordering, dedupe, resume, slow consumers, bad frames, auth."""

from __future__ import annotations

import asyncio
import socket

import msgspec
import pytest
from picows import WSMsgType

from souk.core.errors import SoukError
from souk.rtm.client import RtmClient
from souk.rtm.config import RtmConfig
from tests.integration.rtm.rtm_nodes import ws_url

FAST = RtmConfig(tick_s=0.01, user_rate_per_s=1000, user_burst=1000, channel_rate_per_s=10_000,
                 channel_burst=10_000)


def token(tokens, who: str, role: str = "member", room: str = "live1") -> str:  # type: ignore[no-untyped-def]
    return tokens.mint(merchant_id="shop", identity=who, room=room, role=role)


async def client(node, tokens, who: str, role: str = "member", join: bool = True) -> RtmClient:  # type: ignore[no-untyped-def]
    c = await RtmClient(ws_url(node), token(tokens, who, role)).connect()
    if join:
        await c.join("live1")
    return c


async def test_concurrent_publishers_everyone_sees_one_order(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(FAST)
    pubs = [await client(node, tokens, f"p{i}") for i in range(3)]
    viewers = [await client(node, tokens, f"v{i}", "audience") for i in range(3)]

    async def burst(c: RtmClient) -> list[int]:
        return [(await c.publish("live1", {"text": f"{c.token[-4:]} {n}"}))["seq"] for n in range(30)]

    acks = await asyncio.gather(*(burst(p) for p in pubs))
    assert sorted(s for a in acks for s in a) == list(range(1, 91))
    assert all(a == sorted(a) for a in acks)  # one sender's messages keep their order
    for v in viewers + pubs:
        await v.until(lambda v=v: len(v.messages.get("live1", [])) == 90)
        assert [m["seq"] for m in v.messages["live1"]] == list(range(1, 91))
        assert v.duplicates == 0
    for c in viewers + pubs:
        await c.close()


async def test_resend_is_deduped_by_client_message_id(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(FAST)
    a, b = await client(node, tokens, "a"), await client(node, tokens, "b")
    first = await a.publish("live1", "once", id="same-id")
    again = await a.publish("live1", "once", id="same-id")
    assert (first["dup"], again["dup"], again["seq"]) == (False, True, first["seq"])
    await b.publish("live1", "after")
    await b.until(lambda: len(b.messages.get("live1", [])) == 2)
    assert [m["b"] for m in b.messages["live1"]] == ["once", "after"]
    await a.close()
    await b.close()


async def test_resume_after_disconnect_misses_nothing(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(FAST)
    talker = await client(node, tokens, "talker")
    flaky = await client(node, tokens, "flaky")
    for i in range(5):
        await talker.publish("live1", i)
    await flaky.until(lambda: len(flaky.messages.get("live1", [])) == 5)
    await flaky.close()
    for i in range(5, 12):
        await talker.publish("live1", i)
    await flaky.reconnect()
    await flaky.until(lambda: len(flaky.messages["live1"]) == 12)
    assert [m["b"] for m in flaky.messages["live1"]] == list(range(12)) and flaky.duplicates == 0
    await talker.close()
    await flaky.close()


async def test_history_on_join(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(RtmConfig(tick_s=0.01, history_on_join=3, user_burst=20))
    talker = await client(node, tokens, "talker")
    for i in range(6):
        await talker.publish("live1", i)
    late = await client(node, tokens, "late")
    await late.until(lambda: len(late.messages.get("live1", [])) == 3)
    assert [m["b"] for m in late.messages["live1"]] == [3, 4, 5]
    await talker.close()
    await late.close()


async def test_slow_consumer_is_cut_off_with_a_resume_point(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(RtmConfig(tick_s=0.01, queue_limit=200, high_water=64 * 1024,
                                        user_rate_per_s=10_000, user_burst=10_000, channel_rate_per_s=10_000,
                                        channel_burst=10_000, max_message_bytes=4096))
    talker = await client(node, tokens, "talker")
    fast = await client(node, tokens, "fast")

    def small_window(_url: object) -> socket.socket:  # keep the kernel from hiding the backlog
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        return s

    stuck = RtmClient(ws_url(node), token(tokens, "stuck"), socket_factory=small_window)
    await stuck.connect()
    await stuck.join("live1")
    assert stuck.transport is not None
    stuck.transport.underlying_transport.pause_reading()  # a client that stops reading
    body = "x" * 3000
    total = 2500  # ~7.5 MB: more than the kernel's socket buffers can hide
    for i in range(total):  # pipelined, within the session's bounded inbox
        talker.send({"t": "pub", "ch": "live1", "k": "chat", "b": {"i": i, "pad": body}, "id": f"m{i}"})
        if i % 50 == 49:
            await talker.wait_for(lambda f, i=i: f.get("id") == f"m{i}")
    await fast.until(lambda: len(fast.messages.get("live1", [])) == total, timeout=20)
    assert node.hub.stats["slow_disconnects"] == 1
    stuck.transport.underlying_transport.resume_reading()
    await stuck.until(lambda: stuck.close_code is not None, timeout=10)
    assert stuck.close_code == 4503
    reason = msgspec.json.decode(stuck.close_reason)
    assert reason["code"] == "slow_consumer" and reason["resume"] == stuck.last_seq["live1"] < total
    await stuck.reconnect()
    await stuck.until(lambda: len(stuck.messages["live1"]) == total, timeout=10)
    assert [m["b"]["i"] for m in stuck.messages["live1"]] == list(range(total))
    assert stuck.duplicates == 0
    for c in (talker, fast, stuck):
        await c.close()


async def test_bad_frames_get_clear_errors_and_keep_the_connection(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(RtmConfig(tick_s=0.01, max_frame_bytes=2048, max_message_bytes=512))
    c = await client(node, tokens, "c")
    cases = [b"not json", b'{"t":"pub","ch":"live1","k":"yell","id":"x1"}',
             b'{"t":"ping","id":"' + b"z" * 3000 + b'"}',
             msgspec.json.encode({"t": "pub", "ch": "live1", "k": "chat", "b": "y" * 600, "id": "big"}),
             msgspec.json.encode({"t": "pub", "ch": "other", "k": "chat", "b": "hi", "id": "nj"})]
    for raw in cases:
        c.send(raw)
    await c.until(lambda: sum(f["t"] == "err" for f in c.frames) == 5)
    codes = [f["code"] for f in c.frames if f["t"] == "err"]
    assert codes == ["malformed_frame", "bad_frame", "frame_too_large", "message_too_large", "not_joined"]
    assert (await c.request({"t": "ping"}))["t"] == "pong"  # still connected
    for _ in range(10):
        c.send(b"\x00garbage")
    await c.until(lambda: c.close_code is not None)
    assert c.close_code == 4400


async def test_huge_frame_closes_with_1009(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(RtmConfig(max_frame_bytes=1024))
    c = await client(node, tokens, "c", join=False)
    assert c.transport is not None
    c.transport.send(WSMsgType.TEXT, b"x" * 200_000)
    await asyncio.wait_for(c._disconnected.wait(), 5)
    assert c.close_code == 1009


async def test_moderation_over_the_wire(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(FAST)
    host = await client(node, tokens, "host", "host")
    troll = await client(node, tokens, "troll")
    ack = await troll.publish("live1", "<script>alert(1)</script>")
    await host.request({"t": "mod", "ch": "live1", "a": "delete", "seq": ack["seq"]})
    await host.request({"t": "mod", "ch": "live1", "a": "mute", "user": "troll", "dur": 60})
    with pytest.raises(SoukError) as e:
        await troll.publish("live1", "again")
    assert e.value.code == "muted"
    with pytest.raises(SoukError) as e2:
        await troll.request({"t": "mod", "ch": "live1", "a": "ban", "user": "host"})
    assert e2.value.code == "privilege_missing"
    await host.request({"t": "mod", "ch": "live1", "a": "ban", "user": "troll"})
    await troll.until(lambda: troll.close_code is not None)
    assert troll.close_code == 4403
    again = RtmClient(ws_url(node), token(tokens, "troll"))
    await again.connect()
    with pytest.raises(SoukError) as e3:
        await again.join("live1")
    assert e3.value.code == "banned"
    await host.until(lambda: len(host.messages.get("live1", [])) == 4)
    actions = [m["b"].get("action") for m in host.messages["live1"] if m["k"] == "system"]
    assert actions == ["delete", "mute", "ban"]
    await again.close()
    await host.close()


async def test_presence_who(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory(FAST)
    a = await client(node, tokens, "a")
    b = await client(node, tokens, "b", "audience")
    p = await a.request({"t": "who", "ch": "live1"})
    assert p["count"] == 2 and sorted(m["id"] for m in p["members"]) == ["a", "b"]
    await b.close()

    async def gone() -> None:
        while (await a.request({"t": "who", "ch": "live1"}))["count"] != 1:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(gone(), 5)
    await a.close()


async def test_bad_token_is_refused_with_a_close_code(node_factory, tokens) -> None:  # type: ignore[no-untyped-def]
    node = await node_factory()
    refused = RtmClient(ws_url(node), "not-a-token")
    with pytest.raises(SoukError) as bad:
        await refused.connect()
    assert bad.value.code == "token_invalid"
    await refused._disconnected.wait()
    assert refused.close_code == 4401
    c = await client(node, tokens, "c", join=False)
    with pytest.raises(SoukError) as e:
        await c.join("someone-elses-room")
    assert e.value.code == "wrong_room"
    await c.close()
