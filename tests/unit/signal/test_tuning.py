"""The weak-link messages of a signaling session (souk.signal.tuning), over fakes of the media handles:
``restart`` of the publisher hands the browser's offer to Janus and returns its answer, of a subscription asks
Janus for a new offer under the same ids; ``receive`` stops/resumes video; what is refused and how."""

from __future__ import annotations

import pytest

from souk.core.errors import BadRequest, Conflict, NotFound, SoukError
from souk.core.tenancy import RoomKey
from souk.media.errors import InvalidSdp
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.signal.handles import Subscription
from souk.signal.tuning import tune

OFFER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ice-ufrag:new1\r\n"


class FakeReceiver:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.offer = Jsep("offer", "v=0\r\n")

    async def restart_ice(self) -> Jsep:
        self.calls.append(("restart", None))
        return Jsep("offer", "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:janus2\r\n")

    async def relay_video(self, on: bool) -> None:
        self.calls.append(("video", on))

    async def configure_layer(self, substream: int, temporal: int | None = None) -> None:
        self.calls.append(("layer", (substream, temporal)))


class FakePublisher:
    def __init__(self, refuse: SoukError | None = None) -> None:
        self.offers: list[str] = []
        self.refuse = refuse

    async def restart_ice(self, offer: Jsep) -> Jsep:
        if self.refuse is not None:
            raise self.refuse
        self.offers.append(offer.sdp)
        return Jsep("answer", "v=0\r\na=ice-ufrag:janus3\r\n")


def subs(handle: FakeReceiver) -> object:
    sub = Subscription(id="sub_1", feed="seller-1", handle=handle, room=RoomKey("shop-a", "r"))  # type: ignore[arg-type]

    def find(sub_id: str) -> Subscription:
        if sub_id != sub.id:
            raise NotFound("no such subscription", code=m.ErrorCode.UNKNOWN_SUBSCRIPTION)
        return sub
    return find


async def test_a_subscription_restarts_under_the_same_ids() -> None:
    h = FakeReceiver()
    reply = await tune(m.Restart(target="sub_1", id="9"), None, subs(h), "shopper-1")  # type: ignore[arg-type]
    assert isinstance(reply, m.SdpOffer)
    assert (reply.id, reply.sub, reply.feed) == ("9", "sub_1", "seller-1") and "janus2" in reply.sdp
    assert h.calls == [("restart", None)]


async def test_the_publisher_restarts_with_the_browsers_offer() -> None:
    pub = FakePublisher()
    reply = await tune(m.Restart(target="pub", sdp=OFFER, id="3"), pub, subs(FakeReceiver()), "x")  # type: ignore[arg-type]
    assert isinstance(reply, m.SdpAnswer) and reply.id == "3" and "janus3" in reply.sdp
    assert pub.offers == [OFFER]


async def test_refusals() -> None:
    find = subs(FakeReceiver())
    with pytest.raises(Conflict) as e1:
        await tune(m.Restart(target="pub", sdp=OFFER), None, find, "x")  # type: ignore[arg-type]
    assert e1.value.code == "not_publishing"
    with pytest.raises(BadRequest) as e2:
        await tune(m.Restart(target="pub", sdp="hello"), FakePublisher(), find, "x")  # type: ignore[arg-type]
    assert e2.value.code == "bad_sdp"
    with pytest.raises(BadRequest) as e3:  # Janus offers on a subscription: an SDP from the client is wrong
        await tune(m.Restart(target="sub_1", sdp=OFFER), None, find, "x")  # type: ignore[arg-type]
    assert e3.value.code == "bad_sdp"
    with pytest.raises(NotFound) as e4:
        await tune(m.Restart(target="sub_9"), None, find, "x")  # type: ignore[arg-type]
    assert e4.value.code == "unknown_subscription"
    with pytest.raises(BadRequest) as e5:  # Janus refusing the SDP is the client's bad_sdp
        await tune(m.Restart(target="pub", sdp=OFFER), FakePublisher(InvalidSdp("no")), find, "x")  # type: ignore[arg-type]
    assert e5.value.code == "bad_sdp"


async def test_receive_and_layer_reach_the_subscription() -> None:
    h = FakeReceiver()
    find = subs(h)
    assert isinstance(await tune(m.Receive(sub="sub_1", video=False, id="1"), None, find, "x"), m.Ack)  # type: ignore[arg-type]
    await tune(m.Receive(sub="sub_1", video=True), None, find, "x")  # type: ignore[arg-type]
    await tune(m.Layer(sub="sub_1", substream=0), None, find, "x")  # type: ignore[arg-type]
    assert h.calls == [("video", False), ("video", True), ("layer", (0, None))]


def test_the_messages_decode_from_the_wire() -> None:
    assert m.decode_client(b'{"type":"restart","target":"pub","sdp":"v=0","id":"1"}') == \
        m.Restart(target="pub", sdp="v=0", id="1")
    assert m.decode_client(b'{"type":"receive","sub":"s","video":false}') == m.Receive(sub="s", video=False)
