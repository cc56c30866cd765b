"""voice.js in real headless Chromium: its fake microphone plays a synthesized question; the agent answers."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from voice_server import serve, shopper_token

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "agent"))

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.models,
              pytest.mark.skipif(not Path(CHROMIUM).exists() or shutil.which("espeak-ng") is None,
                                 reason="needs chromium and espeak-ng")]

PAGE = """<!doctype html><meta charset="utf-8"><script type="module">
import { startVoice } from "/static/assistant/voice.js";
window.__events = []; window.__states = [];
const token = new URLSearchParams(location.search).get("token");
try {
  const v = await startVoice({ token });
  for (const k of ["transcript", "agent_text", "metrics", "error", "interrupted"]) v.on(k, (e) => window.__events.push(e));
  v.on("state", (s) => window.__states.push(s));
  window.__voice = v;
} catch (e) { window.__events.push({ type: "start_failed", message: String(e), code: e.code }); }
</script>"""


def _wav(path: Path) -> None:
    raw = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "--stdout", "Where is my order?"],
                         capture_output=True, check=True).stdout
    src = path.with_suffix(".src.wav")
    src.write_bytes(raw)
    subprocess.run(["sox", str(src), "-r", "48000", "-c", "1", "-b", "16", str(path.with_suffix(".tmp.wav"))],
                   check=True)
    with wave.open(str(path.with_suffix(".tmp.wav"))) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    pad = np.zeros(48000 * 3, "<i2")  # the page needs a moment to open the mic and connect
    tail = np.zeros(48000 * 20, "<i2")  # Chromium loops the file: ask once per run
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(np.concatenate([pad, x, tail]).tobytes())


async def test_voice_js_round_trip_in_chromium(tmp_path: Path) -> None:
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from playwright.async_api import async_playwright
    from test_voice_ws import FakeBrain

    import souk.web
    from souk.agent.factory import build_voice_engine
    from souk.agent.service import VoiceService
    from souk.core.settings import load_settings

    wav = tmp_path / "question.wav"
    _wav(wav)
    engine = await asyncio.to_thread(build_voice_engine, load_settings())
    brain = FakeBrain()
    static = Path(next(iter(souk.web.__path__))) / "static"

    def extra(app):  # type: ignore[no-untyped-def]
        app.mount("/static", StaticFiles(directory=static), name="static")
        app.add_api_route("/voice-test", lambda: HTMLResponse(PAGE), methods=["GET"])

    try:
        async with serve(voice=VoiceService.of(engine), brain=brain, extra=extra) as (url, tokens):
            base = url.replace("ws://", "http://").replace("/v1/voice", "")
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless=new", "--no-sandbox", "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={wav}",
                    "--autoplay-policy=no-user-gesture-required", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-dev-shm-usage"])
                try:
                    page = await browser.new_page()
                    await page.goto(f"{base}/voice-test?token={shopper_token(tokens)}")
                    await page.wait_for_function(
                        "window.__states && window.__states.includes('agent_speaking')", timeout=30_000)
                    events = await page.evaluate("window.__events")
                    states = await page.evaluate("window.__states")
                    await page.evaluate("window.__voice.stop()")
                finally:
                    await browser.close()
    finally:
        await engine.aclose()
    kinds = [e["type"] for e in events]
    assert "start_failed" not in kinds, events
    transcript = next(e for e in events if e["type"] == "transcript")
    assert "order" in transcript["text"].lower(), json.dumps(events)
    assert any(e["type"] == "agent_text" for e in events)
    assert states.index("user_speaking") < states.index("agent_speaking")  # "listening" came before on() ran
    assert brain.sessions and "order" in brain.sessions[0].turns[0].lower()
