"""Live captions in real headless Chromium through Janus: the host's fake microphone plays English speech
(Piper -> WAV, Chromium's --use-file-for-fake-audio-capture), the host turns captions on in the studio, a
viewer picks Spanish and reads Spanish captions (Apertium) of what the host says, over the video.

Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e -k captions
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from souk.api.app import FEATURES as APP_FEATURES
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS, Souk, need_media, running_souk

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

FEATURES = tuple(f for f in APP_FEATURES if f not in ("souk.api.routes.agent", "souk.api.routes.voice"))
ROOM = "live-demo"
SPEECH = ["Welcome to our live show.", "This jacket is very warm and the price is good."]


def speech_wav(path: Path) -> Path:
    """The host's microphone: the sentences with 1.5 s pauses, 48 kHz mono 16-bit (looped by Chromium)."""
    from souk.agent.audio import resample
    from souk.bench.agent.utterances import Voices, synthesize

    voices = Voices()
    parts = [np.zeros(24000, np.float32)]
    for s in SPEECH:
        pcm = np.frombuffer(synthesize("en", s, voices=voices).pcm, "<i2").astype(np.float32) / 32768
        parts += [pcm, np.zeros(24000, np.float32)]
    y = resample(np.concatenate(parts), 16000, 48000)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes((np.clip(y, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture
async def souk_live(tmp_path: Path) -> AsyncIterator[Souk]:
    from souk.core.settings import load_settings

    need_media()
    models = load_settings().models_path  # the checkout's assembled models (make models), not the test's data dir
    if not (models / "whisper-base" / "model.bin").is_file():
        pytest.skip("needs the Whisper model: make models")
    async with running_souk(tmp_path / "souk", media=True, features=FEATURES, agent={"models_dir": str(models)}) as s:
        yield s


@pytest.fixture
async def speaking_chromium(tmp_path: Path) -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (make test installs it)")
    from playwright.async_api import async_playwright

    wav = speech_wav(tmp_path / "host.wav")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM,
                                           args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}"])
        try:
            yield browser
        finally:
            await browser.close()


@pytest.mark.janus
@pytest.mark.models
@pytest.mark.slow
async def test_a_viewer_reads_spanish_captions_of_the_hosts_english(souk_live: Souk, speaking_chromium: Any) -> None:
    base = souk_live.base_url
    host = await (await speaking_chromium.new_context()).new_page()
    viewer = await (await speaking_chromium.new_context()).new_page()
    errors: list[str] = []
    for p in (host, viewer):
        p.on("pageerror", lambda e: errors.append(str(e)))
    await host.goto(f"{base}/live/{ROOM}/studio")
    await host.wait_for_function("() => window.soukStudio && window.soukStudio.ready", timeout=15_000)
    assert await host.is_disabled("#captions-on")  # per show: off air, no captions
    await host.click("#live-btn")
    await host.locator("#show-status", has_text="LIVE").wait_for(timeout=10_000)
    await host.wait_for_function("() => !!(window.soukStudio.room && window.soukStudio.room.pub)", timeout=15_000)
    await host.select_option("#captions-src", "en")
    await host.check("#captions-on")  # loads Whisper on first use
    captions = souk_live.ctx.captions
    assert captions is not None
    for _ in range(150):
        if captions.state(souk_live.merchant_id, ROOM)["enabled"]:
            break
        await asyncio.sleep(0.2)
    assert captions.state(souk_live.merchant_id, ROOM)["enabled"], await host.inner_text("#notice")
    assert await host.is_checked("#captions-on")

    await viewer.goto(f"{base}/live/{ROOM}")
    await viewer.wait_for_function("() => window.soukWatch && window.soukWatch.ready && window.soukWatch.captions",
                                   timeout=15_000)
    await viewer.select_option("#caption-lang", "es")
    line = viewer.locator('#captions p[data-lang="es"][data-final="true"]')
    await line.first.wait_for(timeout=60_000)
    texts = [t.lower() for t in await line.all_inner_texts()]
    spanish = {"bienvenido", "bienvenidos", "nuestro", "espectáculo", "chaqueta", "muy", "precio", "bueno", "caliente",
               "cálido", "vivo", "en directo"}
    assert any(w in t for t in texts for w in spanish), texts
    assert not any("welcome" in t or "jacket" in t for t in texts), texts  # translated, not the source
    # the server translates once per language: this viewer's Spanish is in the room's languages
    assert "es" in captions.state(souk_live.merchant_id, ROOM)["languages"]
    assert not errors, errors


async def test_the_replay_shows_its_captions_at_their_times_in_spanish(tmp_path: Path, chromium: Any) -> None:
    """A recorded show's stored captions over its replay video: the one translated live as kept, the other
    translated when the viewer picks Spanish, each shown while the video plays its moment."""
    import shutil
    import subprocess

    from souk.domain.captions import StoredCaption
    from souk.live.recording import write_manifest
    from souk.storage.repos.captions import SqlCaptionRepo
    from tests.fixtures.browser import CORE_FEATURES

    if shutil.which("ffmpeg") is None or shutil.which("apertium") is None:
        pytest.skip("needs ffmpeg and apertium")
    features = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.stage",
                "souk.api.routes.replay", "souk.api.routes.captions")
    async with running_souk(tmp_path / "souk", features=features) as souk:
        folder = souk.settings.data_path / "recordings" / souk.merchant_id / ROOM / "s9"
        folder.mkdir(parents=True)
        await asyncio.to_thread(subprocess.run, [
            "ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-t", "8", "-c:v",
            "libvpx", "-b:v", "200k", str(folder / "host-1.webm")], check=True)
        write_manifest(folder, {"id": f"{ROOM}.s9", "room": ROOM, "show_id": "s9", "title": "Jackets",
                                "status": "ready", "reason": None, "started_at": 100.0, "ended_at": 108.0,
                                "host": "host-demo", "participants": [{"identity": "host-demo", "file": "host-1.webm",
                                                                       "duration_s": 8.0, "main": True}]})
        repo = SqlCaptionRepo(souk.ctx.storage.db, souk.ctx.storage.clock)
        await repo.put(souk.merchant_id, StoredCaption("s9", 0, ROOM, "host-demo", "en", 500, 2500,
                                                       "Welcome to the show.", {"es": "Bienvenidos al programa."}))
        await repo.put(souk.merchant_id, StoredCaption("s9", 1, ROOM, "host-demo", "en", 4000, 6500,
                                                       "This jacket is very warm."))
        token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity="viewer-9", room=ROOM, role="audience")
        page = await (await chromium.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{souk.base_url}/replay/{ROOM}.s9#token={token}")
        await page.wait_for_function("() => window.soukReplay && window.soukReplay.ready", timeout=15_000)
        await page.select_option("#caption-lang", "es")
        await page.evaluate("() => { const v = document.getElementById('replay-video'); v.currentTime = 0; v.play(); }")
        first = page.locator('#captions p[data-seq="0"]')
        await first.wait_for(timeout=10_000)
        assert await first.inner_text() == "Bienvenidos al programa."  # kept from the live translation
        second = page.locator('#captions p[data-seq="1"]')
        await second.wait_for(timeout=10_000)
        said = (await second.inner_text()).lower()
        assert "chaqueta" in said and "jacket" not in said, said  # translated now (Apertium)
        await first.wait_for(state="detached", timeout=5_000)  # its moment is over
        assert not errors, errors


@pytest.mark.janus
@pytest.mark.models
@pytest.mark.slow
async def test_a_listener_reads_spanish_captions_of_a_voice_room(tmp_path: Path, speaking_chromium: Any) -> None:
    """The host of a voice room speaks English (the fake microphone), turns captions on in the host panel; a
    listener picks Spanish and reads the mix's captions in Spanish under the seats."""
    import httpx

    from souk.core.settings import load_settings
    from tests.fixtures.browser import CORE_FEATURES

    need_media(browser=True)
    models = load_settings().models_path
    if not (models / "whisper-base" / "model.bin").is_file():
        pytest.skip("needs the Whisper model: make models")
    room = "voice-captions"
    features = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.group_buys",
                "souk.api.routes.replay", "souk.api.routes.voice_rooms", "souk.api.routes.voice_pages",
                "souk.api.routes.captions")
    async with running_souk(tmp_path / "souk", media=True, features=features,
                            agent={"models_dir": str(models)}) as souk:
        def url(identity: str, role: str, view: str = "") -> str:
            token = souk.ctx.tokens.mint(merchant_id=souk.merchant_id, identity=identity, room=room, role=role,
                                         name=identity.title())
            return f"{souk.base_url}/voice/{room}{view}?m={souk.merchant_id}#token={token}"

        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            r = await http.post("/v1/voice-rooms", headers={"Authorization": f"Bearer {souk.api_key}"}, json={
                "room_id": room, "host_identity": "hana", "title": "Tea Q&A", "seats": 4})
            assert r.status_code == 201, r.text
        host = await (await speaking_chromium.new_context()).new_page()
        listener = await (await speaking_chromium.new_context()).new_page()
        errors: list[str] = []
        for p in (host, listener):
            p.on("pageerror", lambda e: errors.append(str(e)))
        await host.goto(url("hana", "host", "/host"))
        await host.wait_for_selector("#room-status.live", timeout=15_000)
        await host.check("#captions-on")
        captions = souk.ctx.captions
        assert captions is not None
        for _ in range(150):
            if captions.state(souk.merchant_id, room)["enabled"]:
                break
            await asyncio.sleep(0.2)
        assert captions.state(souk.merchant_id, room)["enabled"], await host.inner_text("#notice")
        await listener.goto(url("ann", "audience"))
        await listener.wait_for_selector("#room-status.live", timeout=15_000)
        await listener.select_option("#caption-lang", "es")
        line = listener.locator('#voice-captions p[data-lang="es"][data-final="true"]')
        await line.first.wait_for(timeout=60_000)
        texts = [t.lower() for t in await line.all_inner_texts()]
        assert any(w in t for t in texts for w in ("bienvenid", "chaqueta", "muy", "precio", "nuestro")), texts
        assert not errors, errors
