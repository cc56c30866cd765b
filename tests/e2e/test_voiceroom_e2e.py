"""A voice room in real headless Chromium through Janus's AudioBridge: the host opens the room from the host
view, two listeners join, one raises a hand, the host invites, the listener (refused until she ticks the
recording banner: the room is recorded) takes the seat and speaks; the
others hear both speakers (each speaker's fake microphone plays its own tone, measured as energy at that
frequency with a WebAudio analyser on what each page plays), the talking rings follow who speaks, a host mute silences the
speaker in the mix until the host unmutes it, and when the host removes the speaker its tone is gone. The
room was recorded: after the host ends it, its mix is a ready replay served by the replay routes.

Each speaking page runs in its own Chromium (the fake microphone's WAV file is a browser-wide flag).
Run alone with: python -m souk.media.netns run -- .venv/bin/python -m pytest tests/e2e -k voiceroom
"""

from __future__ import annotations

import asyncio
import math
import struct
import time
import wave
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS, CORE_FEATURES, Souk, media_souk, need_media

pytestmark = [pytest.mark.browser, pytest.mark.janus, pytest.mark.slow]

FEATURES = (*CORE_FEATURES, "souk.api.routes.rtm", "souk.api.routes.live", "souk.api.routes.group_buys",
            "souk.api.routes.replay", "souk.api.routes.voice_rooms", "souk.api.routes.voice_pages",
            "souk.api.routes.consent")
ROOM = "voice-e2e"
HOST_HZ, ANN_HZ = 440, 1250
HEARD_DB = 20.0  # a tone is heard when its peak stands this far above the spectrum's median
LOUD_DB = -80.0  # and is louder than this (a heard tone measured about -55 here; a removed one's trace -94)

# Peak level (dB) at two frequencies and the median level of what the page's <audio id="mix"> plays.
SPECTRUM = """async ([f1, f2]) => {
  const el = document.getElementById("mix");
  const stream = el && el.srcObject;
  if (!stream || !stream.getAudioTracks().length) return null;
  const ctx = window.__voiceCtx || (window.__voiceCtx = new AudioContext());
  await ctx.resume();
  const src = ctx.createMediaStreamSource(stream);
  const an = ctx.createAnalyser();
  an.fftSize = 8192; an.smoothingTimeConstant = 0.6;
  src.connect(an);
  await new Promise((r) => setTimeout(r, 800));
  const data = new Float32Array(an.frequencyBinCount);
  an.getFloatFrequencyData(data);
  src.disconnect();
  const bin = (f) => Math.round(f / (ctx.sampleRate / an.fftSize));
  const peak = (f) => Math.max(...[-3, -2, -1, 0, 1, 2, 3].map((d) => data[bin(f) + d]));
  const finite = [...data].filter(Number.isFinite).sort((a, b) => a - b);
  return { a: peak(f1), b: peak(f2), floor: finite[Math.floor(finite.length / 2)] };
}"""


