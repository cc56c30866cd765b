"""The storefront embed in real Chromium, from another origin: the example shop (examples/shop: its own page
and token backend on a second port) loads /embed.js from Souk with one script tag; the shopper asks the
assistant a question and gets the store's answer, then presses the embed's "Video call the seller", the
seller's console rings and accepts, and both sides decode each other's video. The API calls carry the shop's
Origin and are allowed by the merchant's [embed] origins; an origin not listed gets no CORS headers.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e -k embed
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.e2e.test_consult_e2e import wait_media
from tests.fixtures.browser import CORE_FEATURES, free_port, need_media, running_souk

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop" / "server.py"
FEATURES = (*CORE_FEATURES, "souk.api.routes.agent", "souk.api.routes.quality", "souk.api.routes.embed")
WIDGET_INPUT = ".souk-assistant > form input"


def example_shop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_shop", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shop_port() -> Iterator[int]:
    yield free_port()


async def test_embed_on_another_origin_asks_and_calls(tmp_path: Path, chromium: Any, shop_port: int) -> None:
    need_media(browser=True)
    shop_origin = f"http://127.0.0.1:{shop_port}"
    async with running_souk(tmp_path / "souk", media=True, features=FEATURES,
                            embed={"origins": {"lumen": [shop_origin]}}) as souk:
        assert souk.ctx.assistant is not None
        await asyncio.wait_for(souk.ctx.assistant.warm(), 180)  # the offline brain's models, once
        mod = example_shop()
        server = mod.serve(mod.Shop(souk.base_url, souk.api_key), port=shop_port)
        try:
            await scenario(souk.base_url, shop_origin, chromium)
        finally:
            server.shutdown()
            server.server_close()


async def scenario(base: str, shop_origin: str, chromium: Any) -> None:
    errors: list[str] = []
    seller = await (await chromium.new_context()).new_page()
    shopper = await (await chromium.new_context()).new_page()
    posts: list[Any] = []  # the shop page's POSTs to Souk
    for p in (seller, shopper):
        p.on("pageerror", lambda e: errors.append(str(e)))
    shopper.on("request", lambda r: posts.append(r) if r.url.startswith(base) and r.method == "POST" else None)
    await seller.goto(f"{base}/console")
    await seller.wait_for_selector("#console-status.online", timeout=10_000)

    await shopper.goto(f"{shop_origin}/")
    assert shopper.url.startswith(shop_origin)
    await shopper.wait_for_function("() => window.soukEmbed && window.soukEmbed.ready", timeout=20_000)
    assert await shopper.evaluate("() => window.soukEmbed.errors") == []
    assert await shopper.evaluate("() => window.soukEmbed.base") == base

    # the assistant, mounted by the embed, answers from the store
    await shopper.fill(WIDGET_INPUT, "Do you have a waterproof jacket?")
    await shopper.press(WIDGET_INPUT, "Enter")
    answer = shopper.locator(".souk-msg.agent").first
    await answer.wait_for(timeout=60_000)
    assert "jacket" in (await answer.inner_text()).lower()

    # the call button (in the page's #call-slot, inside the embed's shadow root) rings the console
    await shopper.locator("#call-slot button").click()
    accept = seller.locator("#incoming li.ringing button.accept")
    await accept.wait_for(timeout=15_000)
    assert "Waterproof Hiking Jacket" in await seller.inner_text("#incoming")
    await accept.click()
    await wait_media(shopper, "soukEmbed", frames=5, timeout=30)
    await wait_media(seller, "soukConsole", frames=5, timeout=30)
    await shopper.wait_for_function("() => window.soukEmbed.phase === 'in-call'", timeout=10_000)
    consult = next(r for r in posts if r.url == f"{base}/v1/consults")
    assert (await consult.all_headers())["origin"] == shop_origin  # a cross-origin call, allowed by CORS
    assert (await consult.response()).status == 201

    await shopper.locator("#souk-embed button.hangup").click()
    await seller.wait_for_function("() => window.soukConsole.call === null", timeout=10_000)
    assert await shopper.evaluate("() => window.soukEmbed.phase") == "idle"
    assert errors == []

    # an origin the merchant does not list gets no CORS headers (the browser refuses the answer)
    async with httpx.AsyncClient(base_url=base) as http:
        pre = await http.options("/v1/consults", headers={
            "Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in pre.headers
        ok = await http.options("/v1/consults", headers={"Origin": shop_origin, "Access-Control-Request-Method": "POST"})
        assert ok.headers["access-control-allow-origin"] == shop_origin
