"""The provider base class: subclasses write one ``_run``; retries, timeouts and metrics live here."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from souk.agent.llm.types import ChatMessage, ChatResult, ToolSpec
from souk.core.errors import SoukError, Timeout, Unavailable

log = logging.getLogger(__name__)

TextSink = Callable[[str], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 2
    base_delay_s: float = 0.2
    max_delay_s: float = 2.0
    jitter: float = 0.2

    def delay(self, attempt: int) -> float:
        d = min(self.max_delay_s, self.base_delay_s * (2 ** attempt))
        return d * (1 + random.uniform(-self.jitter, self.jitter))


@dataclass
class LLMMetrics:
    calls: int = 0
    failures: int = 0
    retries: int = 0
    timeouts: int = 0
    last_ms: float = 0.0
    last_first_token_ms: float | None = None
    latencies_ms: list[float] = field(default_factory=list)

    def record(self, ms: float) -> None:
        self.last_ms = ms
        self.latencies_ms.append(ms)
        if len(self.latencies_ms) > 1000:
            del self.latencies_ms[:500]


class LLMProvider:
    """``chat`` = ``_run`` under a per-attempt timeout, retried on retryable errors."""

    name = "llm"

    def __init__(self, *, timeout_s: float = 20.0, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.metrics = LLMMetrics()
        self._sleep = sleep

    async def _run(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec],
                   on_text: TextSink | None) -> ChatResult:
        raise NotImplementedError

    async def chat(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = (), *,
                   on_text: TextSink | None = None) -> ChatResult:
        self.metrics.calls += 1
        last: SoukError | None = None
        for attempt in range(max(1, self.retry.attempts)):
            if attempt:
                self.metrics.retries += 1
                await self._sleep(self.retry.delay(attempt - 1))
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.timeout_s):
                    result = await self._run(messages, tools, on_text)
            except TimeoutError:
                self.metrics.timeouts += 1
                last = Timeout(f"{self.name} did not answer within {self.timeout_s:.1f} s", code="llm_timeout")
                log.warning("%s: attempt %d timed out", self.name, attempt + 1)
                continue
            except SoukError as exc:
                last = exc
                log.warning("%s: attempt %d failed: %s", self.name, attempt + 1, exc.message)
                if not exc.retryable:
                    break
                continue
            self.metrics.record((time.perf_counter() - started) * 1000)
            self.metrics.last_first_token_ms = result.first_token_ms
            return result
        self.metrics.failures += 1
        raise last or Unavailable(f"{self.name} failed", code="llm_failed")

    async def aclose(self) -> None:
        return None
