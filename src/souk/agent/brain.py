"""The seam between the engine (which listens and speaks) and a brain (which decides what to say).

The engine knows nothing of commerce: the assistant package implements :class:`Brain`; the engine's
voice pipeline and the text transports only call these methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Handoff = Literal["human", "video"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]
    result: Any = None  # JSON-able result the reply was grounded in (shown as cards in the UI)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BrainReply:
    text: str
    language: str  # ISO 639-1 of the reply (en, es, zh, ar, id, pt ...)
    handoff: Handoff | None = None
    handoff_reason: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    cards: tuple[dict[str, Any], ...] = ()  # order / product cards for rich clients
    metadata: dict[str, Any] = field(default_factory=dict)


class BrainSession(Protocol):
    """One conversation's state (multi-turn slots, language, verified identity, history)."""

    async def reply(self, user_text: str, *, language_hint: str | None = None) -> BrainReply:
        """Answer one user turn. ``language_hint`` comes from STT language detection when spoken."""

    def truncate_last_reply(self, heard_text: str) -> None:
        """After a barge-in: keep in history only the part of the last reply the user actually heard."""

    async def aclose(self) -> None: ...


class Brain(Protocol):
    def new_session(
        self, *, customer_id: str | None = None, language: str | None = None, channel: str = "text"
    ) -> BrainSession:
        """Start a conversation for a signed-in customer (or anonymous when None)."""
