"""The attack of issue 10 on a real Janus: merchant B uses merchant A's room id (``live-demo``) and A's
identities over the signaling socket and REST, and reaches nothing of A's.

A (``lumen``, the demo seed) runs a live show in ``live-demo``: its host publishes, its moderator and a viewer
are in the room. B (``acme``, made here through the storage seed like any other store) creates its own
``live-demo`` and joins it with the identity ``host-a``. Checked: B sees none of A's participants and A hears
nothing of B; B cannot subscribe to A's host; B's publishing reaches only B's Janus room; B's ``host-a`` does
not evict A's; B closing its ``live-demo`` (and trying A's other room) leaves A's room and media alone; B
cannot ring, watch or join A's consult call; B's show and PK never touch A's show.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient, SignalError
from souk.core.tenancy import RoomKey
from souk.data import demo_store_json
from souk.media.roomids import janus_room_id
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.storage import seed_demo
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, media_souk

pytestmark = [pytest.mark.janus, pytest.mark.timeout(120)]

A, B = "lumen", "acme"
LIVE = "live-demo"  # both merchants' live room
A_ONLY = "a-private"  # a room only A has
ROOM_A, ROOM_B = RoomKey(A, LIVE), RoomKey(B, LIVE)


def b_store() -> dict[str, Any]:
    """The demo store as merchant ``acme``: the same SKUs and identities, its own names."""
    data = json.loads(json.dumps(demo_store_json()).replace("Lumen", "Acme").replace("lumen", "acme"))
    data["store"]["id"] = B
    return copy.deepcopy(data)


@dataclass
class Two:
    souk: Souk
    key_a: str
    key_b: str

    def token(self, merchant: str, identity: str, role: str, room: str = LIVE) -> str:
        return str(self.souk.ctx.tokens.mint(merchant_id=merchant, identity=identity, room=room, role=role))

    async def client(self, merchant: str, identity: str, role: str, room: str = LIVE) -> SignalClient:
        return await SignalClient.connect(self.souk.ws_url, self.token(merchant, identity, role, room))

    def http(self, credential: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.souk.base_url, headers=bearer(credential), timeout=20)


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[Two]:
    async with media_souk(tmp_path, (*CORE_FEATURES, "souk.api.routes.stage")) as souk:
        storage = souk.ctx.storage
        assert storage is not None
        seed_b = await seed_demo(storage, b_store())
        assert seed_b.merchant_id == B and seed_b.api_key
        assert souk.merchant_id == A
        two = Two(souk, souk.api_key, seed_b.api_key)
        async with two.http(souk.api_key) as a, two.http(seed_b.api_key) as b:
            for http, kind, room in ((a, "live", LIVE), (a, "consult", A_ONLY), (b, "live", LIVE)):
                r = await http.post("/v1/rooms", json={"kind": kind, "room_id": room})
                assert r.status_code == 201, r.text
        yield two


async def quiet(client: SignalClient) -> list[dict[str, Any]]:
    """Every event the client got so far (a ping round trip first: everything sent before it has arrived)."""
    await client.request({"type": "ping"})
    out = []
    while not client.events.empty():
        out.append(client.events.get_nowait())
    return out


async def publish(client: SignalClient) -> PublisherBot:
    bot = PublisherBot()
    reply = await client.request({"type": "publish", "sdp": (await bot.offer()).sdp})
    await bot.accept(Jsep("answer", reply["sdp"]))
    return bot


async def a_show(two: Two) -> tuple[SignalClient, SignalClient, SignalClient, PublisherBot]:
    """A's live show: the host publishes, the moderator and a viewer watch."""
    async with two.http(two.token(A, "host-a", "host")) as host_http:
        r = await host_http.post(f"/v1/live/{LIVE}/show", json={"title": "A's show"})
        assert r.status_code == 200, r.text
    host = await two.client(A, "host-a", "host")
    mod = await two.client(A, "mod-a", "moderator")
    viewer = await two.client(A, "viewer-a", "audience")
    for c in (host, mod, viewer):
        await c.request({"type": "join", "room": LIVE})
    bot = await publish(host)
    for c in (mod, viewer):
        await c.next_event("published", timeout=10, feed__participant="host-a")
    return host, mod, viewer, bot


