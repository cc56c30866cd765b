"""The live stage end to end through a real Janus with aiortc peers: host goes live and publishes, a viewer
raises a hand, is approved, accepts with consent and publishes as co-host, an audience viewer watches both,
the host mutes and removes the co-host, the show ends and everyone is dropped; then a PK between two rooms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.bench.bots import PublisherBot, SubscriberBot
from souk.bench.signal_client import SignalClient, SignalError
from souk.core.tenancy import RoomKey
from souk.live.stage import Show
from souk.media.types import Jsep
from souk.rtm.client import RtmClient
from tests.fixtures.browser import CORE_FEATURES, Souk, bearer, media_souk

pytestmark = [pytest.mark.janus]

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage")


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


class Peer:
    """One person: a REST client, a signaling socket and their aiortc bots."""

    def __init__(self, souk: Souk, http: httpx.AsyncClient, identity: str, room: str, role: str) -> None:
        self.souk, self.http, self.identity, self.room = souk, http, identity, room
        self.token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=room, role=role,
                                          name=identity.title())
        self.sig: SignalClient | None = None
        self.bots: list[Any] = []

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.request(method, f"/v1/live/{self.room}/{path}", json=body,
                                       headers=bearer(self.token))

    async def connect(self, token: str | None = None) -> SignalClient:
        if self.sig is not None:
            await self.sig.aclose()
        self.sig = await SignalClient.connect(self.souk.ws_url, token or self.token)
        return self.sig

    async def join(self) -> dict[str, Any]:
        assert self.sig is not None
        return await self.sig.request({"type": "join", "room": self.room})

    async def publish(self) -> PublisherBot:
        assert self.sig is not None
        bot = PublisherBot()
        self.bots.append(bot)
        reply = await self.sig.request({"type": "publish", "sdp": (await bot.offer()).sdp})
        await bot.accept(Jsep("answer", reply["sdp"]))
        return bot

    async def watch(self, feed: str, room: str = "") -> tuple[str, SubscriberBot]:
        assert self.sig is not None
        bot = SubscriberBot()
        self.bots.append(bot)
        msg: dict[str, Any] = {"type": "subscribe", "feed": feed}
        if room:
            msg["room"] = room
        offer = await self.sig.request(msg)
        answer = await bot.answer(Jsep("offer", offer["sdp"]))
        await self.sig.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
        return offer["sub"], bot

    async def aclose(self) -> None:
        for bot in self.bots:
            await bot.aclose()
        if self.sig is not None:
            await self.sig.aclose()


class Listener:
    """What the recording step will hear from the stage."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str]] = []

    async def show_started(self, show: Show) -> None:
        self.heard.append(("started", show.show_id))

    async def show_ended(self, show: Show) -> None:
        self.heard.append(("ended", show.show_id))

    async def feed_published(self, show: Show, identity: str, feed_id: int) -> None:
        assert feed_id > 0
        self.heard.append(("feed", identity))


