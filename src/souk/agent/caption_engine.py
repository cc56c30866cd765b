"""The offline caption engine: Whisper base int8 (the assistant's model) and the Silero VAD, loaded once per
process on first use, one :class:`~souk.agent.captioner.StreamingCaptioner` per speaker."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from souk.agent import models
from souk.agent.captioner import CaptionConfig, Segment, StreamingCaptioner
from souk.agent.providers.base import SpeechToText
from souk.agent.providers.silero import SileroModel
from souk.core.errors import ConfigError
from souk.core.settings import Settings

log = logging.getLogger(__name__)


class CaptionEngine:
    def __init__(self, stt: SpeechToText, vad: SileroModel, config: CaptionConfig | None = None) -> None:
        self.stt = stt
        self.vad = vad
        self.config = config or CaptionConfig()

    def captioner(self, emit: Callable[[Segment], Awaitable[None]], *, language: str | None,
                  name: str) -> StreamingCaptioner:
        return StreamingCaptioner(self.vad.stream(), self.stt, emit, language=language, config=self.config, name=name)

    async def aclose(self) -> None:
        await self.stt.aclose()


def _load(settings: Settings, workers: int) -> CaptionEngine:
    t0 = time.perf_counter()
    paths = models.locate(settings)
    if not paths.silero_vad.is_file():
        raise ConfigError(f"the Silero VAD model is missing ({paths.silero_vad})", code="model_missing")
    from souk.agent.providers.whisper import WhisperStt  # ctranslate2: only where captions run

    stt = WhisperStt(paths.whisper_dir, cpu_threads=settings.agent.cpu_threads, workers=workers)
    engine = CaptionEngine(stt, SileroModel(paths.silero_vad))
    log.info("caption engine ready in %.2f s (Whisper base int8 from %s)", time.perf_counter() - t0,
             paths.whisper_dir)
    return engine


async def load_caption_engine(settings: Settings, *, workers: int = 2) -> CaptionEngine:
    """Load the models off the event loop. ConfigError ``model_missing`` when this node has none."""
    return await asyncio.to_thread(_load, settings, workers)