async def test_b_in_a_room_of_the_same_id_sees_hears_and_takes_nothing_of_a(two: Two) -> None:
    souk = two.souk
    host, mod, viewer, bot = await a_show(two)
    b_host = await two.client(B, "host-a", "host")  # A's room id AND A's host identity
    b_viewer = await two.client(B, "viewer-b", "member")
    b_bot: PublisherBot | None = None
    sub_bot = SubscriberBot()
    try:
        for c in (host, mod, viewer):
            await quiet(c)
        # B sees none of A's participants and none of A's feeds, and A is told nothing about B
        joined = await b_host.request({"type": "join", "room": LIVE, "subscribe": True})
        assert joined.get("participants", []) == [] and joined.get("feeds", []) == []
        assert joined.get("offers", []) == []
        joined = await b_viewer.request({"type": "join", "room": LIVE, "subscribe": True})
        assert [p["identity"] for p in joined["participants"]] == ["host-a"]  # B's own host-a
        assert joined.get("feeds", []) == [] and joined.get("offers", []) == []
        for c in (host, mod, viewer):
            assert await quiet(c) == []
        assert {m.identity for m in souk.ctx.hub.participants(ROOM_A)} == {"host-a", "mod-a", "viewer-a"}
        assert {m.identity for m in souk.ctx.hub.participants(ROOM_B)} == {"host-a", "viewer-b"}
        # B's host-a did not replace A's host-a: A's host is still in, still publishing, still answered
        a_member = souk.ctx.hub.member(ROOM_A, "host-a")
        assert a_member is not None and a_member.feed_id is not None
        await host.request({"type": "mute", "kind": "audio", "muted": False})
        for c in (host, mod, viewer):
            await quiet(c)  # the room heard about the mute
        # B cannot subscribe to A's host (not publishing in B's room), nor name A's room as a PK partner
        with pytest.raises(SignalError) as err:
            await b_viewer.request({"type": "subscribe", "feed": "host-a"})
        assert err.value.code == "unknown_feed"
        with pytest.raises(SignalError) as err:
            await b_viewer.request({"type": "subscribe", "feed": "host-a", "room": LIVE + "-x"})
        assert err.value.code == "not_linked"
        # B publishes: its viewer sees it, A's room sees nothing, and B's feed lives in B's Janus room
        b_bot = await publish(b_host)
        published = await b_viewer.next_event("published", timeout=10, feed__participant="host-a")
        assert published["feed"]["video"] is True
        for c in (host, mod, viewer):
            assert await quiet(c) == []
        b_member = souk.ctx.hub.member(ROOM_B, "host-a")
        assert b_member is not None and b_member.session.publisher is not None
        assert a_member.session.publisher is not None
        b_pub, a_pub = b_member.session.publisher, a_member.session.publisher
        assert (b_pub.room, a_pub.room) == (ROOM_B, ROOM_A)  # type: ignore[attr-defined]
        janus_rooms = (b_pub.janus_room, a_pub.janus_room)  # type: ignore[attr-defined]
        assert janus_rooms == (janus_room_id(B, LIVE), janus_room_id(A, LIVE)) and janus_rooms[0] != janus_rooms[1]
        # B's viewer subscribes to B's host and decodes B's frames (B's room works; it just is not A's)
        offer = await b_viewer.request({"type": "subscribe", "feed": "host-a"})
        answer = await sub_bot.answer(Jsep("offer", offer["sdp"]))
        await b_viewer.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        await sub_bot.wait_frames(3, timeout=10)
        # A's viewer still subscribes to A's host (not to B's feed of the same identity)
        a_offer = await viewer.request({"type": "subscribe", "feed": "host-a"})
        a_sub = [s for s in viewer_subs(souk, "viewer-a") if s.id == a_offer["sub"]]
        assert len(a_sub) == 1 and a_sub[0].room == ROOM_A
        # B leaving (with the same identity as A's host) takes nothing of A's with it
        await b_host.request({"type": "leave"})
        assert await quiet(host) == [] and souk.ctx.hub.member(ROOM_A, "host-a") is a_member
        assert a_member.feed_id is not None
    finally:
        await sub_bot.aclose()
        if b_bot is not None:
            await b_bot.aclose()
        await bot.aclose()
        for c in (host, mod, viewer, b_host, b_viewer):
            await c.aclose()


