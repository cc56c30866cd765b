"""Chat LLM providers: the provider base (retries, timeouts, metrics) and an OpenAI-compatible client."""

from souk.agent.llm.base import LLMMetrics, LLMProvider, RetryPolicy
from souk.agent.llm.types import ChatMessage, ChatResult, LLMMalformed, ToolCallRequest, ToolSpec

__all__ = ["ChatMessage", "ChatResult", "LLMMalformed", "LLMMetrics", "LLMProvider", "RetryPolicy",
           "ToolCallRequest", "ToolSpec"]