def system(viewer: RtmClient, room: str) -> list[dict[str, Any]]:
    return [x["b"] for x in viewer.messages.get(room, []) if x.get("k") == "system"]


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_host_cohost_audience_mute_remove_and_show_end(souk_live: Souk) -> None:
    souk, room = souk_live, "live-stage"
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        host = Peer(souk, http, "hana", room, "host")
        ana = Peer(souk, http, "ana", room, "audience")
        bo = Peer(souk, http, "bo", room, "audience")
        rtm = await RtmClient(souk.base_url.replace("http", "ws") + "/v1/rtm/ws", bo.token).connect()
        listener = Listener()
        souk.ctx.stage.add_listener(listener)
        try:
            await rtm.join(room)
            r = await ana.call("POST", "show", {"title": "Lamps"})
            assert r.status_code == 403 and code(r) == "not_host"
            r = await host.call("POST", "show", {"title": "Lamps", "record": True})
            assert r.status_code == 200 and r.json()["status"] == "live" and r.json()["recording"] is True
            show_id = r.json()["show_id"]
            again = await host.call("POST", "show", {"title": "Lamps"})
            assert again.json()["show_id"] == show_id  # idempotent while live

            await host.connect()
            await host.join()
            await host.publish()
            await ana.connect()
            await ana.join()
            with pytest.raises(SignalError) as err:  # an audience member may not publish
                await ana.publish()
            assert err.value.code == "not_on_stage"

            # raise a hand, approval, consent, a co-host token
            r = await ana.call("POST", "stage/hand", {"note": "I own this lamp"})
            assert r.status_code == 200
            view = (await host.call("GET", "show")).json()
            assert [h["identity"] for h in view["hands"]] == ["ana"] and view["viewers"] == 1
            assert "hands" not in (await bo.call("GET", "show")).json()
            r = await ana.call("POST", "stage/accept", {"consent_recording": True})
            assert r.status_code == 403 and code(r) == "not_invited"
            r = await bo.call("POST", "stage/approve", {"identity": "ana"})
            assert r.status_code == 403 and code(r) == "not_host"
            assert (await host.call("POST", "stage/approve", {"identity": "ana"})).status_code == 200
            r = await ana.call("POST", "stage/accept", {"consent_recording": False})
            assert r.status_code == 409 and code(r) == "consent_required"
            r = await ana.call("POST", "stage/accept", {"consent_recording": True})
            assert r.status_code == 200 and r.json()["role"] == "cohost" and r.json()["recording"] is True
            cohost_token = r.json()["token"]
            await ana.connect(cohost_token)
            await ana.join()
            joined = await host.sig.next_event("participant.joined", participant__identity="ana")  # type: ignore[union-attr]
            assert joined["participant"]["role"] == "cohost"
            await ana.publish()

            # an audience viewer sees both on stage, and is never announced to them
            await feeds_up(souk, room, {"hana", "ana"})
            await bo.connect()
            seen = await bo.join()
            assert {p["identity"] for p in seen["participants"]} == {"hana", "ana"}
            assert {f["participant"] for f in seen["feeds"]} == {"hana", "ana"}
            sub_host, watch_host = await bo.watch("hana")
            _, watch_ana = await bo.watch("ana")
            await watch_host.wait_frames(5, timeout=15)
            await watch_ana.wait_frames(5, timeout=15)
            await bo.sig.request({"type": "layer", "sub": sub_host, "substream": 0})  # type: ignore[union-attr]
            with pytest.raises(SignalError) as err:
                await bo.sig.request({"type": "layer", "sub": sub_host, "substream": 5})  # type: ignore[union-attr]
            assert err.value.code == "bad_layer"
            members = {x.identity: x for x in souk.ctx.hub.participants(RoomKey(souk.merchant_id, room))}
            assert members["bo"].quiet and not members["ana"].quiet
            view = (await host.call("GET", "show")).json()
            assert [(s["identity"], s["role"], s["publishing"]) for s in view["stage"]] == [
                ("hana", "host", True), ("ana", "cohost", True)]
            assert view["viewers"] == 1

            # host controls: a server-side mute, then removal (feed gone, publishing refused after)
            r = await host.call("POST", "stage/mute", {"identity": "ana", "kind": "audio", "muted": True})
            assert r.status_code == 200 and r.json()["audio_muted"] is True
            state = await bo.sig.next_event("media", participant="ana")  # type: ignore[union-attr]
            assert state["audio_muted"] is True
            await until_stalled(watch_ana, "audio_frames")  # Janus stopped relaying her audio, not her video
            video = watch_ana.frames
            await watch_ana.wait_frames(video + 5, timeout=10)
            r = await host.call("POST", "stage/remove", {"identity": "ana"})
            assert r.status_code == 200
            await bo.sig.next_event("unpublished", participant="ana")  # type: ignore[union-attr]
            removed = await ana.sig.next_event("stage", event="removed")  # type: ignore[union-attr]
            assert removed["identity"] == "ana"
            with pytest.raises(SignalError) as err:
                await ana.publish()
            assert err.value.code == "not_on_stage"
            with pytest.raises(SignalError) as err:
                await bo.sig.request({"type": "subscribe", "feed": "ana"})  # type: ignore[union-attr]
            assert err.value.code == "unknown_feed"

            # end of the show: everyone is told and dropped, the media room is gone
            r = await host.call("POST", "show/end")
            assert r.status_code == 200 and r.json()["status"] == "ended"
            closed = await bo.sig.next_event("room.closed")  # type: ignore[union-attr]
            assert closed["reason"] == "show_ended"
            key = RoomKey(souk.merchant_id, room)
            assert souk.ctx.hub.participants(key) == [] and souk.ctx.media.room_spec(key) is None
            await rtm.until(lambda: "show_end" in [b["type"] for b in system(rtm, room)], timeout=5)
            # both recordings were closed and landed under merchant/room/show (relative names; Janus writes .mjr.tmp
            # while recording and renames on close)
            rec = souk.ctx.media.recordings_dir / souk.merchant_id / room / show_id
            for _ in range(100):
                files = [p.name for p in rec.glob("*.mjr") if p.stat().st_size > 0]
                if sum(f.startswith(("hana-1", "ana-1")) for f in files) >= 4:
                    break
                await asyncio.sleep(0.05)
            assert any(f.startswith("hana-1") for f in files) and any(f.startswith("ana-1") for f in files), files
            assert listener.heard[0] == ("started", show_id) and listener.heard[-1] == ("ended", show_id)
            assert sorted(listener.heard[1:-1]) == [("feed", "ana"), ("feed", "hana")]
            kinds = [b["type"] for b in system(rtm, room)]
            for kind in ("show_start", "hand_raised", "stage_invite", "stage_joined", "stage_muted", "stage_left",
                         "show_end"):
                assert kind in kinds, kinds
            assert kinds.index("show_start") < kinds.index("stage_invite") < kinds.index("show_end")
        finally:
            await rtm.close()
            for p in (host, ana, bo):
                await p.aclose()