def viewer_subs(souk: Souk, identity: str) -> list[Any]:
    member = souk.ctx.hub.member(ROOM_A, identity)
    assert member is not None
    return list(member.session.subs.values())  # type: ignore[attr-defined]


async def test_b_closing_its_room_of_the_same_id_leaves_a_room_and_media_alone(two: Two) -> None:
    souk = two.souk
    host, mod, viewer, bot = await a_show(two)
    b_host = await two.client(B, "host-a", "host")
    try:
        await b_host.request({"type": "join", "room": LIVE})
        for c in (host, mod, viewer):
            await quiet(c)
        async with two.http(two.key_b) as b:
            r = await b.post(f"/v1/rooms/{A_ONLY}/close")  # A's room that B does not have
            assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_room"
            r = await b.post(f"/v1/rooms/{LIVE}/close")  # B's own live-demo
            assert r.status_code == 200 and r.json()["status"] == "closed"
            r = await b.get(f"/v1/rooms/{A_ONLY}")
            assert r.status_code == 404
        assert (await b_host.next_event("room.closed", timeout=5))["reason"] == "closed"
        for c in (host, mod, viewer):
            assert await quiet(c) == []
        assert souk.ctx.media.room_spec(ROOM_A) is not None and souk.ctx.media.room_spec(ROOM_B) is None
        assert {m.identity for m in souk.ctx.hub.participants(ROOM_A)} == {"host-a", "mod-a", "viewer-a"}
        async with two.http(two.key_a) as a:
            r = await a.get(f"/v1/rooms/{LIVE}")
            assert r.status_code == 200 and r.json()["status"] == "open"
        # A's Janus room still works: A's viewer subscribes to A's host and gets frames
        sub_bot = SubscriberBot()
        try:
            offer = await viewer.request({"type": "subscribe", "feed": "host-a"})
            answer = await sub_bot.answer(Jsep("offer", offer["sdp"]))
            await viewer.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
            await sub_bot.wait_frames(3, timeout=10)
        finally:
            await sub_bot.aclose()
    finally:
        await bot.aclose()
        for c in (host, mod, viewer, b_host):
            await c.aclose()


async def test_a_token_of_b_for_a_room_id_of_a_never_joins_a(two: Two) -> None:
    b_client = await two.client(B, "mod-a", "moderator", room=A_ONLY)
    try:
        with pytest.raises(SignalError) as err:
            await b_client.request({"type": "join", "room": A_ONLY})
        assert err.value.code == "unknown_room"
        assert two.souk.ctx.hub.participants(RoomKey(A, A_ONLY)) == []
    finally:
        await b_client.aclose()


