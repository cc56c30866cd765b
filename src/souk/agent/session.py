"""A voice conversation: audio in, the agent's voice out, through VAD -> turns -> responder -> output.

:class:`VoiceEngine` holds what a process loads once (models, thread pools, the speculation policy) and
makes a :class:`VoiceSession` per conversation. Sessions know nothing of commerce: they talk to a
:class:`~souk.agent.brain.BrainSession`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Protocol

from souk.agent.brain import BrainSession
from souk.agent.echo import EchoCanceller, EchoReference
from souk.agent.frames import AudioIn, Interrupt, Say, TextIn
from souk.agent.pipeline import Pipeline
from souk.agent.playback import Playback
from souk.agent.processors.output import OutputProcessor, VoiceOutput
from souk.agent.processors.responder import Responder, SpeculationPolicy
from souk.agent.processors.turn import TurnProcessor
from souk.agent.processors.vad import VadProcessor
from souk.agent.providers.base import SpeechToText, TextToSpeech, Vad
from souk.agent.smart_turn import TurnCompletion
from souk.agent.turns import TurnConfig, TurnDetector
from souk.core.clock import Clock, SystemClock

log = logging.getLogger(__name__)


class VadFactory(Protocol):
    def stream(self) -> Vad: ...


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    turn: TurnConfig = field(default_factory=TurnConfig)
    vad_threshold: float = 0.5
    echo_cancel: bool = True
    playout_lead_s: float = 0.06
    max_reply_chars: int = 2000


class VoiceEngine:
    def __init__(self, *, vad: VadFactory, stt: SpeechToText, tts: TextToSpeech,
                 config: VoiceConfig | None = None, speculation: SpeculationPolicy | None = None,
                 clock: Clock | None = None, turn_model: TurnCompletion | None = None) -> None:
        self.vad = vad
        self.stt = stt
        self.tts = tts
        self.turn_model = turn_model  # semantic end of turn (souk.agent.smart_turn); None: fixed silence
        self.config = config or VoiceConfig()
        self.speculation = speculation or SpeculationPolicy()
        self.clock = clock or SystemClock()
        self._closed = False

    def new_session(self, brain: BrainSession, transport: VoiceOutput, *, language: str | None = None,
                    session_id: str = "") -> VoiceSession:
        return VoiceSession(self, brain, transport, language=language, session_id=session_id)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.tts.aclose()
        await self.stt.aclose()
        close = getattr(self.turn_model, "close", None)
        if callable(close):
            close()


class VoiceSession:
    def __init__(self, engine: VoiceEngine, brain: BrainSession, transport: VoiceOutput, *,
                 language: str | None = None, session_id: str = "") -> None:
        cfg = engine.config
        self.id = session_id
        self.clock = engine.clock
        self.brain = brain
        self.echo_ref = EchoReference()
        self.playback = Playback(engine.clock, self.echo_ref, lead_s=cfg.playout_lead_s)
        echo = EchoCanceller(self.echo_ref) if cfg.echo_cancel else None
        self.output = OutputProcessor(transport, self.playback)
        turn_cfg = cfg.turn
        if turn_cfg.smart_turn and engine.turn_model is None:
            turn_cfg = replace(turn_cfg, smart_turn=False)  # no model to ask: the fixed silence ends turns
        self.detector = TurnDetector(turn_cfg)
        self.responder = Responder(
            stt=engine.stt, tts=engine.tts, brain=brain, playback=self.playback, output=self.output,
            speculation=engine.speculation, language=language,
            min_turn_speech_ms=cfg.turn.min_turn_speech_ms, max_reply_chars=cfg.max_reply_chars,
        )
        self.pipeline = Pipeline(
            [VadProcessor(engine.vad.stream(), echo, threshold=cfg.vad_threshold),
             TurnProcessor(self.detector, self.playback, model=engine.turn_model if turn_cfg.smart_turn else None,
                           on_barge_in=self.output.cut, transcript=self.responder.speculation_for),
             self.responder, self.output],
            name=f"voice:{session_id}", maxsize=128,
        )
        self._text_turns = 0
        self._started = False
        self._closed = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self.pipeline.start()
            self.output.start()

    async def feed_audio(self, pcm: bytes) -> None:
        """16 kHz mono s16le PCM from the user's microphone (any whole number of samples)."""
        await self.pipeline.source.put(AudioIn(pcm, self.clock.now()))

    async def send_text(self, text: str) -> None:
        self._text_turns += 1
        self.detector.reset()
        await self.pipeline.source.put(TextIn(text, 1_000_000 + self._text_turns))

    async def say(self, text: str, language: str) -> None:
        """Speak ``text`` as written (no brain turn; the brain's history does not keep it). It cuts what the
        agent is saying; the user can barge in on it like on any reply. Its ``agent_text`` event carries
        ``"scripted": true`` and an ``audio_end`` follows when it has been played."""
        await self.pipeline.source.put(Say(text, language))

    def interrupt(self) -> None:
        frame = Interrupt(self.clock.now(), "client")
        self.output.cut(frame)  # silent from this moment; the frame tells the responder and the client
        self.pipeline.source.put_control(frame)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.pipeline.aclose()
        await self.brain.aclose()
