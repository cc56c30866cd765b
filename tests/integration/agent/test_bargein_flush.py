"""Barge-in on both output paths: the agent's queued audio is dropped the moment the user's speech is detected.

* WebSocket (/v1/voice): the socket's outbox loses the agent audio it has not written yet (events stay, in
  order), and over a real socket no agent frame arrives after the ``interrupted`` event.
* Janus participant (aiortc): the published track's queue is emptied in the same step; the track plays
  silence from the next frame on.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import websockets
from voice_server import serve, shopper_token

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "agent"))
from voice_fakes import (
    SILENCE,
    SPEECH,
    AmplitudeVadFactory,
    RecordingBrainSession,
    ScriptedStt,
    WordTts,
    settle,
)

from souk.agent.frames import FRAME_BYTES
from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.providers.base import SttResult
from souk.agent.service import VoiceService
from souk.agent.session import VoiceConfig, VoiceEngine
from souk.agent.transports.rtc import AgentAudioTrack, _RtcOutput
from souk.api.routes.voice import _SocketOutput
from souk.core.clock import ManualClock, SystemClock

LONG_REPLY = " ".join(["Your order shipped yesterday and it arrives on Friday."] * 6)


class _NoSocket:
    async def send_bytes(self, data: bytes) -> None:
        raise AssertionError("the writer is not running in this test")

    async def send_text(self, data: str) -> None:
        raise AssertionError("the writer is not running in this test")


async def test_socket_outbox_flush_drops_audio_and_keeps_events_in_order() -> None:
    out = _SocketOutput(_NoSocket())  # type: ignore[arg-type]
    await out.send_event({"type": "audio_start", "utterance": 1})
    for _ in range(20):
        await out.send_audio(bytes(FRAME_BYTES))
    await out.send_event({"type": "agent_text", "utterance": 1, "text": "hi"})
    await out.send_audio(bytes(FRAME_BYTES))
    out.flush_audio()
    left = [out.queue.get_nowait() for _ in range(out.queue.qsize())]
    assert [json.loads(x)["type"] for x in left if isinstance(x, str)] == ["audio_start", "agent_text"]
    assert not [x for x in left if isinstance(x, bytes)]


class _Brain:
    def new_session(self, *, customer_id: str | None = None, language: str | None = None,
                    channel: str = "text") -> RecordingBrainSession:
        return RecordingBrainSession(LONG_REPLY)


class _Stt:
    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        return SttResult("where is my order", language or "en", 1.0, len(pcm) / 32000, 0.0)

    async def aclose(self) -> None:
        pass


async def test_websocket_no_agent_audio_after_the_interrupted_event() -> None:
    clock = SystemClock()
    engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=_Stt(), tts=WordTts(clock, 0.0),  # type: ignore[arg-type]
                         config=VoiceConfig(echo_cancel=False), speculation=SpeculationPolicy(), clock=clock)
    async with serve(voice=VoiceService.of(engine), brain=_Brain()) as (url, tokens), \
            websockets.connect(url + "?token=" + shopper_token(tokens, role="guest")) as ws:
        got: list[tuple[float, Any]] = []

        async def read() -> None:
            async for msg in ws:
                got.append((time.monotonic(), msg if isinstance(msg, bytes) else json.loads(msg)))

        reader = asyncio.create_task(read())

        async def send(frame: bytes, seconds: float) -> None:
            t0 = time.monotonic()
            for k in range(round(seconds / 0.02)):
                await ws.send(frame)
                await asyncio.sleep(max(0.0, t0 + (k + 1) * 0.02 - time.monotonic()))

        def events(kind: str) -> list[tuple[float, dict[str, Any]]]:
            return [(t, m) for t, m in got if isinstance(m, dict) and m["type"] == kind]

        await send(SPEECH, 0.6)
        for _ in range(100):  # silence until the agent speaks, then let it talk for a while
            await send(SILENCE, 0.1)
            if events("audio_start"):
                break
        assert events("audio_start"), "the agent never answered"
        await send(SILENCE, 0.6)
        onset = time.monotonic()
        await send(SPEECH, 0.4)  # the user talks over the agent
        await send(SILENCE, 0.4)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        ((t_int, ev),) = events("interrupted")
        assert ev["reason"] == "barge_in"
        assert t_int - onset < 0.5  # detection needs ~100 ms of speech; generous for a loaded machine
        n_audio_start = len(events("audio_start"))
        answer = events("audio_start")[1][0] if n_audio_start > 1 else float("inf")
        late = [t for t, m in got if isinstance(m, bytes) and t_int < t < answer]
        assert late == []  # nothing of the interrupted utterance after "interrupted"


async def test_janus_track_queue_is_emptied_in_the_step_that_detects_the_barge_in() -> None:
    clock = ManualClock()
    engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=ScriptedStt(clock, lambda _s: "where is my order"),
                         tts=WordTts(clock), config=VoiceConfig(echo_cancel=False),
                         speculation=SpeculationPolicy(), clock=clock)
    track = AgentAudioTrack()
    events: list[tuple[float, dict[str, Any], int]] = []
    out = _RtcOutput(track, lambda ev: events.append((clock.now(), ev, len(track._queue))))
    session = engine.new_session(RecordingBrainSession(LONG_REPLY), out)
    session.start()

    async def feed(frame: bytes, seconds: float) -> None:
        for _ in range(round(seconds / 0.02)):
            await clock.advance(0.02)
            await session.feed_audio(frame)
            await settle()

    try:
        await feed(SPEECH, 1.0)
        await feed(SILENCE, 1.5)
        assert session.playback.speaking
        # nobody pulls the track here (no encoder): the agent's frames pile up in its queue
        assert len(track._queue) > 10
        await feed(SPEECH, 0.3)
        interrupted = [(t, ev, q) for t, ev, q in events if ev["type"] == "interrupted"]
        assert interrupted and interrupted[0][2] == 0  # already empty when the event was raised
        assert len(track._queue) == 0
        spoken = track.frames_spoken
        frame = await asyncio.wait_for(track.recv(), 1.0)  # the encoder's next pull: silence
        assert track.frames_spoken == spoken
        assert not frame.to_ndarray().any()
    finally:
        await session.aclose()
        await engine.aclose()
        track.stop()
