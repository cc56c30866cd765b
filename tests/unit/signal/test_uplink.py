"""A publisher's reported round trip (``uplink``): kept on its member, told to the room as ``feed.link`` only
when it moved by a step and only once the feed is up, carried in the feed's ``rtt_ms`` for whoever joins
later; refused when not publishing or out of range. Pure: the session over the fakes of test_group."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.core.errors import Conflict
from souk.signal import messages as m
from souk.signal.session import SignalSession
from tests.unit.signal.test_group import KEY, ROOM, Env, drain

SDP = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def links(s: SignalSession) -> list[int]:
    return [e["rtt_ms"] for e in drain(s.outbox) if e["type"] == "feed.link"]


async def test_the_room_hears_a_publishers_round_trip_when_it_moves_a_step(env: Env) -> None:
    ann, bob = await env.joined("ann"), await env.joined("bob")
    with pytest.raises(Conflict) as info:
        await bob.handle(m.Uplink(rtt_ms=150, id="u"))
    assert info.value.code == m.ErrorCode.NOT_PUBLISHING
    await bob.handle(m.Publish(sdp=SDP, id="p"))
    member = env.hub.member(KEY, "bob")
    assert member is not None
    member.feed_id = None  # its PeerConnection is not up yet: kept, not told
    assert isinstance(await bob.handle(m.Uplink(rtt_ms=150, id="u")), m.Ack)
    assert links(ann) == [] and member.rtt_ms == 150
    member.feed_id = 7
    for rtt in (160, 200, 215, 100, 300):  # 20 ms and 20 % steps from what the room last heard
        await bob.handle(m.Uplink(rtt_ms=rtt))
    assert links(ann) == [200, 100, 300]
    assert links(bob) == []  # not to itself
    joined = await env.session("cara").handle(m.Join(room=ROOM, id="j"))  # a later joiner reads it in the feed
    assert isinstance(joined, m.Joined) and [(f.participant, f.rtt_ms) for f in joined.feeds] == [("bob", 300)]


def test_an_uplink_report_out_of_range_is_malformed() -> None:
    for raw in ('{"type":"uplink","rtt_ms":-1}', '{"type":"uplink","rtt_ms":60001}', '{"type":"uplink"}'):
        with pytest.raises(m.DecodeFailure) as info:
            m.decode_client(raw)
        assert info.value.code == m.ErrorCode.MALFORMED
    assert m.decode_client('{"type":"uplink","rtt_ms":312,"id":"4"}') == m.Uplink(rtt_ms=312, id="4")
