"""The OpenAI-compatible provider against a local fake server: streaming, tool calls, retries, timeouts."""

from __future__ import annotations

import pytest

from souk.agent.llm import ChatMessage, LLMMalformed, RetryPolicy, ToolSpec
from souk.agent.llm.openai import OpenAIChatLLM
from souk.core.errors import ConfigError, Timeout
from tests.unit.agent.llm.fake_openai import chunk, fake_openai, hang, sse, status, text_answer, tool_answer

TOOLS = (ToolSpec("get_order", "one order", {"type": "object", "properties": {"order_id": {"type": "string"}}}),)
FAST = RetryPolicy(attempts=2, base_delay_s=0.01)


def llm(url: str, **kw: object) -> OpenAIChatLLM:
    return OpenAIChatLLM(base_url=url, model="fake-1", api_key="k", retry=FAST, **kw)  # type: ignore[arg-type]


async def test_streams_text_to_the_sink() -> None:
    async with fake_openai() as fake:
        fake.script.append(text_answer("Hel", "lo ", "there"))
        client = llm(fake.url)
        seen: list[str] = []
        result = await client.chat([ChatMessage("user", "hi")], on_text=seen.append)
        await client.aclose()
    assert result.text == "Hello there" and seen == ["Hel", "lo ", "there"] and result.finish_reason == "stop"
    assert result.first_token_ms is not None
    body = fake.requests[0]
    assert body["model"] == "fake-1" and body["stream"] is True and "tools" not in body


async def test_tool_call_round_trip() -> None:
    async with fake_openai() as fake:
        fake.script += [tool_answer("get_order", {"order_id": "1036"}), text_answer("It ships with UPS.")]
        client = llm(fake.url)
        first = await client.chat([ChatMessage("user", "where is 1036")], TOOLS)
        assert [c.name for c in first.tool_calls] == ["get_order"]
        assert first.tool_calls[0].arguments() == {"order_id": "1036"}
        follow = [ChatMessage("user", "where is 1036"), ChatMessage("assistant", None, tool_calls=first.tool_calls),
                  ChatMessage("tool", '{"carrier": "UPS"}', tool_call_id="call_1", name="get_order")]
        second = await client.chat(follow, TOOLS)
        await client.aclose()
    assert second.text == "It ships with UPS."
    sent = fake.requests[1]["messages"]
    assert sent[1]["tool_calls"][0]["function"]["name"] == "get_order"
    assert sent[2] == {"role": "tool", "content": '{"carrier": "UPS"}', "tool_call_id": "call_1", "name": "get_order"}
    assert fake.requests[0]["tools"][0]["function"]["name"] == "get_order"


async def test_server_error_is_retried() -> None:
    async with fake_openai() as fake:
        fake.script += [status(503), text_answer("ok")]
        client = llm(fake.url)
        result = await client.chat([ChatMessage("user", "hi")])
        await client.aclose()
    assert result.text == "ok" and client.metrics.retries == 1 and client.metrics.failures == 0


async def test_timeout_after_retries() -> None:
    async with fake_openai() as fake:
        fake.script += [hang(0.6), hang(0.6)]
        client = llm(fake.url, timeout_s=0.2)
        with pytest.raises(Timeout):
            await client.chat([ChatMessage("user", "hi")])
        await client.aclose()
    assert client.metrics.timeouts == 2 and client.metrics.failures == 1


@pytest.mark.parametrize("answer", [
    sse("{not json"),
    sse(chunk({"content": "half an answer"}), done=False),
    sse(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}), chunk({}, "tool_calls")),
])
async def test_malformed_output_is_not_retried(answer: object) -> None:
    async with fake_openai() as fake:
        fake.script += [answer, text_answer("never used")]  # type: ignore[list-item]
        client = llm(fake.url)
        with pytest.raises(LLMMalformed):
            await client.chat([ChatMessage("user", "hi")])
        await client.aclose()
    assert len(fake.requests) == 1


async def test_bad_key_is_a_config_error() -> None:
    async with fake_openai() as fake:
        fake.script += [status(401), text_answer("never used")]
        client = llm(fake.url)
        with pytest.raises(ConfigError):
            await client.chat([ChatMessage("user", "hi")])
        await client.aclose()
    assert len(fake.requests) == 1


def test_bad_settings() -> None:
    with pytest.raises(ConfigError):
        OpenAIChatLLM(base_url="ftp://x", model="m")
    with pytest.raises(ConfigError):
        OpenAIChatLLM(base_url="http://127.0.0.1:9", model="")
