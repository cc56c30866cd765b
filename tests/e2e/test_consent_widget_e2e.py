"""The assistant widget's AI notice in real headless Chromium (docs/privacy.md "Consent"): a Chinese-speaking
shopper sees it in Chinese before the first AI turn; "I want a person" stores the no (language, wording
version, channel widget) and hands over; their next message goes to the desk's people, never to the AI.

Run with: python -m souk.media.netns run --fallback -- .venv/bin/python -m pytest -q tests/e2e -k consent_widget
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from souk.auth.tokens import Role
from tests.fixtures.browser import running_souk

pytestmark = [pytest.mark.browser]

SHOPPER = "C-505"
WIDGET_INPUT = ".souk-assistant > form input"


async def test_ai_notice_in_chinese_declined_hands_over(tmp_path: Path, chromium: Any) -> None:
    async with running_souk(tmp_path / "souk", features=None) as souk:
        assert souk.ctx.assistant is not None and souk.ctx.desk is not None
        await asyncio.wait_for(souk.ctx.assistant.warm(), 180)
        page = await (await chromium.new_context(locale="zh-CN")).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=SHOPPER, room="lobby",
                                     role=Role.MEMBER, name=SHOPPER)
        await page.goto(f"{souk.base_url}/shop/AP-1001?lang=zh#token={token}")
        await page.wait_for_selector(WIDGET_INPUT, timeout=20_000)

        notice = page.locator(".souk-consent")
        await notice.wait_for(timeout=10_000)
        assert "AI" in await notice.locator("h3").inner_text() and await notice.get_attribute("lang") == "zh"
        assert await page.locator(".souk-msg.agent").count() == 0  # before the first AI turn
        await page.click(".souk-consent-no")
        await notice.wait_for(state="detached", timeout=10_000)
        [record] = await souk.ctx.storage.consent.of_subject(souk.merchant_id, SHOPPER)
        assert not record.granted and record.kind.value == "ai_processing"
        assert record.language == "zh" and record.channel.value == "widget"

        # handed over; a message now goes to the people and the AI keeps quiet
        await page.locator(".souk-msg.desk-queued, .souk-msg.desk-nobody_online, .souk-msg.desk-after_hours, "
                           ".souk-msg.pending").first.wait_for(timeout=10_000)
        await page.fill(WIDGET_INPUT, "我的订单在哪里？")
        await page.press(WIDGET_INPUT, "Enter")
        conv = (await souk.ctx.storage.desk.find(souk.merchant_id, shopper=SHOPPER))[0]
        for _ in range(40):
            texts = [getattr(e, "text", "") for _, e in await souk.ctx.storage.desk.events(souk.merchant_id, conv.id)]
            if "我的订单在哪里？" in texts:
                break
            await asyncio.sleep(0.25)
        assert "我的订单在哪里？" in texts, texts
        await asyncio.sleep(1.0)
        assert await page.locator(".souk-msg.agent").count() == 0
        assert errors == []
