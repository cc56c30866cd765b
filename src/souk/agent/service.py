"""The process-wide voice service: loads the engine once, lazily, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from souk.agent.session import VoiceEngine
from souk.core.errors import SoukError, Unavailable


class VoiceService:
    """Holds the VoiceEngine; the first session waits for the models to load (a few seconds)."""

    def __init__(self, load: Callable[[], VoiceEngine], *, max_sessions: int = 8) -> None:
        self._load = load
        self._engine: VoiceEngine | None = None
        self._lock = asyncio.Lock()
        self.max_sessions = max_sessions
        self.sessions = 0
        self._error: SoukError | None = None

    @classmethod
    def of(cls, engine: VoiceEngine, *, max_sessions: int = 8) -> VoiceService:
        svc = cls(lambda: engine, max_sessions=max_sessions)
        svc._engine = engine
        return svc

    async def engine(self) -> VoiceEngine:
        if self._engine is not None:
            return self._engine
        async with self._lock:
            if self._engine is None:
                try:
                    self._engine = await asyncio.to_thread(self._load)
                except SoukError:
                    raise
                except (OSError, RuntimeError, ValueError) as exc:
                    raise Unavailable(f"voice engine failed to load: {exc}", code="voice_unavailable") from exc
            return self._engine

    async def aclose(self) -> None:
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.aclose()
