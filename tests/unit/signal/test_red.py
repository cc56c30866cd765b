"""Which feeds carry RFC 2198 RED and which subscriptions receive it (souk.signal.red): consult rooms only, not
while the node runs the AI attendant (aiortc reads consult feeds), a feed only when its offer is in the SDK's
RED shape, a subscription exactly when its feed is RED, and never a switch between a RED and a plain feed.
Pure: the session over fakes of the media plane."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.auth.tokens import Role
from souk.consult.roster import HubRoster
from souk.core.errors import Conflict
from souk.core.tenancy import RoomKey
from souk.signal import messages as m
from souk.signal.hub import Member
from souk.signal.red import red_offer, room_red
from souk.signal.session import SignalSession
from tests.unit.signal.test_backstage import ROOM, A, drain, types
from tests.unit.signal.test_seat import SDP, SeatEnv, settle

AUDIO = ("m=audio 9 UDP/TLS/RTP/SAVPF 63 111 9\r\na=mid:0\r\na=rtpmap:63 opus/48000/2\r\n"
         "a=fmtp:63 minptime=10;useinbandfec=1\r\na=rtpmap:111 red/48000/2\r\na=fmtp:111 63/63\r\n"
         "a=rtpmap:9 G722/8000\r\n")
RED_OFFER = "v=0\r\n" + AUDIO + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
# Chromium's own offer (RED on 63 over Opus 111): the SDK did not renumber it (publish({ red: false }))
PLAIN_OFFER = RED_OFFER.replace("SAVPF 63 111 9", "SAVPF 111 63 9").replace("rtpmap:63 opus", "rtpmap:111 opus") \
    .replace("fmtp:63 minptime", "fmtp:111 minptime").replace("rtpmap:111 red", "rtpmap:63 red") \
    .replace("a=fmtp:111 63/63", "a=fmtp:63 111/111")


def test_the_offer_shape_and_the_room_policy() -> None:
    assert red_offer(RED_OFFER)
    assert red_offer(RED_OFFER.replace("\r\n", "\n"))
    assert not red_offer(PLAIN_OFFER)
    assert not red_offer(RED_OFFER.replace("a=fmtp:111 63/63", "a=fmtp:111 9/9"))  # RED of G.722
    assert not red_offer(RED_OFFER.replace("a=fmtp:111 63/63", "a=fmtp:111 63/9"))
    assert not red_offer(RED_OFFER.replace("a=fmtp:111 63/63\r\n", ""))
    assert not red_offer("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:111 red/48000/2\r\n")
    # RED in the video section does not count
    assert not red_offer("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 63\r\na=rtpmap:63 opus/48000/2\r\n"
                         "m=video 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 red/48000/2\r\na=fmtp:111 63/63\r\n")
    assert room_red("consult")
    for kind in ("live", "group", "voice", None):
        assert not room_red(kind)


@pytest.fixture
def env(tmp_path: Path) -> SeatEnv:
    return SeatEnv(tmp_path)


async def join_and_publish(env: SeatEnv, identity: str, role: Role, sdp: str) -> tuple[SignalSession, m.Joined,
                                                                                         m.SdpAnswer]:
    s = env.session(identity, role)
    joined = await s.handle(m.Join(room=ROOM, id="j"))
    assert isinstance(joined, m.Joined)
    answer = await s.handle(m.Publish(sdp=sdp, id="p"))
    assert isinstance(answer, m.SdpAnswer) and s.publisher is not None
    s._announce_feed(s.publisher)
    return s, joined, answer


async def test_a_consult_room_publishes_red_and_its_subscribers_receive_it(env: SeatEnv) -> None:
    shopper, joined, answer = await join_and_publish(env, "shopper", Role.MEMBER, RED_OFFER)
    assert joined.red and answer.red
    assert env.hub.member(shopper.room, "shopper").red  # type: ignore[arg-type,union-attr]
    env.accept("seller-1")
    seller, joined, answer = await join_and_publish(env, "seller-1", Role.AGENT, PLAIN_OFFER)
    assert joined.red and not answer.red  # a browser that sent no RED shape publishes plain Opus
    offer = await seller.handle(m.Subscribe(feed="shopper", id="s"))
    assert isinstance(offer, m.SdpOffer) and offer.red
    offer = await shopper.handle(m.Subscribe(feed="seller-1", id="s"))
    assert isinstance(offer, m.SdpOffer) and not offer.red
    assert b'"red":true' in m.encode(m.SdpOffer(sub="x", feed="y", sdp="v=0", red=True))


async def test_no_red_outside_consults(env: SeatEnv) -> None:
    env.rooms.open[RoomKey(A, ROOM)] = "conference"
    shopper, joined, answer = await join_and_publish(env, "shopper", Role.MEMBER, RED_OFFER)
    assert not joined.red and not answer.red
    assert not env.hub.member(shopper.room, "shopper").red  # type: ignore[arg-type,union-attr]
    warm = await shopper.handle(m.Warm(id="w"))
    assert isinstance(warm, m.SdpOffer) and warm.warm and not warm.red


def test_the_attendant_asks_the_hub_whether_the_shopper_publishes_red(env: SeatEnv) -> None:
    roster = HubRoster(env.hub)
    assert not roster.red(RoomKey(A, ROOM), "shopper")  # not there
    member = Member(identity="shopper", role="member", name="", session=env.session("shopper", Role.MEMBER))
    env.hub.add_member(RoomKey(A, ROOM), member)
    assert not roster.red(RoomKey(A, ROOM), "shopper")
    member.red = True
    assert roster.red(RoomKey(A, ROOM), "shopper")


async def test_a_switch_between_a_red_and_a_plain_feed_is_refused(env: SeatEnv) -> None:
    shopper, _, _ = await join_and_publish(env, "shopper", Role.MEMBER, RED_OFFER)
    warm = await shopper.handle(m.Warm(id="w"))
    assert isinstance(warm, m.SdpOffer) and warm.red  # answered as her own feed is: RED
    await shopper.handle(m.Answer(sub=warm.sub, sdp=SDP, id="a"))
    seller, _, _ = await join_and_publish(env, "seller-1", Role.AGENT, PLAIN_OFFER)  # backstage, plain Opus
    swarm = await seller.handle(m.Warm(id="w"))
    assert isinstance(swarm, m.SdpOffer) and not swarm.red  # held on his own plain feed
    await seller.handle(m.Answer(sub=swarm.sub, sdp=SDP, id="a"))
    drain(shopper.outbox), drain(seller.outbox)
    env.accept("seller-1")
    await settle()
    # neither warm subscription fits the other side's feed: both are left to the client
    assert "switched" not in types(drain(seller.outbox))
    assert "switched" not in types(drain(shopper.outbox)) and shopper.subs[warm.sub].warm
    with pytest.raises(Conflict) as err:
        await shopper.handle(m.Switch(sub=warm.sub, feed="seller-1", id="s"))
    assert err.value.code == "switch_incompatible"
    offer = await shopper.handle(m.Subscribe(feed="seller-1", id="s2"))  # what the SDK does then
    assert isinstance(offer, m.SdpOffer) and not offer.red
