"""PII redaction of prompts sent to a remote LLM ([privacy] redact_llm_prompts): what the (local fake)
OpenAI-compatible server receives has no e-mail, phone, card or address when it is on, and is untouched off."""

from __future__ import annotations

from souk.agent.llm import ChatMessage, RetryPolicy
from souk.agent.llm.openai import OpenAIChatLLM
from tests.unit.agent.llm.fake_openai import fake_openai, text_answer

SAID = "Soy ana@example.com, mi móvil +52 55 1234 5678, envíalo a Calle Mayor 5. Pedido 1036."
TOOL = '{"order": "1036", "ship_to": "221B Baker Street", "card": "4111 1111 1111 1111"}'


async def _sent(redact_pii: bool) -> list[dict]:  # type: ignore[type-arg]
    async with fake_openai() as fake:
        fake.script.append(text_answer("ok"))
        client = OpenAIChatLLM(base_url=fake.url, model="fake-1", retry=RetryPolicy(attempts=1),
                               redact_pii=redact_pii)
        await client.chat([ChatMessage("system", "You help shoppers."), ChatMessage("user", SAID),
                           ChatMessage("tool", TOOL, tool_call_id="t1")])
        await client.aclose()
    return list(fake.requests[0]["messages"])


async def test_prompts_to_a_remote_llm_are_redacted_when_configured() -> None:
    sent = await _sent(True)
    user, tool = sent[1]["content"], sent[2]["content"]
    assert user == "Soy [email], mi móvil [phone], envíalo a [address]. Pedido 1036."
    assert "Baker" not in tool and "4111" not in tool and '"order": "1036"' in tool
    assert sent[0]["content"] == "You help shoppers." and sent[2]["tool_call_id"] == "t1"


async def test_prompts_are_sent_as_they_are_when_not_configured() -> None:
    sent = await _sent(False)
    assert sent[1]["content"] == SAID and sent[2]["content"] == TOOL
