"""A group buy in a voice room in real headless Chromium: the host opens the room in the host view
(/voice/{room}/host), pins a product from its products panel, opens a group buy with tiers "1:30, 3:25" from
the host view's form, three listeners on /voice/{room} join from the pinned-offer widget, the third unlocks the
tier in every widget (the room's RTM channel), and the three orders are in the database at the final price.

No audio is needed for this flow: the app runs without a media plane (the pages say they cannot listen, which
this test ignores); the room, the pins, the offer and the orders go through the REST and RTM APIs.
Run alone: .venv/bin/python -m pytest tests/e2e/test_voiceroom_group_buy_e2e.py
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.auth.tokens import Role
from tests.fixtures.browser import CORE_FEATURES, Souk, running_souk

pytestmark = [pytest.mark.browser]

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.group_buys",
            "souk.api.routes.voice_rooms", "souk.api.routes.voice_pages")
ROOM = "voice-gb-e2e"
SKU = "AP-1002"
OTHER = "AP-1001"


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


def token(s: Souk, identity: str, role: Role) -> str:
    return s.ctx.tokens.mint(merchant_id=s.merchant_id, identity=identity, room=ROOM, role=role,
                             name=identity.title(), ttl_s=600)


async def test_host_view_pins_opens_a_group_buy_and_three_listeners_unlock_the_tier(souk: Souk,
                                                                                    chromium: Any) -> None:
    base = souk.base_url
    errors: list[str] = []
    host = await (await chromium.new_context()).new_page()
    host.on("pageerror", lambda e: errors.append(str(e)))
    await host.goto(f"{base}/voice/{ROOM}/host#token={token(souk, 'hana', Role.HOST)}")
    # the host view opened the room and loaded the room's pins (none yet)
    await host.wait_for_function("() => window.soukVoice && window.soukVoice.shop && window.soukVoice.shop.ready",
                                 timeout=15_000)
    assert (await souk.ctx.voice_rooms.get(souk.merchant_id, ROOM)).live
    row = host.locator(f'#products li[data-sku="{SKU}"]')
    assert "Waterproof Hiking Jacket" in await row.inner_text()
    await row.locator("button.pin").click()
    await host.locator(f'#products li.pinned[data-sku="{SKU}"] button.pin', has_text="Unpin").wait_for(timeout=10_000)
    assert list(await souk.ctx.storage.pins.pinned(souk.merchant_id, ROOM)) == [SKU]
    await host.locator("#group-buy-host .gb-sku option", has_text=SKU).wait_for(state="attached", timeout=10_000)
    # a pin made elsewhere (another host tab, the API) reaches the host view over the room's channel
    other = f"{base}/v1/live/{ROOM}/pins"
    auth = {"Authorization": f"Bearer {token(souk, 'hana', Role.HOST)}"}
    async with httpx.AsyncClient(headers=auth) as http:
        (await http.post(other, json={"sku": OTHER})).raise_for_status()
        await host.locator(f'#products li.pinned[data-sku="{OTHER}"]').wait_for(timeout=10_000)
        await host.locator("#group-buy-host .gb-sku option", has_text=OTHER).wait_for(state="attached",
                                                                                      timeout=10_000)
        (await http.delete(f"{other}/{OTHER}")).raise_for_status()
        await host.locator(f'#products li:not(.pinned)[data-sku="{OTHER}"]').wait_for(timeout=10_000)
        await host.locator("#group-buy-host .gb-sku option", has_text=OTHER).wait_for(state="detached",
                                                                                      timeout=10_000)
    await host.select_option("#group-buy-host .gb-sku", SKU)
    await host.fill("#group-buy-host .gb-tiers-input", "1:30, 3:25")
    await host.fill("#group-buy-host .gb-cap", "10")
    await host.fill("#group-buy-host .gb-minutes", "10")
    await host.click("#group-buy-host .gb-open")
    await host.locator("#group-buy-host .gb-status", has_text="Open").wait_for(timeout=10_000)
    # the host's own pinned-offer slot shows the offer too (group_buy_start over RTM or the first fetch)
    await host.locator("#offer .gb-price", has_text="USD 30.00").wait_for(timeout=10_000)

    listeners = []
    for i in range(3):
        page = await (await chromium.new_context()).new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{base}/voice/{ROOM}#token={token(souk, f'vgb-listener-{i}', Role.AUDIENCE)}")
        await page.locator("#offer .gb-join:not([disabled])").wait_for(timeout=15_000)
        assert await page.is_hidden("#products-panel") and await page.is_hidden("#group-buy-host")
        listeners.append(page)
    assert "Waterproof Hiking Jacket" in await listeners[0].inner_text("#offer .gb-name")
    assert await listeners[0].inner_text("#offer .gb-price") == "USD 30.00 each"

    for i, page in enumerate(listeners):
        await page.click("#offer .gb-join")
        await page.locator("#offer .gb-mine", has_text="Your order").wait_for(timeout=10_000)
        for other in [*listeners, host]:  # every open widget follows the count over the room's channel
            await other.wait_for_function(
                f"() => Number(document.querySelector('#offer').dataset.buyers) >= {i + 1}", timeout=10_000)
        if i < 2:
            assert await page.get_attribute("#offer", "data-tier") == "0"
    for page in [*listeners, host]:  # the third buyer unlocked the tier: every widget shows the new price
        await page.wait_for_function("() => document.querySelector('#offer').dataset.tier === '1'", timeout=10_000)
        await page.locator("#offer .gb-price", has_text="USD 25.00").wait_for(timeout=10_000)
    await listeners[0].locator("#offer .gb-news", has_text="everyone pays USD 25.00").wait_for(timeout=10_000)
    await listeners[0].locator("#offer .gb-mine", has_text="USD 25.00").wait_for(timeout=10_000)
    await host.locator("#group-buy-host .gb-status", has_text="3 joined").wait_for(timeout=10_000)

    # the three orders are in the database, one per listener, each at the unlocked tier's price
    orders = {o.customer_id: o for o in await souk.ctx.storage.orders.list(souk.merchant_id, limit=1000)
              if (o.note or "").startswith("group buy ")}
    assert sorted(orders) == ["vgb-listener-0", "vgb-listener-1", "vgb-listener-2"]
    assert {(o.lines[0].sku, o.lines[0].qty, o.lines[0].unit_price, o.total, o.status.value)
            for o in orders.values()} == {(SKU, 1, Decimal("25.00"), Decimal("25.00"), "pending")}

    # unpinning from the host view is the room's truth too
    await host.click(f'#products li[data-sku="{SKU}"] button.pin')
    await host.locator(f'#products li[data-sku="{SKU}"]:not(.pinned) button.pin', has_text="Pin").wait_for(
        timeout=10_000)
    assert list(await souk.ctx.storage.pins.pinned(souk.merchant_id, ROOM)) == []
    assert errors == []
