"""A group buy in a room in real headless Chromium: the host opens it from the studio's form (tiers
"1:30, 3:25": 30.00 for the first buyers, 25.00 for everyone from the third), three shoppers on the viewer
page join from the pinned-offer widget, the third unlocks the tier, every widget shows it (RTM), each
shopper's order is in the database at the final price, and the host ends the offer.

No media plane is needed (the show stays idle): the offer, its announcements and the orders go through the
REST and RTM APIs. Run alone: .venv/bin/python -m pytest tests/e2e/test_group_buy_e2e.py
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from souk.auth.tokens import Role
from tests.fixtures.browser import CORE_FEATURES, Souk, running_souk

pytestmark = [pytest.mark.browser]

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.group_buys",
            "souk.api.routes.stage", "souk.api.routes.live_pages")
ROOM = "live-demo"
SKU = "AP-1002"


@pytest.fixture
async def souk(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


def token(s: Souk, identity: str, role: Role) -> str:
    return s.ctx.tokens.mint(merchant_id=s.merchant_id, identity=identity, room=ROOM, role=role, ttl_s=600)


async def test_three_shoppers_unlock_the_tier_and_their_orders_are_written(souk: Souk, chromium: Any) -> None:
    base = souk.base_url
    errors: list[str] = []
    host = await (await chromium.new_context()).new_page()
    host.on("pageerror", lambda e: errors.append(str(e)))
    await host.goto(f"{base}/live/{ROOM}/studio#token={token(souk, 'host-demo', Role.HOST)}")
    await host.wait_for_function("() => window.soukStudio && window.soukStudio.ready", timeout=15_000)
    await host.click(f'#products li[data-sku="{SKU}"] button.pin')
    await host.locator("#group-buy-host .gb-sku option", has_text=SKU).wait_for(state="attached", timeout=10_000)
    await host.fill("#group-buy-host .gb-tiers-input", "1:30, 3:25")
    await host.fill("#group-buy-host .gb-cap", "10")
    await host.fill("#group-buy-host .gb-minutes", "10")
    await host.click("#group-buy-host .gb-open")
    await host.locator("#group-buy-host .gb-status", has_text="Open").wait_for(timeout=10_000)

    shoppers = []
    for i in range(3):
        page = await (await chromium.new_context()).new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{base}/live/{ROOM}#token={token(souk, f'gb-shopper-{i}', Role.AUDIENCE)}")
        await page.wait_for_function("() => window.soukWatch && window.soukWatch.ready", timeout=15_000)
        await page.locator("#group-buy .gb-join:not([disabled])").wait_for(timeout=10_000)
        shoppers.append(page)
    assert "Waterproof Hiking Jacket" in await shoppers[0].inner_text("#group-buy .gb-name")
    assert await shoppers[0].inner_text("#group-buy .gb-price") == "USD 30.00 each"

    for i, page in enumerate(shoppers):
        await page.click("#group-buy .gb-join")
        await page.locator("#group-buy .gb-mine", has_text="Your order").wait_for(timeout=10_000)
        # every open widget follows the count over RTM
        for other in shoppers:
            await other.wait_for_function(
                f"() => Number(document.querySelector('#group-buy').dataset.buyers) >= {i + 1}", timeout=10_000)
        if i < 2:
            assert await page.get_attribute("#group-buy", "data-tier") == "0"
    for page in shoppers:  # the third buyer unlocked the tier: every widget shows it and the new price
        await page.wait_for_function("() => document.querySelector('#group-buy').dataset.tier === '1'",
                                     timeout=10_000)
        await page.locator("#group-buy .gb-price", has_text="USD 25.00").wait_for(timeout=10_000)
    await shoppers[0].locator("#group-buy .gb-news", has_text="everyone pays USD 25.00").wait_for(timeout=10_000)
    await shoppers[0].locator("#group-buy .gb-mine", has_text="USD 25.00").wait_for(timeout=10_000)
    await shoppers[1].locator("#messages li.system", has_text="everyone now pays USD 25.00").wait_for(timeout=10_000)
    await host.locator("#group-buy-host .gb-status", has_text="3 joined").wait_for(timeout=10_000)

    # the orders are in the database, one per shopper, every one at the unlocked tier's price
    orders = {o.customer_id: o for o in await souk.ctx.storage.orders.list(souk.merchant_id, limit=1000)
              if (o.note or "").startswith("group buy ")}
    assert sorted(orders) == ["gb-shopper-0", "gb-shopper-1", "gb-shopper-2"]
    assert {(o.lines[0].sku, o.lines[0].qty, o.lines[0].unit_price, o.total, o.status.value)
            for o in orders.values()} == {(SKU, 1, Decimal("25.00"), Decimal("25.00"), "pending")}
    mine = [await p.evaluate("() => window.soukWatch.groupBuy.state.mine") for p in shoppers]
    assert sorted(mine) == sorted(o.id for o in orders.values())

    # the host ends it; the widgets close at the final price and nobody can join any more
    await host.click("#group-buy-host .gb-end")
    await host.locator("#group-buy-host .gb-status", has_text="Ended at 3 buyers").wait_for(timeout=10_000)
    await shoppers[2].locator("#group-buy .gb-news", has_text="Closed at 3 buyers").wait_for(timeout=10_000)
    late = await (await chromium.new_context()).new_page()
    await late.goto(f"{base}/live/{ROOM}#token={token(souk, 'gb-late', Role.AUDIENCE)}")
    await late.wait_for_function("() => window.soukWatch && window.soukWatch.ready", timeout=15_000)
    await late.locator("#group-buy .gb-join", has_text="Ended").wait_for(timeout=10_000)
    assert await late.is_disabled("#group-buy .gb-join")
    assert errors == []
