"""The live-room demo page in real headless Chromium: chat, danmaku, likes, gifts; bodies stay inert."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from souk.rtm.client import RtmClient

pytestmark = pytest.mark.browser


async def test_live_demo_page_renders_safely_and_sends(souk_rtm, chromium) -> None:  # type: ignore[no-untyped-def]
    souk = souk_rtm
    tokens = souk.ctx.tokens
    room = "live-demo"
    page_token = tokens.mint(merchant_id=souk.merchant_id, identity="shopper", room=room, role="audience",
                             name="Shopper")
    watcher = await RtmClient(souk.base_url.replace("http", "ws") + "/v1/rtm/ws",
                              tokens.mint(merchant_id=souk.merchant_id, identity="w", room=room,
                                          role="member")).connect()
    await watcher.join(room)
    api = {"Authorization": f"Bearer {souk.api_key}"}
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.post(f"/v1/rtm/channels/{room}/messages", headers=api, json={"kind": "chat", "body": evil})
        assert r.status_code == 200
        page = await chromium.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{souk.base_url}/static/rtm/live-demo.html?token={page_token}&ch={room}")
        await page.wait_for_function("document.querySelectorAll('#messages li').length >= 1", timeout=10_000)
        assert await page.inner_text("#messages li:first-child") == "server" + evil
        await page.wait_for_function("document.querySelectorAll('.danmaku .bullet').length >= 1")
        await page.fill("#input", "is this in stock?")
        await page.press("#input", "Enter")
        await watcher.until(lambda: any(m["b"] == "is this in stock?" for m in watcher.messages.get(room, [])))
        mine = next(m for m in watcher.messages[room] if m["from"] == "shopper")
        assert (mine["k"], mine["name"]) == ("danmaku", "Shopper")
        await page.click("#like")
        await watcher.until(lambda: watcher.agg.get(room, {}).get("like", 0) >= 1)
        r = await http.post(f"/v1/rtm/channels/{room}/messages", headers=api,
                            json={"kind": "gift", "body": {"gift": "rose"}})
        await page.wait_for_function("document.querySelector('.gift-show .gift') !== null", timeout=5000)
        assert "sent rose" in await page.inner_text(".gift-show .gift")
        await asyncio.sleep(0.2)
        assert await page.evaluate("window.__pwned") is None  # nothing in a body ever ran
        assert errors == []
        await page.close()
    await watcher.close()
