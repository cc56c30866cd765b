"""Chat translation in real headless Chromium (no media plane needed): on the live watch page a viewer taps a
Spanish message's toggle and reads it in English (the store's product name from its glossary), taps again and
reads the Spanish original; with "Translate all" a new message arrives already translated."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.browser import CORE_FEATURES, Souk, running_souk

pytestmark = [pytest.mark.browser, pytest.mark.skipif(shutil.which("apertium") is None, reason="no apertium")]

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.desk",
            "souk.api.routes.translate", "souk.api.routes.live_pages")
ROOM = "live-demo"
SPANISH = "Me encanta el Vestido de lino de verano"


@pytest.fixture
async def souk_chat(tmp_path: Path) -> AsyncIterator[Souk]:
    async with running_souk(tmp_path / "souk", features=FEATURES) as s:
        yield s


async def say(souk: Souk, identity: str, text: str) -> int:
    token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=ROOM, role="audience",
                                 name=identity)
    async with httpx.AsyncClient(base_url=souk.base_url) as http:
        r = await http.post(f"/v1/rtm/channels/{ROOM}/messages", json={"body": text},
                            headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    seq: int = r.json()["seq"]
    return seq


async def test_a_viewer_toggles_a_spanish_message_to_english_and_back(souk_chat: Souk, chromium: Any) -> None:
    seq = await say(souk_chat, "lucia", SPANISH)
    ctx = await chromium.new_context(locale="en-US")
    page = await ctx.new_page()
    await page.goto(f"{souk_chat.base_url}/live/{ROOM}")
    line = page.locator(f'#messages li[data-seq="{seq}"]')
    body = line.locator(".body")
    await body.filter(has_text=SPANISH).wait_for(timeout=15_000)
    assert await page.input_value("#tr-lang") == "en"

    await line.locator("button.tr-toggle").click()
    await page.wait_for_function(
        f"() => document.querySelector('#messages li[data-seq=\"{seq}\"]').dataset.view === 'translated'",
        timeout=10_000)
    english = await body.inner_text()
    assert "Linen Summer Dress" in english and english != SPANISH, english
    assert "translated from es" in await line.locator(".tr-note").inner_text()

    await line.locator("button.tr-toggle").click()  # the original, one tap away
    await body.filter(has_text=SPANISH).wait_for(timeout=5_000)
    assert await line.get_attribute("data-view") == "original"

    await page.check("#tr-auto")  # auto mode: every message, and the new ones as they arrive
    await page.wait_for_function(
        f"() => document.querySelector('#messages li[data-seq=\"{seq}\"]').dataset.view === 'translated'",
        timeout=10_000)
    second = await say(souk_chat, "mateo", "hola, gracias a todos")
    new_line = page.locator(f'#messages li[data-seq="{second}"]')
    await page.wait_for_function(
        f"() => {{ const li = document.querySelector('#messages li[data-seq=\"{second}\"]');"
        " return li && li.dataset.view === 'translated'; }", timeout=10_000)
    assert "thank" in (await new_line.locator(".body").inner_text()).lower()
    bullets = await page.eval_on_selector_all("#danmaku .bullet[data-view='translated']", "els => els.map(e => e.textContent)")
    assert any("thank" in b.lower() for b in bullets), bullets  # the flying bullet too (while it flies)
    await ctx.close()


async def test_an_agent_reads_the_shoppers_spanish_in_english_on_the_desk(souk_chat: Souk, chromium: Any) -> None:
    from souk.domain.desk.handoff import HandoffReason
    from souk.domain.desk.timeline import Channel

    desk, mid = souk_chat.ctx.desk, souk_chat.merchant_id
    await desk.ensure(mid, "sess-es-1", shopper="shopper-es", channel=Channel.ASSISTANT_TEXT, language="es")
    seq = await desk.shopper_message(mid, "sess-es-1", shopper="shopper-es", text=SPANISH)
    await desk.request_human(mid, "sess-es-1", shopper="shopper-es", reason=HandoffReason.EXPLICIT_REQUEST,
                             packet=None, vip=False, video=False)
    token = souk_chat.ctx.tokens.mint(merchant_id=mid, identity="agent-en", room="*", role="agent", name="Eve")
    ctx = await chromium.new_context(locale="en-GB")
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{souk_chat.base_url}/desk?token={token}")
    await page.locator('#inbox-waiting li[data-id="sess-es-1"]').click(timeout=15_000)
    line = page.locator(f'#timeline li[data-seq="{seq}"]')
    await line.locator(".ev-text").filter(has_text=SPANISH).wait_for(timeout=10_000)
    await line.locator("button.tr-toggle").click()
    await page.wait_for_function(
        f"() => document.querySelector('#timeline li[data-seq=\"{seq}\"]').dataset.view === 'translated'",
        timeout=10_000)
    assert "Linen Summer Dress" in await line.locator(".ev-text").inner_text()
    await line.locator("button.tr-toggle").click()
    await line.locator(".ev-text").filter(has_text=SPANISH).wait_for(timeout=5_000)
    assert errors == []
    await ctx.close()
