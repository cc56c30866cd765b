"""Wire-neutral chat types shared by every LLM provider."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from souk.core.errors import ErrorKind, SoukError

Role = Literal["system", "user", "assistant", "tool"]


class LLMMalformed(SoukError, ValueError):
    """The model answered, but not in a shape we can use (bad JSON, unknown tool, broken stream)."""

    kind = ErrorKind.UNAVAILABLE
    retryable = False


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object

    def as_openai(self) -> dict[str, Any]:
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}


@dataclass(frozen=True, slots=True)
class ToolCallRequest:
    id: str
    name: str
    arguments_json: str

    def arguments(self) -> dict[str, Any]:
        try:
            value = json.loads(self.arguments_json or "{}")
        except ValueError as exc:
            raise LLMMalformed(f"tool call {self.name} has arguments that are not JSON", code="llm_bad_arguments") \
                from exc
        if not isinstance(value, dict):
            raise LLMMalformed(f"tool call {self.name} arguments must be an object", code="llm_bad_arguments")
        return value


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str | None = None
    tool_calls: tuple[ToolCallRequest, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def as_openai(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments_json}}
                                 for c in self.tool_calls]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None and self.role == "tool":
            out["name"] = self.name
        return out


@dataclass(frozen=True, slots=True)
class ChatResult:
    text: str
    tool_calls: tuple[ToolCallRequest, ...] = ()
    finish_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    first_token_ms: float | None = None