async def test_b_receives_none_of_a_call_events(two: Two) -> None:
    souk = two.souk
    calls = souk.ctx.calls
    assert calls is not None
    a_console = await two.client(A, "seller-demo", "agent", room="*")
    b_console = await two.client(B, "seller-demo", "agent", room="*")
    call = await calls.request(A, shopper="shopper-a", product_sku="AP-1002", language="en",
                               shopper_name="A's shopper")
    b_watch = await two.client(B, "seller-demo", "host", room=call.room_id)  # a token of B for A's call room
    try:
        ringing = await a_console.next_event("call", timeout=5, call__state="ringing")
        assert ringing["call"]["call_id"] == call.id
        await calls.accept(A, call.id, "seller-demo")
        await a_console.next_event("call", timeout=5, call__state="accepted")
        for c in (b_console, b_watch):
            events = await quiet(c)
            assert [e for e in events if e.get("type") == "call"] == [], events
        with pytest.raises(SignalError) as err:  # B has no room of that id
            await b_watch.request({"type": "join", "room": call.room_id})
        assert err.value.code == "unknown_room"
        assert calls.by_room(RoomKey(B, call.room_id)) is None
        # B's hang-up of A's call id: 404, and the call goes on
        async with two.http(two.token(B, "seller-demo", "agent", room="*")) as b:
            r = await b.post(f"/v1/consults/{call.id}/hangup")
            assert r.status_code == 404
        assert calls.get(A, call.id).state.value == "accepted"
    finally:
        await calls.hangup(A, call.id, "seller-demo")
        for c in (a_console, b_console, b_watch):
            await c.aclose()


