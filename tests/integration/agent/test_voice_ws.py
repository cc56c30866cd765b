"""The voice WebSocket end to end: auth, bad input, and (with the real models) a spoken turn."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import websockets
from voice_server import serve, shopper_token

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "agent"))
from voice_fakes import AmplitudeVadFactory, RecordingBrainSession, WordTts

from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.providers.base import SttResult
from souk.agent.service import VoiceService
from souk.agent.session import VoiceConfig, VoiceEngine
from souk.core.clock import SystemClock
from tests.fixtures.wsframes import frames_until


class FakeBrain:
    def __init__(self) -> None:
        self.sessions: list[RecordingBrainSession] = []
        self.customers: list[str | None] = []

    def new_session(self, *, customer_id: str | None = None, language: str | None = None,
                    channel: str = "text") -> RecordingBrainSession:
        s = RecordingBrainSession("Your order shipped yesterday. It arrives on Friday.")
        self.sessions.append(s)
        self.customers.append(customer_id)
        return s


class EchoStt:
    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        return SttResult("hello", language or "en", 1.0, len(pcm) / 32000, 0.0)

    async def aclose(self) -> None:
        pass


def fake_voice() -> VoiceService:
    clock = SystemClock()
    engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=EchoStt(), tts=WordTts(clock, 0.0),  # type: ignore[arg-type]
                         config=VoiceConfig(), speculation=SpeculationPolicy(), clock=clock)
    return VoiceService.of(engine)


async def test_auth_is_required_and_bad_tokens_close_with_4401() -> None:
    async with serve(voice=fake_voice(), brain=FakeBrain()) as (url, _tokens):
        async with websockets.connect(url + "?token=nope") as ws:
            ev = json.loads(await ws.recv())
            assert ev["type"] == "error" and ev["code"] == "token_invalid"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4401
        async with websockets.connect(url) as ws:
            await ws.send(b"\x00" * 640)  # audio before auth
            ev = json.loads(await ws.recv())
            assert ev["code"] == "token_missing"


async def test_first_message_auth_typed_turn_and_bad_input() -> None:
    brain = FakeBrain()
    async with serve(voice=fake_voice(), brain=brain) as (url, tokens):
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": shopper_token(tokens)}))
            ready = json.loads(await ws.recv())
            assert ready["type"] == "ready" and ready["sample_rate"] == 16000
            await ws.send(b"\x01\x02\x03")  # odd number of bytes: not 16-bit PCM
            await ws.send(b"\x00" * 40_000)  # more than 1 s in one message
            await ws.send("not json")
            await ws.send(json.dumps({"type": "text", "text": "x" * 20_000}))
            await ws.send(json.dumps({"type": "dance"}))
            await ws.send(json.dumps({"type": "ping"}))
            evs = await frames_until(ws, "pong")
            codes = [e.get("code") for e in evs if e["type"] == "error"]
            assert codes == ["bad_audio", "audio_too_large", "bad_json", "text_too_large", "unknown_type"]
            await ws.send(json.dumps({"type": "text", "text": "where is my order"}))
            evs = await frames_until(ws, "audio_start")
            agent = [e for e in evs if e["type"] == "agent_text"]
            assert agent and agent[0]["text"].startswith("Your order shipped")
            await ws.send(json.dumps({"type": "bye"}))
        await asyncio.sleep(0.2)
        assert brain.sessions[0].turns == ["where is my order"]
        assert brain.sessions[0].closed  # the brain session ends with the socket
        assert brain.customers == ["cust_1"]


async def test_garbage_noise_and_silence_never_hang() -> None:
    brain = FakeBrain()
    async with serve(voice=fake_voice(), brain=brain) as (url, tokens), \
            websockets.connect(url + "?token=" + shopper_token(tokens, role="guest")) as ws:
        await frames_until(ws, "ready")
        for _ in range(100):  # 2 s of silence
            await ws.send(bytes(640))
        await ws.send(json.dumps({"type": "ping"}))
        evs = await frames_until(ws, "pong")
        assert not [e for e in evs if e["type"] in ("transcript", "error")]
        for _ in range(60):  # 60 bad messages in a row: the server gives up on this client
            await ws.send(b"\x01")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 4400
    assert brain.customers == [None]  # a guest token is an anonymous shopper


def _say(text: str, voice: str = "en-us") -> bytes:
    raw = subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "--stdout", text], capture_output=True,
                         check=True).stdout
    from souk.agent.audio import float_to_pcm, resample

    with wave.open(io.BytesIO(raw)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        return float_to_pcm(resample(x, w.getframerate()))


@pytest.mark.models
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
async def test_spoken_turn_with_real_models() -> None:
    from souk.agent.factory import build_voice_engine
    from souk.core.settings import load_settings

    engine = await asyncio.to_thread(build_voice_engine, load_settings())
    brain = FakeBrain()
    try:
        async with serve(voice=VoiceService.of(engine), brain=brain) as (url, tokens), \
                websockets.connect(url + "?token=" + shopper_token(tokens), max_queue=None) as ws:
            await frames_until(ws, "ready")
            pcm = bytes(6400) + _say("Where is my order from last week?") + bytes(32000)
            t_last_speech = 0.0
            start = time.monotonic()
            for i in range(0, len(pcm), 640):  # paced like a browser: 20 ms a frame
                await ws.send(pcm[i:i + 640])
                if i < len(pcm) - 32000:
                    t_last_speech = time.monotonic()
                delay = start + (i // 640 + 1) * 0.02 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            evs: list[dict[str, Any]] = []
            audio = 0
            first_audio = 0.0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and audio < 25:
                msg = await asyncio.wait_for(ws.recv(), 10)
                if isinstance(msg, bytes):
                    assert len(msg) == 640
                    audio += 1
                    first_audio = first_audio or time.monotonic()
                else:
                    evs.append(json.loads(msg))
        final = [e for e in evs if e["type"] == "transcript"]
        assert final and "order" in final[0]["text"].lower() and final[0]["language"] == "en"
        assert brain.sessions[0].turns and "order" in brain.sessions[0].turns[0].lower()
        metrics = [e for e in evs if e["type"] == "metrics"]
        assert metrics and metrics[0]["first_audio_out_ms"] > metrics[0]["stt_done_ms"] > 0
        assert audio >= 25 and first_audio > t_last_speech
    finally:
        await engine.aclose()
