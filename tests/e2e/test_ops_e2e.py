"""Call quality end to end in real headless Chromium through Janus: a consult call between the shop page and the
seller console uploads quality reports from both browsers, Janus's event handler adds its own media statistics,
and the /ops page draws its charts and the call's drill-down from those stored records.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e/test_ops_e2e.py
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from souk.domain.quality import QualityRecord
from tests.e2e.test_consult_e2e import ringing, wait_media
from tests.fixtures.browser import CORE_FEATURES, Souk, media_souk

pytestmark = [pytest.mark.browser, pytest.mark.janus]


async def records_when(souk: Souk, room: str, ready: Any, timeout: float = 30.0) -> list[QualityRecord]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    recs: list[QualityRecord] = []
    while loop.time() < deadline:
        recs = await souk.ctx.storage.quality.room(souk.merchant_id, room)
        if ready(recs):
            return recs
        await asyncio.sleep(0.5)
    raise AssertionError(f"quality records of {room} never got ready: {recs}")


async def test_a_real_call_is_measured_and_drawn_on_the_ops_page(tmp_path: Path, chromium: Any) -> None:
    async with media_souk(tmp_path, features=(*CORE_FEATURES, "souk.api.routes.quality")) as souk:
        r = await ringing(souk, chromium, "AP-1002")
        await r.accept.click()
        await wait_media(r.shopper, "soukCall", frames=5)
        await wait_media(r.seller, "soukConsole", frames=5)
        room = await r.shopper.evaluate("() => window.soukCall.room.id")
        shopper_id = await r.shopper.evaluate("() => window.soukCall.room.identity")

        def both_measured(recs: list[QualityRecord]) -> bool:
            by = {x.identity: x for x in recs}
            return all(by.get(i) is not None and by[i].first_frame_ms is not None and by[i].video is not None
                       and by[i].video.frames_decoded > 0 for i in (shopper_id, "seller-demo"))

        recs = await records_when(souk, room, both_measured)
        shopper = next(x for x in recs if x.identity == shopper_id)
        assert shopper.kind == "consult" and shopper.rtt_ms is not None and shopper.mos is not None
        assert 0 < shopper.first_frame_ms < 20_000 and shopper.failure is None  # type: ignore[operator]
        # Janus's own statistics of the shopper's uplink, from its event handler (every 5 s)
        recs = await records_when(souk, room, lambda rs: any("uplink_video" in x.server for x in rs
                                                             if x.identity == shopper_id))
        uplink = next(x for x in recs if x.identity == shopper_id).server["uplink_video"]
        assert uplink["packets-received"] > 0 and "lost" in uplink

        await r.shopper.click("#hangup-btn")
        await r.seller.wait_for_function("() => window.soukConsole.call === null", timeout=10_000)

        # the ops page: its charts and drill-down come from the stored records
        stored, _ = await souk.ctx.storage.quality.window(souk.merchant_id, 0, 4e9)
        ops = await (await chromium.new_context()).new_page()
        errors: list[str] = []
        ops.on("pageerror", lambda e: errors.append(str(e)))
        await ops.goto(f"{souk.base_url}/ops")
        await ops.wait_for_selector("#chart-connect svg rect", state="attached", timeout=15_000)
        assert await ops.inner_text("[data-kpi=participants] .v") == str(
            len((await souk.ctx.storage.quality.window(souk.merchant_id, 0, 4e9))[0]))
        bars = await ops.eval_on_selector_all("#chart-connect svg rect", "rs => rs.map(r => Number(r.dataset.value))")
        assert sum(bars) == sum(1 for x in stored if x.first_frame_ms is not None)
        assert await ops.locator("#chart-region svg rect").count() >= 3  # MOS, freeze time, failed joins
        assert await ops.locator("#chart-time svg rect").count() >= 3
        await ops.locator(f"#calls tr[data-room='{room}']").click()
        await ops.wait_for_selector("#drill table tbody tr", timeout=10_000)
        who = await ops.eval_on_selector_all("#drill tbody tr td:first-child", "tds => tds.map(t => t.textContent)")
        assert shopper_id in who and "seller-demo" in who
        assert errors == [] and r.errors == []
