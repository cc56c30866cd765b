"""Photo questions over REST: a tiny app with the real brain, real tokens, the desk in memory and a local fake
OpenAI-compatible vision server. The photo's checks (400/413/415), the provider's failures (a clear answer,
never a hang), the cards, the desk timeline, and that nothing is lost when a photo is refused."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from souk.api.body import BodyRule
from souk.api.bootstrap import provide
from souk.api.context import AppContext
from souk.api.errors import install_error_handlers
from souk.api.routes import agent, photo
from souk.assistant.offline import OfflineBrain
from souk.assistant.photo import PhotoSearch
from souk.assistant.service import AssistantService
from souk.assistant.store import StaticStore
from souk.auth.tokens import Role, TokenService
from souk.core.errors import NotFound
from souk.core.settings import Settings
from souk.data import demo_store_json
from souk.domain.desk.handoff import HandoffReason
from souk.domain.desk.routing import Presence
from souk.domain.desk.staff import Skills, StaffProfile
from souk.domain.desk.timeline import AiMessage
from souk.domain.store import StoreSnapshot, parse_store
from tests.fixtures.fake_vision import fake_vision, hang, malformed, says, status
from tests.fixtures.photo_bytes import GIF, png, png_header
from tests.fixtures.photo_bytes import photo as photo_file

SECRET = "s" * 40
JPEG = photo_file("bag_64x48.jpg")


@asynccontextmanager
async def photo_app(brain: OfflineBrain, snap: StoreSnapshot, vision_url: str = "",
                    **agent_settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, AppContext]]:
    """The agent and photo routes behind the same body limits as the real app."""
    import re

    from souk.api.body import BodyLimits

    settings = Settings(agent={"vision_base_url": vision_url, "vision_model": "fake-vision",
                               "vision_api_key": "sk-test", "vision_timeout_s": 1.0, **agent_settings})
    service = AssistantService(StaticStore(snap), embedder=brain._embedder)
    service._brains[snap.merchant.id] = brain  # the session's warmed brain: router and product index built
    ctx = AppContext(settings=settings, tokens=TokenService(SECRET), assistant=service)
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimits, max_bytes=settings.server.max_body_bytes, max_depth=32, rules=(
        BodyRule(re.compile(r"/v1/agent/sessions/[^/]+/photo"), settings.agent.photo_max_bytes, "image_too_large"),))
    app.include_router(agent.router)
    app.include_router(photo.router)
    async with AsyncExitStack() as stack:
        await provide(ctx, stack, ["assistant", "desk", "photo"])
        app.state.ctx = ctx
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://souk") as client:
            yield client, ctx


def auth(ctx: AppContext, identity: str = "C-518", merchant: str = "lumen") -> dict[str, str]:
    return {"Authorization": f"Bearer {ctx.tokens.mint(merchant_id=merchant, identity=identity, room='lobby', role=Role.MEMBER)}"}


async def open_session(client: httpx.AsyncClient, h: dict[str, str]) -> str:
    r = await client.post("/v1/agent/sessions", headers=h, json={})
    assert r.status_code == 200, r.text
    return str(r.json()["session_id"])


async def send(client: httpx.AsyncClient, sid: str, h: dict[str, str], data: bytes,
               mime: str = "image/jpeg", **params: str) -> httpx.Response:
    return await client.post(f"/v1/agent/sessions/{sid}/photo", headers={**h, "Content-Type": mime},
                             content=data, params=params)


async def test_a_photo_finds_the_closest_products_as_cards(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with fake_vision() as fake:
        fake.script.append(says("Wireless earbuds, white, in-ear, charging case"))
        async with photo_app(brain, snap, fake.url) as (client, ctx):
            h = auth(ctx)
            sid = await open_session(client, h)
            r = await send(client, sid, h, JPEG)
            body = r.json()
            assert r.status_code == 200, body
            assert body["cards"][0]["sku"] == "EL-3001" and body["cards"][0]["type"] == "product"
            assert set(body["cards"][0]) >= {"names", "price", "currency", "in_stock", "stock"}
            assert "Wireless Earbuds Pro" in body["text"] and "($49)" in body["text"]
            assert body["language"] == "en" and body["metadata"]["intent"] == "photo_search"
            assert [c["name"] for c in body["tool_calls"]] == ["describe_photo", "search_products"]
            # the provider got the photo itself, as a data URL, with the configured model and key
            from tests.fixtures.fake_vision import photo_of
            assert photo_of(fake.requests[0]) == ("image/jpeg", JPEG)
            assert fake.requests[0]["model"] == "fake-vision" and fake.headers[0]["Authorization"] == "Bearer sk-test"
            # the conversation goes on about the product found
            follow = (await client.post(f"/v1/agent/sessions/{sid}/messages", headers=h,
                                        json={"text": "is it in stock?"})).json()
            assert "Wireless Earbuds Pro" in follow["text"] and follow["metadata"]["intent"] == "stock"
            # and the turn is on the desk timeline like any AI turn
            assert ctx.desk is not None
            _, events = await ctx.desk.conversation("lumen", sid)
            ai = [e for _, e in events if isinstance(e, AiMessage)]
            assert ai[0].text == body["text"] and [t.name for t in ai[0].tools] == ["describe_photo",
                                                                                     "search_products"]


async def test_the_answer_is_in_the_shoppers_language(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with (fake_vision(says("insulated water bottle, steel, 1 litre")) as fake,
                photo_app(brain, snap, fake.url) as (client, ctx)):
        h = auth(ctx, "guest-es")
        sid = await open_session(client, h)
        first = (await send(client, sid, h, png(32, 32), "image/png", language="es")).json()
        assert first["language"] == "es" and first["text"].startswith("Esto es lo más parecido")
        assert first["cards"][0]["sku"] == "OD-6002"
        # a conversation that already showed its language keeps it, whatever the client says
        await client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "您好，我想买东西"})
        zh = (await send(client, sid, h, JPEG, language="en")).json()
        assert zh["language"] == "zh" and "最相近" in zh["text"]


@pytest.mark.parametrize(("answer", "key", "code"), [
    (status(500), "I couldn't look at your photo", "vision_unavailable"),
    (status(400), "I couldn't look at your photo", "vision_refused"),
    (malformed(), "I couldn't look at your photo", "vision_malformed"),
    (hang(5.0), "took too long", "vision_timeout"),
])
async def test_provider_failures_give_a_clear_answer_fast(brain: OfflineBrain, snap: StoreSnapshot,
                                                          answer: Any, key: str, code: str) -> None:
    async with fake_vision(answer) as fake, photo_app(brain, snap, fake.url) as (client, ctx):
        h = auth(ctx)
        sid = await open_session(client, h)
        t0 = time.monotonic()
        r = await send(client, sid, h, JPEG)
        assert r.status_code == 200 and time.monotonic() - t0 < 4.0
        body = r.json()
        assert key in body["text"] and body["cards"] == [] and body["tool_calls"][0]["error"] == code


async def test_no_product_and_nothing_close(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with fake_vision() as fake:
        fake.script += [says("NONE"), says("grand piano, black lacquer, concert")]
        async with photo_app(brain, snap, fake.url) as (client, ctx):
            h = auth(ctx)
            sid = await open_session(client, h)
            none = (await send(client, sid, h, JPEG)).json()
            assert "couldn't make out an item" in none["text"] and none["metadata"]["photo"] == "no_product"
            far = (await send(client, sid, h, JPEG)).json()
            assert far["metadata"]["photo"] == "nothing_close" and far["cards"] == []
            assert "grand piano" in far["text"]


async def test_without_a_vision_provider_the_assistant_says_so(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with photo_app(brain, snap) as (client, ctx):
        h = auth(ctx)
        sid = await open_session(client, h)
        for lang, words in [("en", "photo search needs"), ("es", "búsqueda por foto"), ("pt", "busca por foto"),
                            ("id", "pencarian lewat foto"), ("zh", "拍照找同款"), ("ar", "البحث بالصور")]:
            sid = await open_session(client, h)
            body = (await send(client, sid, h, JPEG, language=lang)).json()
            assert words in body["text"] and body["language"] == lang and body["cards"] == []
            assert body["metadata"]["photo"] == "no_provider"
            await client.delete(f"/v1/agent/sessions/{sid}", headers=h)


async def test_bad_photos_get_clear_errors_and_lose_nothing(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with (fake_vision(says("wireless earbuds")) as fake,
                photo_app(brain, snap, fake.url, photo_max_bytes=64 * 1024) as (client, ctx)):
        h = auth(ctx)
        sid = await open_session(client, h)
        cases = [(b"", "image/jpeg", 400, "empty_image"), (GIF, "image/gif", 415, "unsupported_image_type"),
                 (b"not an image at all", "image/jpeg", 415, "unsupported_image_type"),
                 (JPEG[:30], "image/jpeg", 400, "bad_image"),
                 (png_header(0, 30), "image/png", 400, "bad_image"),
                 (png_header(40_000, 40_000), "image/png", 413, "image_dimensions_too_large"),
                 (JPEG + b"\x00" * 70_000, "image/jpeg", 413, "image_too_large")]
        for data, mime, code, name in cases:
            r = await send(client, sid, h, data, mime)
            assert (r.status_code, r.json()["error"]["code"]) == (code, name), r.text
        assert fake.requests == []  # nothing refused reached the provider
        # the conversation goes on: a photo and a text turn after the refusals
        ok = await send(client, sid, h, JPEG, "application/octet-stream")  # the type comes from the bytes
        assert ok.status_code == 200 and ok.json()["cards"][0]["sku"] == "EL-3001"
        text = await client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "thanks!"})
        assert text.status_code == 200


async def test_another_shoppers_or_merchants_session_is_not_found(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with photo_app(brain, snap) as (client, ctx):
        sid = await open_session(client, auth(ctx))
        for h in (auth(ctx, "C-510"), auth(ctx, "C-518", merchant="acme"), {}):
            r = await send(client, sid, h, JPEG)
            assert (r.status_code, r.json()["error"]["code"]) in ((404, "unknown_conversation"),
                                                                  (401, "token_missing"))


class TwoStores:
    """Merchant A (the demo store) and merchant B (``acme``: the same SKUs under its own names and prices)."""

    def __init__(self, a: StoreSnapshot) -> None:
        data = demo_store_json()
        data["store"] = {**data["store"], "id": "acme", "name": "Acme"}
        for p in data["products"]:
            p["names"] = {"en": f"Acme {p['names']['en']} Deluxe"}
            p["price_usd"] = round(p["price_usd"] + 10, 2)
        self.snaps = {a.merchant.id: a, "acme": parse_store(data)}

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot:
        if merchant_id not in self.snaps:
            raise NotFound("no such merchant", code="unknown_merchant")
        return self.snaps[merchant_id]


async def test_each_merchant_gets_its_own_products(brain: OfflineBrain, snap: StoreSnapshot) -> None:
    async with fake_vision(says("wireless earbuds, black")) as fake:
        settings = Settings(agent={"vision_base_url": fake.url, "vision_model": "fake-vision"})
        service = AssistantService(TwoStores(snap), embedder=brain._embedder)
        service._router = brain.router
        search = PhotoSearch.from_settings(settings, service)
        try:
            a = await service.open("lumen", "C-518", "C-518")
            b = await service.open("acme", "C-518", "C-518")  # the same identity at another merchant
            image = photo_file("bag_64x48.jpg")
            info = search.check(image)
            a_reply, _ = await search.reply(a, image, info)
            b_reply, said = await search.reply(b, image, info)
        finally:
            await search.aclose()
            await service.aclose()
    assert [(c["sku"], c["names"]["en"], c["price"]) for c in a_reply.cards] == [
        ("EL-3001", "Wireless Earbuds Pro", "49.00")]
    assert [(c["sku"], c["names"]["en"], c["price"]) for c in b_reply.cards] == [
        ("EL-3001", "Acme Wireless Earbuds Pro Deluxe", "59.00")]
    assert "Acme Wireless Earbuds Pro Deluxe ($59)" in b_reply.text and "49" not in b_reply.text
    assert said == "[photo] wireless earbuds, black"


async def test_a_photo_while_a_person_has_the_conversation_is_refused(brain: OfflineBrain,
                                                                       snap: StoreSnapshot) -> None:
    async with (fake_vision(says("wireless earbuds")) as fake,
                photo_app(brain, snap, fake.url) as (client, ctx)):
        h = auth(ctx)
        sid = await open_session(client, h)
        assert (await send(client, sid, h, JPEG)).status_code == 200
        assert ctx.desk is not None
        await ctx.desk.put_agent(StaffProfile("lumen", "ana", name="Ana", skills=Skills(languages=("en",))))
        feed = await ctx.desk.connect_agent("lumen", "ana")  # Ana is online: the hand-off goes to her
        await ctx.desk.set_presence("lumen", "ana", Presence.ONLINE)
        notice = await ctx.desk.request_human("lumen", sid, shopper="C-518",
                                              reason=HandoffReason.EXPLICIT_REQUEST, packet=None)
        assert notice.kind.value == "assigned"
        r = await send(client, sid, h, JPEG)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "photo_with_person")
        assert len(fake.requests) == 1
        # the shopper's words still reach the person
        sent = (await client.post(f"/v1/agent/sessions/{sid}/messages", headers=h, json={"text": "white ones"}))
        assert sent.json()["type"] == "sent"
        await ctx.desk.disconnect_agent("lumen", "ana", feed)
