"""Build a VoiceEngine from Settings: offline models by default, OpenAI-compatible speech when configured."""

from __future__ import annotations

import logging
import time

from souk.agent import models
from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.providers.base import SpeechToText, TextToSpeech
from souk.agent.providers.silero import SileroModel
from souk.agent.session import VoiceConfig, VoiceEngine
from souk.agent.turns import TurnConfig
from souk.core.settings import Settings

log = logging.getLogger(__name__)


def build_voice_engine(settings: Settings, *, stt_workers: int = 2) -> VoiceEngine:
    """Load the speech models (seconds: call it off the event loop)."""
    t0 = time.perf_counter()
    a = settings.agent
    paths = models.locate(settings)
    stt: SpeechToText
    tts: TextToSpeech
    if a.stt_base_url:
        from souk.agent.providers.openai_compat import OpenAiStt

        stt = OpenAiStt(a.stt_base_url, api_key=a.llm_api_key.get_secret_value(), timeout_s=a.llm_timeout_s)
    else:
        from souk.agent.providers.whisper import WhisperStt

        stt = WhisperStt(paths.whisper_dir, cpu_threads=a.cpu_threads, workers=stt_workers)
    if a.tts_base_url:
        from souk.agent.providers.openai_compat import OpenAiTts

        tts = OpenAiTts(a.tts_base_url, api_key=a.llm_api_key.get_secret_value(), timeout_s=a.llm_timeout_s)
    else:
        from souk.agent.providers.tts import OfflineTts

        piper = paths.piper_model if paths.piper_model.is_file() else None
        tts = OfflineTts(piper, paths.piper_config if piper else None)
    config = VoiceConfig(turn=TurnConfig(end_of_turn_ms=float(a.end_of_turn_silence_ms)))
    engine = VoiceEngine(vad=SileroModel(paths.silero_vad), stt=stt, tts=tts, config=config,
                         speculation=SpeculationPolicy(max_in_flight=stt_workers))
    log.info("voice engine ready in %.2f s (stt=%s, tts=%s)", time.perf_counter() - t0,
             type(stt).__name__, type(tts).__name__)
    return engine
