"""OpenAI-compatible speech providers against a local fake server (real HTTP on loopback)."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from voice_server import free_port

from souk.agent.providers.openai_compat import OpenAiStt, OpenAiTts
from souk.core.errors import BadRequest, Timeout, Unavailable


def fake_speech_server(calls: list[dict[str, Any]]) -> web.Application:
    async def transcriptions(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        upload = form["file"]
        assert isinstance(upload, web.FileField)
        with wave.open(io.BytesIO(upload.file.read())) as w:
            calls.append({"rate": w.getframerate(), "frames": w.getnframes(), "model": form.get("model"),
                          "language": form.get("language"), "auth": request.headers.get("authorization")})
        mode = form.get("language")
        if mode == "xx":
            return web.Response(text="boom", status=500)
        if mode == "yy":
            return web.json_response({"no_text": True})
        if mode == "zz":
            await asyncio.sleep(2)
        return web.json_response({"text": " where is my order ", "language": "english"})

    async def speech(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        calls.append(body)
        if body["input"].startswith("refuse"):
            return web.json_response({"error": "bad voice"}, status=400)
        n = 24000 * len(body["input"].split()) // 4  # 0.25 s a word at 24 kHz
        tone = (np.sin(np.arange(n) * 2 * np.pi * 300 / 24000) * 8000).astype("<i2")
        return web.Response(body=tone.tobytes(), content_type="audio/pcm")

    app = web.Application()
    app.router.add_post("/v1/audio/transcriptions", transcriptions)
    app.router.add_post("/v1/audio/speech", speech)
    return app


@pytest.fixture
async def speech_url() -> Any:
    calls: list[dict[str, Any]] = []
    port = free_port()
    runner = web.AppRunner(fake_speech_server(calls))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/v1", calls
    await runner.cleanup()


async def test_openai_stt_round_trip_and_errors(speech_url: Any) -> None:
    url, calls = speech_url
    stt = OpenAiStt(url, api_key="k-123", timeout_s=1.0)
    try:
        r = await stt.transcribe(bytes(32000), language=None)
        assert r.text == "where is my order" and r.language == "en"
        assert calls[-1]["rate"] == 16000 and calls[-1]["frames"] == 16000
        assert calls[-1]["auth"] == "Bearer k-123" and calls[-1]["model"] == "whisper-1"
        with pytest.raises(Unavailable):
            await stt.transcribe(bytes(3200), language="xx")
        with pytest.raises(Unavailable) as malformed:
            await stt.transcribe(bytes(3200), language="yy")
        assert malformed.value.code == "speech_malformed"
        with pytest.raises(Timeout):
            await stt.transcribe(bytes(3200), language="zz")
    finally:
        await stt.aclose()


async def test_openai_tts_streams_16k_clauses_and_reports_refusals(speech_url: Any) -> None:
    url, calls = speech_url
    tts = OpenAiTts(url, voice="nova")
    try:
        chunks = [c async for c in tts.stream("Sure, your order shipped yesterday. It arrives Friday.", "en")]
        assert chunks[0][0] == "Sure,"
        for clause, pcm in chunks:
            assert abs(len(pcm) / 2 / 16000 - 0.25 * len(clause.split())) < 0.01  # 24 kHz -> 16 kHz
        assert calls[-1]["voice"] == "nova" and calls[-1]["response_format"] == "pcm"
        with pytest.raises(BadRequest):
            _ = [c async for c in tts.stream("refuse this please", "en")]
    finally:
        await tts.aclose()


async def test_unreachable_speech_service_is_unavailable() -> None:
    stt = OpenAiStt(f"http://127.0.0.1:{free_port()}/v1", timeout_s=1.0)
    try:
        with pytest.raises(Unavailable) as err:
            await stt.transcribe(bytes(3200))
        assert err.value.retryable
    finally:
        await stt.aclose()