async def test_b_show_in_a_room_of_the_same_id_and_a_pk_to_a_room(two: Two) -> None:
    """B going live in its live-demo does not make the id unusable for A (no wrong_merchant), and a PK
    invitation from B to a room only A has is 404 and reaches nothing of A's."""
    souk = two.souk
    stage = souk.ctx.stage
    assert stage is not None
    async with two.http(two.token(A, "host-a", "host")) as a_host, \
            two.http(two.token(B, "host-a", "host")) as b_host:
        r = await b_host.post(f"/v1/live/{LIVE}/show", json={"title": "B's show"})
        assert r.status_code == 200, r.text
        r = await a_host.post(f"/v1/live/{LIVE}/show", json={"title": "A's show"})
        assert r.status_code == 200, r.text
        a_show_id = r.json()["show_id"]
        r = await b_host.get(f"/v1/live/{LIVE}/show")
        assert r.json()["title"] == "B's show" and r.json()["show_id"] != a_show_id
        # A makes a second live room; B invites it to a PK: not B's room, so there is none
        async with two.http(two.key_a) as a:
            assert (await a.post("/v1/rooms", json={"kind": "live", "room_id": "a-second"})).status_code == 201
        a2 = two.token(A, "host-2", "host", room="a-second")
        async with two.http(a2) as a2_host:
            assert (await a2_host.post("/v1/live/a-second/show", json={"title": "A2"})).status_code == 200
        r = await b_host.post(f"/v1/live/{LIVE}/pk", json={"room": "a-second"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "partner_not_live"
        assert "host-2" not in r.text
        a_state = stage.room(RoomKey(A, "a-second"))
        assert a_state is not None and a_state.pk_invited_by == {} and a_state.pk is None
        # B ending its show leaves A's show live
        r = await b_host.post(f"/v1/live/{LIVE}/show/end")
        assert r.status_code == 200
        a_live = stage.live_show(ROOM_A)
        assert a_live is not None and a_live.show_id == a_show_id
        assert souk.ctx.media.room_spec(ROOM_A) is not None
        r = await a_host.post(f"/v1/live/{LIVE}/show/end")
        assert r.status_code == 200
    await asyncio.sleep(0)


async def test_every_signaling_message_of_b_reaches_nothing_of_a(two: Two) -> None:
    """Each client message, sent by B's ``viewer-a`` in B's ``live-demo`` while A's ``viewer-a`` is on A's
    stage and holds a subscription: none of them reaches A's room, A's subscription or A's stage grant."""
    souk = two.souk
    host, mod, viewer, bot = await a_show(two)
    async with two.http(two.token(A, "host-a", "host")) as a_host, \
            two.http(two.token(A, "viewer-a", "audience")) as a_viewer:
        r = await a_host.post(f"/v1/live/{LIVE}/stage/invite", json={"identity": "viewer-a"})
        assert r.status_code == 200, r.text
        r = await a_viewer.post(f"/v1/live/{LIVE}/stage/accept", json={"consent_recording": True})
        assert r.status_code == 200, r.text
    a_offer = await viewer.request({"type": "subscribe", "feed": "host-a"})
    a_sub = a_offer["sub"]
    b = await two.client(B, "viewer-a", "member")  # A's viewer's identity, in B's room of the same id
    driven: set[str] = set()

    async def refused(msg: dict[str, Any], code: str) -> None:
        driven.add(msg["type"])
        with pytest.raises(SignalError) as err:
            await b.request(msg)
        assert err.value.code == code, (msg, err.value.code)

    try:
        for c in (host, mod, viewer):
            await quiet(c)
        await refused({"type": "auth", "token": two.token(A, "viewer-a", "audience")}, "already_authenticated")
        await refused({"type": "subscribe", "feed": "host-a"}, "not_joined")
        driven.add("join")
        joined = await b.request({"type": "join", "room": LIVE, "subscribe": True})
        assert joined.get("participants", []) == [] and joined.get("feeds", []) == []
        await refused({"type": "subscribe", "feed": "host-a"}, "unknown_feed")
        await refused({"type": "subscribe", "feed": "host-a", "room": "a-second"}, "not_linked")
        # A's stage grant is A's: B's viewer-a may not publish in B's live room
        await refused({"type": "publish", "sdp": (await PublisherBot().offer()).sdp}, "not_on_stage")
        # A's subscription id names nothing in B's session
        candidate = {"candidate": "candidate:1 1 udp 1 1.2.3.4 9 typ host"}
        for msg in ({"type": "answer", "sub": a_sub, "sdp": "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"},
                    {"type": "trickle", "target": a_sub, "candidate": candidate},
                    {"type": "layer", "sub": a_sub, "substream": 0},
                    {"type": "receive", "sub": a_sub, "video": False},
                    {"type": "restart", "target": a_sub},
                    {"type": "switch", "sub": a_sub, "feed": "host-a"},
                    {"type": "unsubscribe", "sub": a_sub}):
            await refused(msg, "unknown_subscription")
        await refused({"type": "warm"}, "not_publishing")
        await refused({"type": "mute", "kind": "audio", "muted": True}, "not_publishing")
        await refused({"type": "unpublish"}, "not_publishing")
        await refused({"type": "uplink", "rtt_ms": 120}, "not_publishing")
        await refused({"type": "restart", "target": "pub", "sdp": (await PublisherBot().offer()).sdp},
                      "not_publishing")
        driven.add("hand")  # B's hand is raised in B's room of the same id: A's room hears nothing (below)
        assert (await b.request({"type": "hand", "raised": True}))["type"] == "ack"
        assert souk.ctx.hub.member(ROOM_B, "viewer-a").hand and not souk.ctx.hub.member(ROOM_A, "viewer-a").hand
        driven |= {"ping", "leave"}
        assert (await b.request({"type": "ping"}))["type"] == "pong"
        assert (await b.request({"type": "leave"}))["type"] == "ack"
        tags = {cls.__struct_config__.tag for cls in get_args(m.ClientMessage)}
        assert driven == tags, f"client messages to drive here: {tags - driven}"
        # A's room, A's viewer-a (member, grant, subscription) are as they were; A heard nothing
        for c in (host, mod, viewer):
            assert await quiet(c) == []
        assert [s.id for s in viewer_subs(souk, "viewer-a")] == [a_sub]
        stage = souk.ctx.stage
        assert stage is not None and stage.may_publish(ROOM_A, "viewer-a", False)
        assert not stage.may_publish(ROOM_B, "viewer-a", False)
    finally:
        await bot.aclose()
        for c in (host, mod, viewer, b):
            await c.aclose()
