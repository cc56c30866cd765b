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
    turn_model = None
    if a.smart_turn:
        turn_path = models.verified_smart_turn()
        if turn_path is None:
            log.warning("Smart Turn model missing or not matching its hash (run `make models`): turns end after "
                        "%d ms of silence", a.end_of_turn_silence_ms)
        else:
            from souk.agent.smart_turn import SmartTurn

            turn_model = SmartTurn(turn_path, workers=stt_workers)  # sessions ask at once: one thread a core
    config = VoiceConfig(turn=TurnConfig(
        end_of_turn_ms=float(a.end_of_turn_silence_ms), smart_turn=turn_model is not None,
        check_after_ms=float(a.smart_turn_check_ms), complete_threshold=a.smart_turn_threshold,
        max_silence_ms=float(a.end_of_turn_max_silence_ms)))
    engine = VoiceEngine(vad=SileroModel(paths.silero_vad), stt=stt, tts=tts, config=config,
                         speculation=SpeculationPolicy(max_in_flight=stt_workers), turn_model=turn_model)
    log.info("voice engine ready in %.2f s (stt=%s, tts=%s, end of turn=%s)", time.perf_counter() - t0,
             type(stt).__name__, type(tts).__name__, "smart-turn-v3.2" if turn_model else "silence")
    return engine
