"""A paced voice client: a 20 ms microphone clock, a playback buffer, and the agent's voice leaking back.

Every 20 ms it sends one frame: the user's speech when it has some to say, else silence, plus the agent's
audio it is "playing" mixed back in at ``echo_db`` (a speaker heard by the microphone). Playback starts one
jitter-buffer delay after the first frame of an utterance and is flushed on ``interrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import websockets

FRAME = 640
TICK = 0.02


@dataclass
class Turn:
    sent_last_speech: float = 0.0
    sent_first_speech: float = 0.0
    first_audio: float = 0.0
    transcript: str = ""
    language: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    starts: int = 0  # turns the server started during the utterance (1 unless it cut it)


class VoiceClient:
    def __init__(self, url: str, *, echo_db: float | None = -26.0, echo_delay_ticks: int = 2,
                 jitter_ticks: int = 3) -> None:
        self.url = url
        self.echo_gain = 0.0 if echo_db is None else 10 ** (echo_db / 20)
        self.echo_delay = echo_delay_ticks
        self.jitter = jitter_ticks
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.audio_times: deque[float] = deque(maxlen=5000)
        self._mic: deque[bytes] = deque()
        self._mic_marks: dict[int, str] = {}
        self._play: deque[bytes] = deque()
        self._played: deque[np.ndarray] = deque([np.zeros(320, np.float32)] * echo_delay_ticks)
        self._playing = False
        self._wait_ticks = 0
        self._sent = 0
        self.turn: Turn | None = None
        self._ws: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._event_cv = asyncio.Condition()
        self.first_speech_sent = 0.0
        self.last_speech_sent = 0.0
        self.bytes_played = 0

    async def connect(self, token: str, language: str | None = None) -> None:
        q = f"?token={token}" + (f"&language={language}" if language else "")
        self._ws = await websockets.connect(self.url + q, max_size=1 << 20)
        self._tasks = [asyncio.create_task(self._reader(), name="bench-reader"),
                       asyncio.create_task(self._sender(), name="bench-sender")]
        await self.wait_event("ready", 0, timeout=30)

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    # speaking ---------------------------------------------------------------------------------

    def say(self, pcm: bytes, speech_start: int, speech_end: int) -> None:
        """Queue speech; the first/last speech frames are timestamped when actually sent."""
        base = self._sent + len(self._mic)
        frames = [pcm[i:i + FRAME] for i in range(0, len(pcm), FRAME)]
        self._mic.extend(frames)
        self._mic_marks[base + speech_start // FRAME] = "first"
        self._mic_marks[base + max(0, speech_end // FRAME - 1)] = "last"

    @property
    def talking(self) -> bool:
        return bool(self._mic)

    async def send_json(self, obj: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(obj))

    async def _sender(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._send_loop()

    async def _send_loop(self) -> None:
        start = time.monotonic()
        k = 0
        while True:
            k += 1
            user = self._mic.popleft() if self._mic else bytes(FRAME)
            mark = self._mic_marks.pop(self._sent, None)
            x = np.frombuffer(user, "<i2").astype(np.float32) / 32768
            echo = self._played.popleft()
            self._played.append(self._play_tick())
            if self.echo_gain:
                x = x + self.echo_gain * echo
            await self._ws.send((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
            now = time.monotonic()
            self._sent += 1
            if mark == "first":
                self.first_speech_sent = now
            elif mark == "last":
                self.last_speech_sent = now
            delay = start + k * TICK - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:  # fell far behind (a stalled loop): re-anchor instead of bursting
                start, k = time.monotonic(), 0

    def _play_tick(self) -> np.ndarray:
        if not self._playing:
            if self._play:
                self._wait_ticks += 1
                if self._wait_ticks >= self.jitter:
                    self._playing = True
            return np.zeros(320, np.float32)
        if not self._play:
            self._playing = False
            self._wait_ticks = 0
            return np.zeros(320, np.float32)
        self.bytes_played += FRAME
        return np.frombuffer(self._play.popleft(), "<i2").astype(np.float32) / 32768

    # receiving --------------------------------------------------------------------------------

    async def _reader(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._read_loop()

    async def _read_loop(self) -> None:
        async for msg in self._ws:
            now = time.monotonic()
            if isinstance(msg, bytes):
                self.audio_times.append(now)
                self._play.append(msg)
                continue
            ev = json.loads(msg)
            if ev["type"] == "interrupted" or (ev["type"] == "audio_end" and ev.get("interrupted")):
                self._play.clear()
                self._playing = False
            if self.turn is not None:
                if ev["type"] == "transcript" and not self.turn.transcript:
                    self.turn.transcript = ev["text"]
                    self.turn.language = ev["language"]
                elif ev["type"] == "metrics" and not self.turn.metrics:
                    self.turn.metrics = ev
            async with self._event_cv:
                self.events.append((now, ev))
                self._event_cv.notify_all()

    def first_audio_after(self, t: float) -> float | None:
        first = None
        for a in reversed(self.audio_times):
            if a <= t:
                break
            first = a
        return first

    def mark(self) -> int:
        return len(self.events)

    async def wait_event(self, kind: str, since: int, timeout: float = 15.0,
                         pred: Any = None) -> tuple[float, dict[str, Any]]:
        async def found() -> tuple[float, dict[str, Any]]:
            async with self._event_cv:
                while True:
                    for t, ev in self.events[since:]:
                        if ev["type"] == kind and (pred is None or pred(ev)):
                            return t, ev
                    await self._event_cv.wait()
        return await asyncio.wait_for(found(), timeout)

    async def quiet(self, timeout: float = 20.0) -> None:
        """Wait until the agent has stopped sending audio and the playback buffer is empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.audio_times[-1] if self.audio_times else 0.0
            if not self._play and time.monotonic() - last > 0.3 and not self._mic:
                return
            await asyncio.sleep(0.05)
        raise TimeoutError("the agent did not go quiet")
