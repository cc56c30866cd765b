"""VAD windows -> turn events (speech started, paused, resumed, end of turn, barge-in)."""

from __future__ import annotations

from souk.agent.frames import Frame, VadWindow
from souk.agent.pipeline import Processor
from souk.agent.playback import Playback
from souk.agent.turns import TurnDetector


class TurnProcessor(Processor):
    name = "turn"

    def __init__(self, detector: TurnDetector, playback: Playback) -> None:
        super().__init__()
        self.detector = detector
        self._playback = playback

    async def process(self, frame: Frame) -> None:
        if not isinstance(frame, VadWindow):
            await self.push(frame)
            return
        for out in self.detector.feed(frame.t, frame.speech, frame.pcm, agent_speaking=self._playback.speaking):
            await self.push(out)
