"""The shopper widget in headless Chromium against a real Souk (uvicorn, SQLite seeded with the demo store):
the assistant reads the store through the database-backed StoreReader."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from souk.auth.tokens import Role
from tests.fixtures.browser import running_souk

pytestmark = [pytest.mark.browser]

FEATURES = ("souk.api.routes.health", "souk.api.routes.auth", "souk.api.routes.pages", "souk.api.routes.agent")


async def test_widget_chat_cards_and_person_button(tmp_path: Path, chromium: Any) -> None:
    async with running_souk(tmp_path / "souk", features=FEATURES) as souk:
        service = souk.ctx.assistant
        await asyncio.wait_for(service.warm(), 120)  # the same work start() began in the background
        token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="C-518", room="lobby", role=Role.MEMBER)
        page = await chromium.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{souk.base_url}/static/assistant/demo.html#token={token}")
        await page.wait_for_selector(".souk-assistant > form input")
        await page.fill(".souk-assistant > form input", "Where is my order 1036?")
        await page.press(".souk-assistant > form input", "Enter")
        agent = page.locator(".souk-msg.agent", has_text="1Z5760225209")
        await agent.wait_for(timeout=20_000)
        assert await page.locator(".souk-card-order", has_text="1036").count() == 1
        await page.click(".souk-person")
        # the desk answers truthfully: nobody from the team is online, the AI keeps helping, an e-mail is offered
        await page.locator(".souk-msg.notice.desk-nobody_online").wait_for(timeout=20_000)
        assert "keeps helping" in await page.inner_text(".souk-msg.desk-nobody_online")
        assert await page.locator(".souk-email input").count() == 1
        assert await page.evaluate("window.handoffs.map(h => h.kind)") == ["human"]
        await page.fill(".souk-assistant > form input", "¿Cuánto tarda el envío a México?")
        await page.press(".souk-assistant > form input", "Enter")
        await page.locator(".souk-msg.agent", has_text="México").wait_for(timeout=20_000)
        assert await page.locator(".souk-person").inner_text() == "Hablar con una persona"
        assert errors == []
