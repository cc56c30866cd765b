"""Consent to recording in real headless Chromium through Janus (docs/privacy.md "Consent"): a Spanish-speaking
viewer invited on stage in a recorded show is asked in Spanish (the banner's words from /v1/consent/texts);
declining leaves no recording file of them; agreeing puts them on stage recorded, with the answer stored
(language, wording version, channel); "Stop recording me" stops their recorder at once.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e -k consent
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from souk.api.app import FEATURES as APP_FEATURES
from tests.fixtures.browser import Souk, bearer, media_souk

pytestmark = [pytest.mark.browser, pytest.mark.janus]

FEATURES = tuple(f for f in APP_FEATURES if f not in ("souk.api.routes.agent", "souk.api.routes.voice"))
ROOM = "live-demo"  # the demo tokens' live room


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


def files_of(folder: Path, who: str) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.glob(f"{who}-*") if p.is_file()} if folder.is_dir() else {}


async def growing(folder: Path, who: str, timeout: float = 20.0) -> dict[str, int]:
    first: dict[str, int] = {}
    for _ in range(int(timeout / 0.25)):
        now = files_of(folder, who)
        if first and sum(now.values()) > sum(first.values()) + 2000:
            return now
        first = first or now
        await asyncio.sleep(0.25)
    raise AssertionError(f"no growing recording of {who} in {folder}: {files_of(folder, who)}")


async def test_recording_asked_in_spanish_declined_then_agreed_then_withdrawn(souk_live: Souk, chromium: Any) -> None:
    souk = souk_live
    host = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="host-demo", room=ROOM, role="host")
    page = await (await chromium.new_context(locale="es-ES")).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    async with httpx.AsyncClient(base_url=souk.base_url, timeout=20, headers=bearer(host)) as http:
        r = await http.post(f"/v1/live/{ROOM}/show", json={"title": "Lámparas", "record": True})
        assert r.status_code == 200 and r.json()["recording"] is True, r.text
        show = souk.ctx.media.recordings_dir / souk.merchant_id / ROOM / r.json()["show_id"]

        await page.goto(f"{souk.base_url}/live/{ROOM}")
        await page.wait_for_function("() => window.soukWatch && window.soukWatch.ready", timeout=15_000)
        me = await page.evaluate("() => window.soukWatch.identity")

        # invited: the recording banner in Spanish; the viewer declines
        assert (await http.post(f"/v1/live/{ROOM}/stage/invite", json={"identity": me})).status_code == 200
        await page.locator("#invite").wait_for(state="visible", timeout=10_000)
        await page.locator('#invite-rec [data-consent="title"]', has_text="Esto se graba").wait_for(timeout=10_000)
        assert "escenario" in await page.inner_text('#invite-rec [data-consent="body"]')
        assert await page.get_attribute("#invite-rec", "lang") == "es"
        await page.click("#decline-btn")
        await page.locator("#invite").wait_for(state="hidden", timeout=5_000)
        await asyncio.sleep(2.0)
        assert files_of(show, me) == {} and not await page.evaluate("() => window.soukWatch.onStage")
        assert await souk.ctx.storage.consent.of_subject(souk.merchant_id, me) == []

        # invited again: joining without agreeing is refused; agreeing puts them on stage, recorded
        assert (await http.post(f"/v1/live/{ROOM}/stage/invite", json={"identity": me})).status_code == 200
        await page.locator("#invite").wait_for(state="visible", timeout=10_000)
        await page.locator('#invite-rec [data-consent="accept"]', has_text="Acepto").wait_for(timeout=10_000)
        await page.click("#accept-btn")
        await page.locator("#notice", has_text="agree to the recording").wait_for(timeout=5_000)
        assert files_of(show, me) == {}
        await page.check("#consent")
        await page.click("#accept-btn")
        await page.wait_for_function("() => window.soukWatch.onStage === true", timeout=15_000)
        await growing(show, me)
        [record] = await souk.ctx.storage.consent.of_subject(souk.merchant_id, me)
        assert record.granted and record.language == "es" and record.channel.value == "watch_page"
        assert record.text_version == souk.ctx.consent.texts.current[record.kind]  # type: ignore[union-attr]

        # "Stop recording me": the recorder stops, the viewer stays on stage
        await page.locator("#norec-btn").wait_for(state="visible", timeout=5_000)
        await page.click("#norec-btn")
        await page.locator("#notice", has_text="Recording of you stopped").wait_for(timeout=10_000)
        await asyncio.sleep(1.0)
        stopped = files_of(show, me)
        await asyncio.sleep(2.0)
        assert files_of(show, me) == stopped and not any(n.endswith(".tmp") for n in stopped), stopped
        assert await page.evaluate("() => window.soukWatch.onStage") is True
        assert errors == []
