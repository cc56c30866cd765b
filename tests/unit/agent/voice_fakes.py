"""Deterministic stand-ins for the speech engines and the brain, for fake-clock pipeline tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from souk.agent.brain import BrainReply
from souk.agent.frames import FRAME_BYTES
from souk.agent.providers.base import SttResult
from souk.core.clock import ManualClock

SPEECH = (5000).to_bytes(2, "little", signed=True) * (FRAME_BYTES // 2)
SILENCE = bytes(FRAME_BYTES)


class AmplitudeVad:
    """Speech when the window is loud: lets a test script exactly which windows are speech."""

    window_samples = 512

    def probability(self, window: bytes) -> float:
        return 1.0 if max(window[1::2]) > 10 else 0.0

    def reset(self) -> None:
        pass


class AmplitudeVadFactory:
    def stream(self) -> AmplitudeVad:
        return AmplitudeVad()


class ScriptedStt:
    """Returns ``script(seconds_of_audio)``; takes ``delay_s`` of clock time."""

    def __init__(self, clock: ManualClock, script: Callable[[float], str], delay_s: float = 0.1) -> None:
        self.clock = clock
        self.script = script
        self.delay_s = delay_s
        self.calls: list[float] = []

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        audio_s = len(pcm) / 32000
        self.calls.append(audio_s)
        await self.clock.sleep(self.delay_s)
        return SttResult(self.script(audio_s), language or "en", 1.0, audio_s, self.delay_s)

    async def aclose(self) -> None:
        pass


class WordTts:
    """0.25 s of (quiet) audio per word, one chunk per clause."""

    def __init__(self, clock: ManualClock, delay_s: float = 0.02) -> None:
        self.clock = clock
        self.delay_s = delay_s

    async def stream(self, text: str, language: str) -> AsyncIterator[tuple[str, bytes]]:
        for clause in [c.strip() + "." for c in text.split(".") if c.strip()]:
            await self.clock.sleep(self.delay_s)
            yield clause, bytes(8000 * len(clause.split()))

    async def aclose(self) -> None:
        pass


class RecordingBrainSession:
    def __init__(self, reply_text: str = "One two three four. Five six seven eight. Nine ten eleven twelve.") -> None:
        self.reply_text = reply_text
        self.heard: list[str] = []
        self.turns: list[str] = []
        self.closed = False

    async def reply(self, user_text: str, *, language_hint: str | None = None) -> BrainReply:
        self.turns.append(user_text)
        return BrainReply(text=self.reply_text, language=language_hint or "en")

    def truncate_last_reply(self, heard_text: str) -> None:
        self.heard.append(heard_text)

    async def aclose(self) -> None:
        self.closed = True


class Recorder:
    """A VoiceOutput that timestamps everything on the manual clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.audio: list[float] = []

    async def send_audio(self, pcm: bytes) -> None:
        self.audio.append(self.clock.now())

    async def send_event(self, event: dict[str, Any]) -> None:
        self.events.append((self.clock.now(), event))

    def of(self, kind: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, e) for t, e in self.events if e["type"] == kind]


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)
