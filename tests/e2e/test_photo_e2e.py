"""Photo questions in real headless Chromium: the assistant widget's photo button sends a photo, the shopper
sees it, and the store's closest products come back as cards, in the shopper's language; a photo the server
refuses and a vision service that hangs are told in that language too, and the conversation goes on.
A local fake OpenAI-compatible vision server stands in for the provider.

Run with: .venv/bin/python -m pytest -q tests/e2e/test_photo_e2e.py
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from souk.auth.tokens import Role
from tests.fixtures.browser import running_souk
from tests.fixtures.fake_vision import fake_vision, hang, photo_of, says
from tests.fixtures.photo_bytes import GIF, photo

pytestmark = [pytest.mark.browser]

FEATURES = ("souk.api.routes.health", "souk.api.routes.pages", "souk.api.routes.agent", "souk.api.routes.photo")
JPEG = photo("bag_64x48.jpg")


async def test_photo_button_finds_products_and_explains_refusals(tmp_path: Path, chromium: Any) -> None:
    async with fake_vision() as fake, running_souk(
            tmp_path / "souk", features=FEATURES,
            agent={"vision_base_url": fake.url, "vision_model": "fake-vision", "vision_timeout_s": 1.5}) as souk:
        assert souk.ctx.assistant is not None and souk.ctx.photo is not None
        await asyncio.wait_for(souk.ctx.assistant.warm(), 180)  # type: ignore[attr-defined]
        token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="C-503", room="lobby",
                                     role=Role.MEMBER)
        page = await (await chromium.new_context(locale="es-ES")).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{souk.base_url}/static/assistant/demo.html#token={token}&lang=es")
        button = page.locator(".souk-assistant .souk-photo")
        await button.wait_for(timeout=20_000)
        assert await button.get_attribute("title") == "Envíe una foto para encontrar productos parecidos"
        await page.wait_for_function("() => window.assistant !== undefined", timeout=20_000)

        # a photo of earbuds: the shopper sees it, the store's earbuds come back as a card, in Spanish
        fake.script.append(says("Wireless earbuds, white, in-ear, charging case"))
        async with page.expect_file_chooser() as chooser:
            await button.click()
        await (await chooser.value).set_files(files=[{"name": "cascos.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
        card = page.locator('.souk-card-product[data-sku="EL-3001"]')
        await card.wait_for(timeout=20_000)
        preview = page.locator(".souk-msg.user.souk-photo-msg img")
        assert await preview.evaluate("(img) => img.complete && img.naturalWidth") == 64  # the photo, decoded
        answer = await page.locator(".souk-msg.agent").last.inner_text()
        assert answer.startswith("Esto es lo más parecido a su foto") and "Auriculares inalámbricos Pro" in answer
        assert photo_of(fake.requests[-1]) == ("image/jpeg", JPEG)  # the provider got the photo itself

        # a GIF: the widget refuses it before sending; GIF bytes said to be a JPEG: the server refuses (415)
        async def send(name: str, mime: str, data: bytes) -> str:
            before = await page.locator(".souk-photo-error").count()
            await page.set_input_files(".souk-photo-input", files=[{"name": name, "mimeType": mime, "buffer": data}])
            error = page.locator(".souk-photo-error").nth(before)
            await error.wait_for(timeout=10_000)
            return str(await error.inner_text())

        assert await send("anim.gif", "image/gif", GIF) == "Envíe una foto JPEG, PNG o WebP."
        assert await send("fake.jpg", "image/jpeg", GIF) == "Envíe una foto JPEG, PNG o WebP."
        assert await send("cut.jpg", "image/jpeg", JPEG[:40]) == "No se pudo leer el archivo como foto."
        assert len(fake.requests) == 1  # nothing refused reached the provider

        # a vision service that hangs: a clear answer within the configured timeout, never a spinner forever
        fake.script.append(hang(10.0))
        agents = await page.locator(".souk-msg.agent").count()
        await page.set_input_files(".souk-photo-input", files=[{"name": "b.jpg", "mimeType": "image/jpeg",
                                                                "buffer": JPEG}])
        late = page.locator(".souk-msg.agent").nth(agents)
        await late.wait_for(timeout=8_000)
        assert "tardó demasiado" in await late.inner_text()

        # the conversation goes on: a typed question about the product the photo found
        agents = await page.locator(".souk-msg.agent").count()
        await page.fill(".souk-assistant > form input", "¿hay stock?")
        await page.press(".souk-assistant > form input", "Enter")
        follow = page.locator(".souk-msg.agent").nth(agents)
        await follow.wait_for(timeout=20_000)
        assert "Auriculares inalámbricos Pro" in await follow.inner_text()
        assert errors == []
