"""A live show in real headless Chromium through Janus: the host goes live from the studio, a viewer raises a
hand, is approved, consents to the recording and publishes as co-host, a second viewer watches both videos
decode, chats (the host sees it), gets the pinned product in their currency and buys it in a flash sale, then
asks privately: a 1v1 consult the host accepts in the studio, both sides decoding, and back to the show.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e -k live
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.api.app import FEATURES as APP_FEATURES
from souk.auth.tokens import Role
from tests.fixtures.browser import CORE_FEATURES, Souk, media_souk, running_souk

pytestmark = [pytest.mark.browser, pytest.mark.janus]

# everything the app serves but the assistant and voice (so the replay routes join once they land)
FEATURES = tuple(f for f in APP_FEATURES if f not in ("souk.api.routes.agent", "souk.api.routes.voice"))
assert set(CORE_FEATURES) <= set(FEATURES) and "souk.api.routes.live_pages" in FEATURES
ROOM = "live-demo"  # the demo tokens' live room
SKU = "AP-1002"

# framesDecoded per remote participant, read from each subscription's PeerConnection
FRAMES = """async () => {
  const room = window.soukWatch && window.soukWatch.room;
  if (!room) return {};
  const out = {};
  for (const sub of room.subs.values()) {
    const stats = await sub.pc.getStats();
    stats.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") out[sub.participant] = s.framesDecoded || 0; });
  }
  return out;
}"""
WIDTHS = """async () => {
  const out = {};
  for (const sub of window.soukWatch.room.subs.values()) {
    const stats = await sub.pc.getStats();
    stats.forEach((s) => { if (s.type === "inbound-rtp" && s.kind === "video") out[sub.participant] = s.frameWidth || 0; });
  }
  return out;
}"""


QUALITY = "async (key) => { const s = window[key]; return s && s.room ? await s.room.quality() : null; }"


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


async def frames(page: Any) -> dict[str, int]:
    result: dict[str, int] = await page.evaluate(FRAMES)
    return result


async def wait_frames(page: Any, who: set[str], above: dict[str, int], timeout: float = 25.0) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got: dict[str, int] = {}
    while loop.time() < deadline:
        got = await frames(page)
        if who <= got.keys() and all(got[w] > above.get(w, 0) + 5 for w in who):
            return got
        await asyncio.sleep(0.25)
    raise AssertionError(f"remote videos not decoding for {who} after {timeout}s: {got}")


async def wait_quality(page: Any, key: str, timeout: float = 25.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    q: dict[str, Any] | None = None
    while loop.time() < deadline:
        q = await page.evaluate(QUALITY, key)
        if q and q["framesDecoded"] >= 5:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{key}: no remote video after {timeout}s: {q}")


async def test_live_show_host_cohost_viewer_buys(souk_live: Souk, chromium: Any) -> None:
    base = souk_live.base_url
    host = await (await chromium.new_context()).new_page()
    cohost = await (await chromium.new_context()).new_page()
    viewer = await (await chromium.new_context()).new_page()
    errors: list[str] = []
    for p in (host, cohost, viewer):
        p.on("pageerror", lambda e: errors.append(str(e)))

    # the host opens the studio (camera preview) and goes live, recording
    await host.goto(f"{base}/live/{ROOM}/studio")
    await host.wait_for_function("() => window.soukStudio && window.soukStudio.ready", timeout=15_000)
    await host.fill("#title", "Autumn <b>jackets</b>")
    await host.check("#record")
    await host.click("#live-btn")
    await host.locator("#show-status", has_text="LIVE").wait_for(timeout=10_000)
    await host.wait_for_function("() => !!(window.soukStudio.room && window.soukStudio.room.pub)", timeout=15_000)

    # a viewer raises a hand, the host approves, the viewer consents to the recording and publishes
    await cohost.goto(f"{base}/live/{ROOM}")
    await cohost.wait_for_function("() => window.soukWatch && window.soukWatch.ready", timeout=15_000)
    assert await cohost.inner_text("#show-title") == "Autumn <b>jackets</b>"  # inert text, not markup
    await cohost.click("#hand-btn")
    approve = host.locator("#hands li button.approve")
    await approve.wait_for(timeout=10_000)
    await approve.click()
    await cohost.locator("#invite").wait_for(state="visible", timeout=10_000)
    assert await cohost.locator("#invite-rec").is_visible()  # the show records: consent is asked
    await cohost.click("#accept-btn")
    await cohost.locator("#notice", has_text="agree to the recording").wait_for(timeout=5_000)  # refused
    await cohost.check("#consent")
    await cohost.click("#accept-btn")
    await cohost.wait_for_function("() => window.soukWatch.onStage === true", timeout=15_000)
    cohost_id = await cohost.evaluate("() => window.soukWatch.identity")
    await host.locator(f'#onstage li[data-identity="{cohost_id}"]').wait_for(timeout=15_000)

    # a second viewer sees both videos decoding, and they keep decoding
    await viewer.goto(f"{base}/live/{ROOM}")
    await viewer.wait_for_function("() => window.soukWatch && window.soukWatch.ready", timeout=15_000)
    stage = {"host-demo", cohost_id}
    first = await wait_frames(viewer, stage, {})
    await wait_frames(viewer, stage, first)
    assert await viewer.locator("#stage .tile video").count() == 2
    await host.wait_for_selector(f'#stage .tile[data-participant="{cohost_id}"] video', timeout=10_000)

    # the studio publishes simulcast: the viewer picks the low layer and the host's video gets smaller
    widths = await viewer.evaluate(WIDTHS)
    await viewer.select_option("#layer", "0")
    await viewer.wait_for_function(
        f"async () => {{ const w = await ({WIDTHS})(); return w['host-demo'] > 0 && w['host-demo'] < {widths['host-demo']}; }}",
        timeout=15_000)
    await wait_frames(viewer, stage, await frames(viewer))

    # the viewer chats; the host sees it (as text)
    await viewer.fill("#chat-input", "<img src=x onerror=alert(1)> love it")
    await viewer.press("#chat-input", "Enter")
    await host.locator("#messages li .body", has_text="love it").wait_for(timeout=10_000)
    assert await host.locator("#messages img").count() == 0

    # the host pins a product; the viewer sees its card priced for their country
    await host.click(f'#products li[data-sku="{SKU}"] button.pin')
    await viewer.locator("#pinned").wait_for(state="visible", timeout=10_000)
    assert "Waterproof Hiking Jacket" in await viewer.inner_text("#pin-name")
    await viewer.select_option("#country", "GB")
    await viewer.locator("#pin-price", has_text="GBP").wait_for(timeout=10_000)

    # a flash sale: the viewer buys one, an order is created, the stock and the host's stats follow
    await host.fill("#sale-units", "3")
    await host.fill("#sale-price", "99.00")
    await host.fill("#sale-secs", "120")
    await host.click(f'#products li[data-sku="{SKU}"] button.sale')
    await viewer.locator("#sale").wait_for(state="visible", timeout=10_000)
    assert await viewer.inner_text("#sale-left") == "3"
    await viewer.click("#buy-btn")
    await viewer.locator("#order", has_text="Order").wait_for(timeout=10_000)
    order_id = await viewer.evaluate("() => window.soukWatch.order.order_id")
    order = await souk_live.ctx.storage.orders.get(souk_live.merchant_id, order_id)
    assert [(ln.sku, ln.qty) for ln in order.lines] == [(SKU, 1)]
    await viewer.locator("#sale-left", has_text="2").wait_for(timeout=10_000)
    await host.locator("#stat-orders", has_text="1").wait_for(timeout=10_000)

    # the viewer asks privately: the studio's private calls (a staff token: the demo seller's) ring with the
    # viewer's cart and accept; both sides decode each other's video while the show goes on; hanging up returns
    # the viewer to the show
    await host.wait_for_function("() => window.soukStudio.calls && window.soukStudio.calls.ready", timeout=10_000)
    await viewer.click("#consult-btn")
    accept = host.locator("#consults li.ringing button.accept")
    await accept.wait_for(timeout=10_000)
    assert "Waterproof Hiking Jacket" in await host.inner_text("#consults")
    # while it rings both sides prepare: the studio backstage in the call's room, the viewer's warm connection
    await host.wait_for_function(
        "() => { const p = window.soukStudioCalls.backstage.prep; return p && p.marks.prep_warm; }", timeout=10_000)
    await viewer.wait_for_function(
        "() => { const r = window.soukConsult.room; return r && [...r.subs.values()].some((s) => s.warm); }",
        timeout=10_000)
    await accept.click()
    await wait_quality(viewer, "soukConsult")
    await wait_quality(host, "soukStudioCalls")
    # the accept switched both warm connections: the studio's call runs on its prepared socket, nothing new
    assert await host.evaluate("() => window.soukStudioCalls.client === window.soukStudioCalls.console")
    for page, key in ((host, "soukStudioCalls"), (viewer, "soukConsult")):
        kinds = await page.evaluate(f"() => [...window.{key}.room.subs.values()].map((s) => s.warm)")
        assert kinds == [False], (key, kinds)
    await viewer.locator("#call-status", has_text="Private call with the host").wait_for(timeout=10_000)
    await wait_frames(viewer, stage, await frames(viewer))  # the show goes on for this viewer meanwhile
    await viewer.click("#hangup-btn")
    await viewer.wait_for_function("() => window.soukConsult.phase === 'idle'", timeout=10_000)
    await host.wait_for_function("() => window.soukStudioCalls.call === null", timeout=10_000)
    assert await host.evaluate("() => !!window.soukStudio.room.pub")  # the host's show feed was not touched
    await wait_frames(viewer, stage, await frames(viewer))

    # the host ends the show: every viewer is told
    await host.click("#end-btn")
    for page in (viewer, cohost):
        await page.locator("#notice", has_text="The show has ended").wait_for(timeout=10_000)
    assert errors == []

    await replay_plays(souk_live, viewer)


async def replay_plays(souk: Souk, page: Any) -> None:
    """The recorded show plays on the replay page with chapters (the replay step's routes: skipped until they
    are served)."""
    token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="host-demo", room=ROOM, role=Role.HOST)
    async with httpx.AsyncClient(base_url=souk.base_url, headers={"Authorization": f"Bearer {token}"}) as http:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while True:
            res = await http.get(f"/v1/live/{ROOM}/recordings")
            if res.status_code == 404 and "detail" in res.json():
                return  # no such route yet: the replay step has not landed
            assert res.status_code == 200, res.text
            data = res.json()
            items = data.get("recordings", []) if isinstance(data, dict) else data
            ready = [r for r in items if r.get("status", "ready") == "ready"]
            if ready:
                break
            assert loop.time() < deadline, f"no recording ready: {data}"
            await asyncio.sleep(0.5)
    rec_id = ready[0].get("recording_id") or ready[0]["id"]
    await page.goto(f"{souk.base_url}/replay/{rec_id}#token={token}")
    await page.wait_for_function(
        "() => [...document.querySelectorAll('video')].some((v) => v.currentTime > 1 && !v.paused)", timeout=30_000)
    assert await page.locator("#chapters li, .chapters li, [data-chapter]").count() >= 1


async def test_live_pages_clear_messages(souk_live: Souk, chromium: Any) -> None:
    """Before the show, camera denied in the studio, sold out, a network failure at checkout, show ended."""
    base = souk_live.base_url
    viewer = await (await chromium.new_context()).new_page()
    await viewer.goto(f"{base}/live/{ROOM}")
    await viewer.locator("#notice", has_text="hasn't started yet").wait_for(timeout=10_000)

    ctx = await chromium.new_context()
    await ctx.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));")
    host = await ctx.new_page()
    await host.goto(f"{base}/live/{ROOM}/studio")
    await host.locator("#notice", has_text="permission was denied").wait_for(timeout=10_000)
    await host.wait_for_function("() => window.soukStudio && window.soukStudio.ready", timeout=15_000)
    await host.click("#live-btn")  # the show itself starts; the viewer page follows without a reload
    await host.locator("#show-status", has_text="LIVE").wait_for(timeout=10_000)
    await viewer.locator("#show-status", has_text="LIVE").wait_for(timeout=10_000)
    assert not await viewer.locator("#notice").is_visible()

    await host.click(f'#products li[data-sku="{SKU}"] button.pin')
    await host.fill("#sale-units", "1")
    await host.click(f'#products li[data-sku="{SKU}"] button.sale')
    await viewer.locator("#sale").wait_for(state="visible", timeout=10_000)
    await viewer.click("#buy-btn")
    await viewer.locator("#sale-time", has_text="Sold out").wait_for(timeout=10_000)
    assert await viewer.is_disabled("#buy-btn")

    await viewer.click("#cart-btn")
    await viewer.locator("#cart li").wait_for(timeout=10_000)
    await viewer.route("**/checkout", lambda route: route.abort("internetdisconnected"))
    await viewer.click("#checkout-form button")
    await viewer.locator("#notice", has_text="network connection failed").wait_for(timeout=10_000)
    await viewer.unroute("**/checkout")
    await viewer.fill("#coupon", "NOPE")
    await viewer.click("#checkout-form button")
    await viewer.locator("#notice", has_text="coupon").wait_for(timeout=10_000)  # refused, cart kept
    assert await viewer.locator("#cart li").count() == 1

    await host.click("#end-btn")
    await viewer.locator("#notice", has_text="The show has ended").wait_for(timeout=10_000)
    assert await viewer.is_disabled("#hand-btn")


async def test_live_page_routes(tmp_path: Path) -> None:
    """The pages render (products listed in the studio, room escaped) and a bad room id is refused."""
    features = (*CORE_FEATURES, "souk.api.routes.live_pages")
    async with running_souk(tmp_path / "souk", features=features) as s, httpx.AsyncClient(base_url=s.base_url) as http:
        studio = await http.get(f"/live/{ROOM}/studio")
        assert studio.status_code == 200
        assert f'data-sku="{SKU}"' in studio.text and 'data-room="live-demo"' in studio.text
        watch = await http.get(f"/live/{ROOM}")
        assert watch.status_code == 200 and "/static/pages/watch.js" in watch.text
        bad = await http.get("/live/%3Cscript%3E")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_room"
        assert (await http.get("/static/pages/studio.js")).status_code == 200
