"""Any OpenAI-compatible ``/chat/completions`` endpoint (vLLM, llama.cpp server, Ollama, OpenAI...).

Streams Server-Sent Events, forwards text deltas as they arrive and assembles streamed tool calls.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import httpx

from souk.agent.llm.base import LLMProvider, RetryPolicy, TextSink
from souk.agent.llm.types import ChatMessage, ChatResult, LLMMalformed, ToolCallRequest, ToolSpec
from souk.core.errors import BadRequest, ConfigError, RateLimited, Unavailable
from souk.privacy.redact import redact

log = logging.getLogger(__name__)

MAX_STREAM_BYTES = 2_000_000


class OpenAIChatLLM(LLMProvider):
    name = "openai-compatible"

    def __init__(self, *, base_url: str, model: str, api_key: str = "", timeout_s: float = 20.0,
                 retry: RetryPolicy | None = None, temperature: float = 0.2, max_tokens: int = 512,
                 client: httpx.AsyncClient | None = None, redact_pii: bool = False) -> None:
        super().__init__(timeout_s=timeout_s, retry=retry)
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"llm_base_url must be an http(s) URL, got {base_url!r}", code="bad_llm_url")
        if not model:
            raise ConfigError("llm_model is required when llm_base_url is set", code="bad_llm_model")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.redact_pii = redact_pii  # e-mails, phones, cards, addresses out of every message (souk.privacy.redact)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout_s, connect=5.0))
        self._own_client = client is None

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()
            self._own_client = False

    def payload(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]) -> dict[str, Any]:
        sent = [m.as_openai() for m in messages]
        if self.redact_pii:
            for m in sent:
                if isinstance(m.get("content"), str):
                    m["content"] = redact(m["content"]).text
        body: dict[str, Any] = {"model": self.model, "messages": sent,
                                "stream": True, "temperature": self.temperature, "max_tokens": self.max_tokens}
        if tools:
            body["tools"] = [t.as_openai() for t in tools]
            body["tool_choice"] = "auto"
        return body

    async def _run(self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec],
                   on_text: TextSink | None) -> ChatResult:
        started = time.perf_counter()
        try:
            async with self._client.stream("POST", self.url, json=self.payload(messages, tools)) as resp:
                if resp.status_code != 200:
                    body = (await resp.aread())[:500].decode("utf-8", "replace")
                    raise _http_error(resp.status_code, body)
                if "text/event-stream" not in resp.headers.get("content-type", ""):
                    raw = await resp.aread()
                    return _parse_whole(raw)
                return await _read_stream(resp, on_text, started)
        except httpx.TimeoutException as exc:
            raise TimeoutError(str(exc)) from exc
        except httpx.HTTPError as exc:
            raise Unavailable(f"LLM endpoint unreachable: {exc}", code="llm_unreachable") from exc


def _http_error(status: int, body: str) -> Exception:
    if status == 429:
        return RateLimited(f"LLM rate limited: {body}", code="llm_rate_limited")
    if status >= 500:
        return Unavailable(f"LLM server error {status}: {body}", code="llm_server_error")
    if status in (401, 403):
        return ConfigError(f"LLM rejected the API key ({status})", code="llm_auth")
    return BadRequest(f"LLM refused the request ({status}): {body}", code="llm_bad_request")


class _ToolAcc:
    def __init__(self) -> None:
        self.id = ""
        self.name = ""
        self.args: list[str] = []


async def _read_stream(resp: httpx.Response, on_text: TextSink | None, started: float) -> ChatResult:
    text: list[str] = []
    tools: dict[int, _ToolAcc] = {}
    finish: str | None = None
    usage: dict[str, Any] = {}
    first_ms: float | None = None
    size = 0
    done = False
    async for line in resp.aiter_lines():
        size += len(line)
        if size > MAX_STREAM_BYTES:
            raise LLMMalformed("LLM stream too large", code="llm_stream_too_large")
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            break
        try:
            chunk = json.loads(data)
            choice = (chunk.get("choices") or [{}])[0]
            delta = choice.get("delta") or {}
        except (ValueError, AttributeError, IndexError, TypeError) as exc:
            raise LLMMalformed(f"LLM sent a malformed stream chunk: {data[:120]!r}", code="llm_bad_chunk") from exc
        if chunk.get("usage"):
            usage = dict(chunk["usage"])
        if choice.get("finish_reason"):
            finish = choice["finish_reason"]
        piece = delta.get("content")
        if isinstance(piece, str) and piece:
            if first_ms is None:
                first_ms = (time.perf_counter() - started) * 1000
            text.append(piece)
            if on_text is not None:
                maybe = on_text(piece)
                if inspect.isawaitable(maybe):
                    await maybe
        for tc in delta.get("tool_calls") or []:
            if not isinstance(tc, dict):
                raise LLMMalformed("LLM sent a malformed tool call delta", code="llm_bad_chunk")
            acc = tools.setdefault(int(tc.get("index", 0)), _ToolAcc())
            acc.id = tc.get("id") or acc.id
            fn = tc.get("function") or {}
            acc.name = fn.get("name") or acc.name
            if isinstance(fn.get("arguments"), str):
                acc.args.append(fn["arguments"])
    if not done and finish is None:
        raise LLMMalformed("LLM stream ended before [DONE]", code="llm_truncated")
    calls = tuple(ToolCallRequest(id=a.id or f"call_{i}", name=a.name, arguments_json="".join(a.args))
                  for i, a in sorted(tools.items()))
    if any(not c.name for c in calls):
        raise LLMMalformed("LLM sent a tool call without a name", code="llm_bad_tool_call")
    return ChatResult(text="".join(text), tool_calls=calls, finish_reason=finish, usage=usage,
                      first_token_ms=first_ms)


def _parse_whole(raw: bytes) -> ChatResult:
    try:
        body = json.loads(raw)
        msg = body["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMMalformed("LLM answer is not a chat completion", code="llm_bad_body") from exc
    calls = tuple(ToolCallRequest(id=c.get("id", f"call_{i}"), name=c["function"]["name"],
                                  arguments_json=c["function"].get("arguments") or "{}")
                  for i, c in enumerate(msg.get("tool_calls") or []))
    return ChatResult(text=msg.get("content") or "", tool_calls=calls,
                      finish_reason=body["choices"][0].get("finish_reason"), usage=body.get("usage") or {})
