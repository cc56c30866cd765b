"""Both sides warm through Souk to a real Janus: while a consult rings the seller's staff socket joins its room
backstage, publishes and holds a warm connection, seen by nobody; the accept seats the seller and the server
switches each side's warm connection to the other's feed (souk.signal.seat)."""

from __future__ import annotations

import asyncio

import pytest

from souk.bench.bots import SubscriberBot
from souk.bench.signal_client import SignalClient, SignalError
from souk.media.types import Jsep
from tests.fixtures.browser import Souk
from tests.integration.api.test_signal_media import handles, publish_bot, settle_handles

pytestmark = [pytest.mark.janus]


async def warm(client: SignalClient, bot: SubscriberBot) -> str:
    offer = await client.request({"type": "warm"})
    answer = await bot.answer(Jsep("offer", offer["sdp"]))
    await client.request({"type": "answer", "sub": offer["sub"], "sdp": answer.sdp})
    await bot.wait_connected()
    return str(offer["sub"])


async def test_the_seller_prepares_backstage_and_the_accept_switches_both_sides(souk_media: Souk) -> None:
    ctx, tokens = souk_media.ctx, souk_media.ctx.tokens
    base = await handles(souk_media)
    call = await ctx.calls.request("lumen", shopper="shopper-1", product_sku="AP-1001", language="en")
    shopper = await SignalClient.connect(souk_media.ws_url, tokens.mint(
        merchant_id="lumen", identity="shopper-1", room=call.room_id, role="member"))
    seller = await SignalClient.connect(souk_media.ws_url, tokens.mint(
        merchant_id="lumen", identity="seller-1", room="*", role="agent"))  # the console's own socket
    bots = [SubscriberBot(), SubscriberBot()]
    pubs = []
    try:
        await shopper.request({"type": "join", "room": call.room_id})
        pubs.append(await publish_bot(shopper))
        joined = await seller.request({"type": "join", "room": call.room_id, "subscribe": True})
        assert joined["participants"] == [] and joined["feeds"] == [] and joined.get("offers", []) == []
        pubs.append(await publish_bot(seller))
        with pytest.raises(SignalError) as err:
            await seller.request({"type": "subscribe", "feed": "shopper-1"})
        assert err.value.code == "backstage"
        shopper_warm, seller_warm = await asyncio.gather(warm(shopper, bots[0]), warm(seller, bots[1]))
        assert await settle_handles(souk_media, base + 4) == base + 4
        with pytest.raises(TimeoutError):  # nobody told the shopper of the seller
            await shopper.next_event("participant.joined", timeout=0.5)

        await ctx.calls.accept("lumen", call.id, "seller-1")
        # the server switched each side's warm connection itself, and said so before the other's feed
        # (next_event skips what comes before: a published first would leave nothing for the second wait)
        for client, sub, feed in ((shopper, shopper_warm, "seller-1"), (seller, seller_warm, "shopper-1")):
            switched = await client.next_event("switched", timeout=5, sub=sub)
            assert switched["feed"] == feed and switched["kinds"] == ["audio", "video"] and "id" not in switched
            seen = await client.next_event("published", timeout=5, feed__participant=feed)
            assert seen["feed"]["video"] is True
        for bot in bots:  # each side now decodes the other's video on the connection it warmed: no request sent
            await bot.wait_frames(bot.frames + 5, timeout=10)
        # a client that switches anyway (an older SDK) is answered as before
        again = await shopper.request({"type": "switch", "sub": shopper_warm, "feed": "seller-1"})
        assert again["kinds"] == ["audio", "video"]
        assert await settle_handles(souk_media, base + 4) == base + 4  # nothing new was opened

        await ctx.calls.hangup("lumen", call.id, "shopper-1")
        assert await settle_handles(souk_media, base) == base
    finally:
        for b in [*bots, *pubs]:
            await b.aclose()
        await shopper.aclose()
        await seller.aclose()
