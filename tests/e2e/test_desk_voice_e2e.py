"""The assistant widget's voice mode with the desk in headless Chromium: the voice socket joins the chat's session
(one desk conversation), a typed turn in voice mode hands off to Ana with the notice spoken, and Ana's reply
is shown once (from the desk's frame; the voice session speaks it, its agent_text is not shown again).

The server's voice engine is the fake of the voice tests (loudness VAD, scripted speech-to-text, silent speech);
Chromium's fake microphone plays silence."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import Any

import pytest

from souk.assistant.offline import OfflineBrain
from tests.fixtures.assistant import brain, snap
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS
from tests.integration.api.desk_app import desk_souk, online_agent
from tests.integration.api.test_voice_desk import ScriptStt, voice

__all__ = ["brain", "snap"]

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

SHOPPER = "C-518"
INPUT = ".souk-assistant > form input"


def _silence(path: Path) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(bytes(2 * 48000 * 2))
    return str(path)


async def test_widget_voice_mode_is_one_desk_conversation(tmp_path: Path, brain: OfflineBrain) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make test installs it)")
    from playwright.async_api import async_playwright

    stt = ScriptStt()
    async with desk_souk(tmp_path / "souk", brain, voice=voice(stt)) as souk, async_playwright() as pw:
        args = [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={_silence(tmp_path / 'silence.wav')}"]
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            ana = await online_agent(souk, "ana", name="Ana")
            page = await (await browser.new_context(locale="es-ES")).new_page()
            errors: list[str] = []
            sockets: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("websocket", lambda ws: sockets.append(ws.url))
            await page.goto(f"{souk.base_url}/static/assistant/demo.html#token={souk.token(SHOPPER)}&lang=es")
            await page.wait_for_selector(INPUT, timeout=20_000)
            chat_url = next(u for u in sockets if "/v1/agent/ws" in u)
            await page.click(".souk-voice")
            for _ in range(100):
                if any("/v1/voice" in u for u in sockets):
                    break
                await asyncio.sleep(0.05)
            voice_url = next(u for u in sockets if "/v1/voice" in u)
            await page.wait_for_timeout(500)  # the voice socket's ready
            assert await _inbox(souk) == []  # nothing said yet
            assert "session=" in voice_url and "session=" not in chat_url

            await page.fill(INPUT, "Quiero hablar con una persona, por favor")  # typed in voice mode: a voice turn
            await page.press(INPUT, "Enter")
            await page.wait_for_function(
                "() => document.querySelector('.souk-status').dataset.status === 'assigned'", timeout=30_000)
            convs = await _inbox(souk)
            assert len(convs) == 1  # the chat's conversation: one desk conversation for both sockets
            cid = convs[0]["id"]
            assert f"session={cid}" in voice_url
            agent_lines = await page.locator(".souk-msg.agent").all_inner_texts()
            assert any("Ana" in t for t in agent_lines), agent_lines  # the spoken notice, shown

            async with souk.http(souk.staff("ana")) as c:
                r = await c.post(f"/v1/desk/conversations/{cid}/messages", json={"text": "Hola, soy Ana."})
                assert r.status_code == 200, r.text
            await page.locator(".souk-msg.human").first.wait_for(timeout=10_000)
            await page.wait_for_timeout(1000)  # the voice session's agent_text for it has come by now
            texts = await page.locator(".souk-msg").all_inner_texts()
            assert sum("Hola, soy Ana." in t for t in texts) == 1, texts
            assert not errors, errors
            await ana.aclose()
        finally:
            await browser.close()


async def _inbox(souk: Any) -> list[dict[str, Any]]:
    async with souk.http(souk.staff("ana")) as c:
        return list((await c.get("/v1/desk/conversations")).json()["conversations"])
