"""Audio in -> 32 ms VAD windows (echo-cancelled first)."""

from __future__ import annotations

import numpy as np

from souk.agent.audio import float_to_pcm
from souk.agent.echo import EchoCanceller
from souk.agent.frames import SAMPLE_RATE, AudioIn, Frame, VadWindow
from souk.agent.pipeline import Processor
from souk.agent.providers.base import Vad


class VadProcessor(Processor):
    name = "vad"

    def __init__(self, vad: Vad, echo: EchoCanceller | None = None, *, threshold: float = 0.5,
                 double_talk_ratio: float = 4.0) -> None:
        super().__init__()
        self._vad = vad
        self._echo = echo
        self._threshold = threshold
        self._dt_ratio = double_talk_ratio  # residual must be 6 dB above the expected echo while playing
        self.gated = 0
        self._win_bytes = vad.window_samples * 2
        self._buf = bytearray()
        self._last_t = -1e9
        self._window_s = vad.window_samples / SAMPLE_RATE

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, AudioIn):
            await self.push(frame)
            return
        self._buf += frame.pcm
        n_windows = len(self._buf) // self._win_bytes
        # the arrival time belongs to the end of the buffered audio; earlier windows ended before it
        for i in range(n_windows):
            pcm = bytes(self._buf[i * self._win_bytes:(i + 1) * self._win_bytes])
            tail = (len(self._buf) - (i + 1) * self._win_bytes) / 2 / SAMPLE_RATE
            # audio time, kept monotonic: a burst of audio sent faster than real time still spans its
            # own duration, so turn timing (end-of-turn silence) follows the audio, not the network
            t = max(frame.t - tail, self._last_t + self._window_s)
            self._last_t = t
            floor = 0.0
            residual = 0.0
            if self._echo is not None:
                x = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
                y = self._echo.process(t, x)
                floor = self._echo.echo_floor
                if y is not x:
                    pcm = float_to_pcm(y)
                if floor > 0.0:
                    residual = float(np.mean(y * y))
            p = self._vad.probability(pcm)
            speech = p >= self._threshold
            if speech and floor > 0.0 and residual < self._dt_ratio * floor:
                speech = False  # what VAD heard is no louder than the agent's own echo could be
                self.gated += 1
            await self.push(VadWindow(t, p, speech, pcm))
        del self._buf[: n_windows * self._win_bytes]