async def until_stalled(bot: SubscriberBot, counter: str, timeout: float = 10.0) -> None:
    """Wait until a frame counter that was moving stops moving for a whole second (no timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last, since = getattr(bot, counter), loop.time()
    assert last > 0, f"no {counter} before the mute"
    while loop.time() - since < 1.0:
        assert loop.time() < deadline, f"{counter} still moving {timeout}s after the mute"
        await asyncio.sleep(0.1)
        now = getattr(bot, counter)
        if now != last:
            last, since = now, loop.time()


async def feeds_up(souk: Souk, room: str, who: set[str], timeout: float = 15.0) -> None:
    """Wait until these publishers' PeerConnections are up (their feeds subscribable)."""
    for _ in range(int(timeout / 0.05)):
        if {x.identity for x in souk.ctx.hub.participants(RoomKey(souk.merchant_id, room))
                if x.feed_id is not None} >= who:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"feeds of {who} never came up in {room}")


async def test_pk_lets_each_audience_watch_the_other_host(souk_live: Souk) -> None:
    souk = souk_live
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20) as http:
        host_a = Peer(souk, http, "hana", "live-a", "host")
        host_b = Peer(souk, http, "omar", "live-b", "host")
        viewer_b = Peer(souk, http, "vic", "live-b", "audience")
        try:
            for h in (host_a, host_b):
                assert (await h.call("POST", "show", {"title": h.identity})).status_code == 200
            await host_a.connect()
            await host_a.join()
            await host_a.publish()
            await viewer_b.connect()
            await viewer_b.join()
            with pytest.raises(SignalError) as err:  # no link yet
                await viewer_b.watch("hana", room="live-a")
            assert err.value.code == "not_linked"
            r = await viewer_b.call("POST", "pk", {"room": "live-a"})
            assert r.status_code == 403 and code(r) == "not_host"
            r = await host_a.call("POST", "pk", {"room": "live-b"})
            assert r.status_code == 200 and r.json()["pk"] == {"room": "live-b", "host": "omar", "active": False}
            with pytest.raises(SignalError) as err:  # invited is not linked
                await viewer_b.watch("hana", room="live-a")
            assert err.value.code == "not_linked"
            r = await host_b.call("POST", "pk/accept", {"room": "live-a"})
            assert r.status_code == 200
            assert (await viewer_b.call("GET", "show")).json()["pk"] == {"room": "live-a", "host": "hana",
                                                                         "active": True}
            with pytest.raises(SignalError) as err:  # only the partner's stage, never its audience
                await viewer_b.watch("somebody", room="live-a")
            assert err.value.code == "unknown_feed"
            await feeds_up(souk, "live-a", {"hana"})
            _, bot = await viewer_b.watch("hana", "live-a")
            await bot.wait_frames(5, timeout=15)
            r = await host_b.call("DELETE", "pk")
            assert r.status_code == 200 and r.json()["ended"] == "live-a"
            await viewer_b.sig.next_event("unpublished", participant="hana")  # type: ignore[union-attr]
            assert viewer_b.sig is not None
            session = souk.ctx.hub.member(RoomKey(souk.merchant_id, "live-b"), "vic").session  # type: ignore[union-attr]
            assert session.subs == {}
            with pytest.raises(SignalError) as err:
                await viewer_b.watch("hana", room="live-a")
            assert err.value.code == "not_linked"
        finally:
            for p in (host_a, host_b, viewer_b):
                await p.aclose()

