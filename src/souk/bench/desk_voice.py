"""The voice path of ``souk bench desk``: shopper speech -> the AI attendant in a ringing video consult -> its
first audio, through Janus (souk.bench.attendant.speech_to_ai_audio, helper C's measuring shopper).

Run after the chat load, alone, in the bench's own process: an embedded Janus (MediaPlane), a ConsultService on
a fresh demo store, the AiAttendant (souk.consult.attendant) listening to it with the real voice engine
(VAD, speech-to-text, text-to-speech: souk.agent.factory) and the merchant's real assistant brain (warmed
first, not timed). A scripted shopper rings, joins the room, publishes a microphone and, once the AI's
greeting is over, asks ``rounds`` questions (espeak-ng speech); each is timed from the end of its speech
to the first non-silent frame of the AI's answer received back through Janus. A question not answered within
``answer_timeout_s`` counts at that timeout in the percentiles and in ``failed``. When something it needs is
missing (espeak-ng, the models, Janus, network namespaces) it says what, and measures nothing.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from souk.core.settings import Settings
from souk.core.stats import percentile

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 10.0
QUESTIONS = (
    "Where is my order? I bought a lamp last week.",
    "Do you ship to Spain?",
    "What is your return policy?",
    "How much is shipping to Germany?",
    "Is the desk lamp in stock?",
)
MERCHANT, SKU = "lumen", "AP-1001"  # the demo store and one of its products


def missing(settings: Settings) -> str | None:
    """Why the voice path cannot be measured here, or None."""
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (the scripted shopper's speech): apt-get install espeak-ng"
    if shutil.which(settings.janus.binary) is None:
        return f"Janus ({settings.janus.binary}) is not installed"
    return None


async def measure_voice(settings: Settings, rounds: int) -> dict[str, Any]:
    reason = missing(settings)
    if reason is not None:
        return {"measured": False, "reason": reason}
    try:
        samples = await _run(settings, rounds)
    except Exception as exc:  # the chat figures stand; the voice path says why it has none
        log.warning("desk bench: the voice path failed: %s", exc, exc_info=True)
        return {"measured": False, "reason": f"{type(exc).__name__}: {str(exc)[:300]}"}
    limit = ANSWER_TIMEOUT_S * 1000
    ms = [limit if x is None else min(x, limit) for x in samples]
    return {
        "measured": True, "rounds": len(ms), "failed": sum(1 for x in samples if x is None or x >= limit),
        "speech_to_ai_audio_p50_ms": percentile(ms, 0.5), "speech_to_ai_audio_p95_ms": percentile(ms, 0.95),
        "samples_ms": [None if x is None else round(x, 1) for x in samples],
        "what": "end of the shopper's speech (published to Janus) -> first non-silent frame of the AI "
                "attendant's answer received back through Janus; one call, questions one after another, "
                "measured after the chat load, in the bench's process (real VAD/STT/TTS, the demo store's "
                "assistant)",
    }


async def _run(settings: Settings, rounds: int) -> list[float | None]:
    from souk.agent.factory import build_voice_engine
    from souk.agent.service import VoiceService
    from souk.api.stores import StorageAdapter
    from souk.assistant.service import AssistantService
    from souk.bench.agent.utterances import synthesize
    from souk.bench.attendant import speech_to_ai_audio
    from souk.consult.attendant import AiAttendant
    from souk.consult.roster import HubRoster
    from souk.consult.service import ConsultService
    from souk.core.clock import SystemClock
    from souk.core.settings import CallSettings
    from souk.live.shows import RoomCloser
    from souk.media.plane import MediaPlane
    from souk.signal.hub import SignalHub
    from souk.storage import open_storage, seed_demo

    questions = [synthesize("en", QUESTIONS[i % len(QUESTIONS)]).pcm for i in range(rounds)]
    async with AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="souk-bench-desk-voice-")))
        janus = settings.janus.model_copy(update={"mode": "embedded", "ws_port": 0, "admin_ws_port": 0})
        local = settings.model_copy(update={"data_dir": str(tmp), "database_url": "", "janus": janus})
        storage = await open_storage(local)
        stack.push_async_callback(storage.aclose)
        await seed_demo(storage)
        plane = await MediaPlane.start(local, workdir=tmp / "janus")
        stack.push_async_callback(plane.aclose)
        assistant = AssistantService.from_settings(local, storage)
        await assistant.warm()
        engine = await asyncio.to_thread(build_voice_engine, settings)
        voice = VoiceService.of(engine, max_sessions=2)
        stack.push_async_callback(voice.aclose)
        hub = SignalHub()
        adapter = StorageAdapter(storage)
        calls = ConsultService(CallSettings(ring_timeout_s=120, max_call_s=600), store=adapter, products=adapter,
                               clock=SystemClock(), rooms=RoomCloser(hub, plane))
        stack.push_async_callback(calls.aclose)

        async def nowhere(*_: Any) -> None:  # what was said would land on the desk's timeline
            return None

        attendant = AiAttendant(media=plane, voice=voice, brains=assistant, on_line=nowhere, clock=SystemClock(),
                                join_after_s=0.2, roster=HubRoster(hub))
        stack.push_async_callback(attendant.aclose)
        calls.add_listener(attendant)
        calls.add_listener(hub)
        result = await speech_to_ai_audio(calls, plane, questions, merchant_id=MERCHANT, product_sku=SKU,
                                          language="en", answer_timeout_s=ANSWER_TIMEOUT_S)
        return list(result.samples_ms)