def tone_wav(path: Path, hz: float, seconds: float = 6.0, rate: int = 48_000) -> Path:
    frames = b"".join(struct.pack("<h", int(12_000 * math.sin(2 * math.pi * hz * i / rate)))
                      for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


@pytest.fixture
async def souk_voice(tmp_path: Path) -> AsyncIterator[Souk]:
    need_media(browser=True)
    async with media_souk(tmp_path, FEATURES) as s:
        yield s


def audible(spectrum: dict[str, float], key: str) -> bool:
    return spectrum[key] - spectrum["floor"] > HEARD_DB and spectrum[key] > LOUD_DB


async def heard(page: Any, timeout: float = 30.0, *, host: bool, ann: bool) -> dict[str, float]:
    """Wait until the page hears the host's tone iff ``host`` and the speaker's iff ``ann``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got: dict[str, float] | None = None
    while loop.time() < deadline:
        got = await page.evaluate(SPECTRUM, [HOST_HZ, ANN_HZ])
        if got and audible(got, "a") == host and audible(got, "b") == ann:
            return got
        await asyncio.sleep(0.3)
    raise AssertionError(f"expected host={host} ann={ann} heard; spectrum {got}")


async def test_hand_invite_seat_speak_hear_both_talking_rings_and_remove(souk_voice: Souk, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    souk = souk_voice
    mint = souk.ctx.tokens.mint

    def url(identity: str, role: str, view: str = "") -> str:
        token = mint(merchant_id=souk.merchant_id, identity=identity, room=ROOM, role=role, name=identity.title())
        return f"{souk.base_url}/voice/{ROOM}{view}?m={souk.merchant_id}#token={token}"

    wavs = {"hana": tone_wav(tmp_path / "host.wav", HOST_HZ), "ann": tone_wav(tmp_path / "ann.wav", ANN_HZ),
            "bob": tone_wav(tmp_path / "bob.wav", 0.0)}
    async with async_playwright() as pw, AsyncExitStack() as stack:
        pages = {}
        for who in ("hana", "ann", "bob"):
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[
                *CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wavs[who]}"])
            stack.push_async_callback(browser.close)
            pages[who] = page = await browser.new_page()
            page.on("console", lambda m, who=who: print(f"[{who}] {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        host, ann, bob = pages["hana"], pages["ann"], pages["bob"]

        async with httpx.AsyncClient(base_url=souk.base_url) as http:  # the merchant schedules it, recorded
            r = await http.post("/v1/voice-rooms", headers={"Authorization": f"Bearer {souk.api_key}"}, json={
                "room_id": ROOM, "host_identity": "hana", "title": "Tea Q&A", "seats": 8, "record": True})
            assert r.status_code == 201, r.text
        await host.goto(url("hana", "host", "/host"))
        await host.wait_for_selector("#room-status.live", timeout=15_000)
        room = await souk.ctx.storage.voice_rooms.get(souk.merchant_id, ROOM)
        assert room.host_identity == "hana" and room.live
        await ann.goto(url("ann", "audience"))
        await bob.goto(url("bob", "audience"))
        for page in (ann, bob):
            await page.wait_for_selector("#room-status.live", timeout=15_000)
        await heard(bob, host=True, ann=False)  # a listener hears the host
        await heard(ann, host=True, ann=False)

        await ann.click("#hand-btn")
        await host.click('#hands li[data-identity="ann"] button.invite', timeout=10_000)
        await ann.wait_for_selector("#invite:not(.hidden)", timeout=10_000)
        # the room is recorded: the recording banner in her language; without agreeing the seat is refused
        await ann.wait_for_selector("#seat-rec:not(.hidden)", timeout=10_000)
        await ann.wait_for_function("document.querySelector('#seat-rec').dataset.version", timeout=10_000)
        await ann.click("#accept-btn")
        await ann.wait_for_selector("#notice:has-text('recorded')", timeout=10_000)
        assert (await souk.ctx.storage.voice_rooms.get(souk.merchant_id, ROOM)).seats.speakers == {}
        await ann.check("#seat-consent")
        await ann.click("#accept-btn")
        await ann.wait_for_selector('li.seat.me[data-identity="ann"]', timeout=10_000)
        assert await souk.ctx.storage.consent.of_subject(souk.merchant_id, "ann")  # her yes, stored
        assert (await souk.ctx.storage.voice_rooms.get(souk.merchant_id, ROOM)).seats.speakers == {"ann": False}

        print("bob", await heard(bob, host=True, ann=True))  # the other listener hears both speakers
        print("host", await heard(host, host=False, ann=True))  # each speaker hears the other, never itself
        print("ann", await heard(ann, host=True, ann=False))
        for page in (bob, host):  # talking rings follow who speaks
            await page.wait_for_selector("#host-spot.talking", timeout=15_000)
            await page.wait_for_selector('li.seat.talking[data-identity="ann"]', timeout=15_000)
        assert await bob.locator("#listeners").inner_text() != ""

        await host.click('li.seat[data-identity="ann"] button.mute')  # the host mutes the speaker in the bridge
        await bob.wait_for_selector('li.seat.muted[data-identity="ann"]', timeout=10_000)
        await heard(bob, host=True, ann=False)
        await host.click('li.seat[data-identity="ann"] button.mute')  # and unmutes it
        await heard(bob, host=True, ann=True)

        await host.click("#mute-btn")  # the host's own mute (it holds no seat: the socket's voice.mute)
        await heard(bob, host=False, ann=True)
        await host.click("#mute-btn")
        await heard(bob, host=True, ann=True)

        await host.click('li.seat[data-identity="ann"] button.kick')
        await bob.wait_for_selector('li.seat[data-identity="ann"]', state="detached", timeout=10_000)
        await heard(bob, host=True, ann=False)  # the removed speaker is gone from the mix
        await heard(ann, host=True, ann=False)  # and listens again
        async with httpx.AsyncClient(base_url=souk.base_url) as http:
            r = await http.get(f"/v1/voice-rooms/{ROOM}", headers={"Authorization": f"Bearer {souk.api_key}"})
            assert r.status_code == 200 and all(s["identity"] is None for s in r.json()["seats"])
            opened = r.json()["created_at"]
            await host.click("#end-btn")  # the host ends the room: its recorded mix becomes a replay
            await bob.wait_for_selector("#room-status.ended", timeout=10_000)
            rec_id = f"{ROOM}.voice-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(opened))
            viewer = {"Authorization": f"Bearer {mint(merchant_id=souk.merchant_id, identity='bob', room=ROOM, role='audience')}"}
            for _ in range(50):
                replay = (await http.get(f"/v1/replays/{rec_id}", headers=viewer)).json()
                if replay.get("status") == "ready":
                    break
                await asyncio.sleep(0.2)
            assert replay["status"] == "ready", replay
            assert replay["duration_s"] > 5 and replay["participants"][0]["duration_s"] > 5, replay
            media = await http.get(replay["video_url"], headers=viewer)
            assert media.status_code == 200 and media.content[:4] == b"RIFF" and len(media.content) > 100_000
