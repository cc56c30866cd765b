"""Signaling in a live room through a real Janus: the audience is never announced (a big audience must not
spam everyone) but gets the stage's feed events; viewers subscribe as audience; show end tells everyone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.bench.bots import PublisherBot
from souk.bench.signal_client import SignalClient, SignalError
from souk.core.tenancy import RoomKey
from souk.media.types import Jsep
from tests.fixtures.browser import CORE_FEATURES, Souk, media_souk

pytestmark = [pytest.mark.janus]

ROOM = "live-quiet"
VIEWERS = 20


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    async with media_souk(tmp_path, (*CORE_FEATURES, "souk.api.routes.stage")) as s:
        yield s


class AudienceSpy:
    """Counts what media.subscribe (a member) and media.watch (the audience) were asked, then forwards to the
    real plane."""

    def __init__(self, media: Any) -> None:
        self.media = media
        self.audience: list[bool] = []
        self.regions: list[str | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.media, name)

    async def subscribe(self, room: RoomKey, feeds: list[int], **kw: Any) -> Any:
        self.audience.append(False)
        self.regions.append(None)
        return await self.media.subscribe(room, feeds, **kw)

    async def watch(self, room: RoomKey, feeds: list[int], **kw: Any) -> Any:
        self.audience.append(True)
        self.regions.append(kw.get("region"))
        return await self.media.watch(room, feeds, **kw)


async def test_the_audience_is_quiet_but_sees_the_stage(souk_live: Souk) -> None:
    souk = souk_live
    mint = souk.ctx.tokens.mint
    spy = AudienceSpy(souk.ctx.media)
    souk.ctx.media = spy  # sessions read ctx.media when their socket opens
    host_token = mint(merchant_id=souk.merchant_id, identity="hana", room=ROOM, role="host")
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.post(f"/v1/live/{ROOM}/show", json={"title": "quiet"},
                            headers={"Authorization": f"Bearer {host_token}"})
        assert r.status_code == 200
    host = await SignalClient.connect(souk.ws_url, host_token)
    viewers: list[SignalClient] = []
    bot = PublisherBot()
    try:
        await host.request({"type": "join", "room": ROOM})
        viewers = list(await asyncio.gather(*(SignalClient.connect(souk.ws_url, mint(
            merchant_id=souk.merchant_id, identity=f"v{i}", room=ROOM, role="audience" if i % 2 else "guest"))
            for i in range(VIEWERS))))
        joined = await asyncio.gather(*(v.request({"type": "join", "room": ROOM}) for v in viewers))
        assert [p["identity"] for p in joined[-1]["participants"]] == ["hana"]  # the stage only, no viewers
        reply = await host.request({"type": "publish", "sdp": (await bot.offer()).sdp})
        await bot.accept(Jsep("answer", reply["sdp"]))
        for v in viewers:  # every viewer hears about the stage's feed
            assert (await v.next_event("published", feed__participant="hana"))["feed"]["video"] is True
        offer = await viewers[0].request({"type": "subscribe", "feed": "hana"})
        assert offer["feed"] == "hana" and spy.audience == [True] and spy.regions == [None]
        # a viewer whose token says where they are is placed by region (the token's metadata, /v1/tokens region)
        far = await SignalClient.connect(souk.ws_url, mint(merchant_id=souk.merchant_id, identity="v-far", room=ROOM,
                                                           role="audience", metadata={"region": "me-central"}))
        viewers.append(far)
        await far.request({"type": "join", "room": ROOM})
        await far.request({"type": "subscribe", "feed": "hana"})
        assert spy.regions == [None, "me-central"]
        with pytest.raises(SignalError) as err:
            await viewers[1].request({"type": "subscribe", "feed": "hana", "room": "live-elsewhere"})
        assert err.value.code == "not_linked"
        await viewers[0].request({"type": "leave"})
        # the host heard nothing about the audience coming or going
        await host.request({"type": "ping"})
        seen = [host.events.get_nowait()["type"] for _ in range(host.events.qsize())]
        assert "participant.joined" not in seen and "participant.left" not in seen, seen
        assert souk.ctx.hub.viewers(RoomKey(souk.merchant_id, ROOM)) == VIEWERS  # one left, "v-far" came
        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            r = await http.post(f"/v1/live/{ROOM}/show/end", headers={"Authorization": f"Bearer {host_token}"})
            assert r.status_code == 200
        for v in [host, *viewers[1:]]:
            assert (await v.next_event("room.closed"))["reason"] == "show_ended"
        assert souk.ctx.hub.participants(RoomKey(souk.merchant_id, ROOM)) == []
    finally:
        await bot.aclose()
        for v in [host, *viewers]:
            await v.aclose()
        souk.ctx.media = spy.media
