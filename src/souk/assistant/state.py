"""One conversation's memory: language, the order/product/country just discussed, the slot asked for."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from souk.agent.brain import ToolCall
from souk.assistant.tools import Caller, CommerceTools
from souk.domain.order_actions import ActionQuote

HISTORY_TURNS = 40


@dataclass(frozen=True, slots=True)
class PendingAction:
    """What the last reply offered for a yes: a quote to execute, or (``quote`` None) a person, after a
    refusal (``reason``: the hand-off reason). Only the very next turn can accept it."""

    quote: ActionQuote | None
    offered_at: int  # DialogState.turns when offered
    reason: str = "order_change"


@dataclass
class DialogState:
    caller: Caller
    lang: str | None = None
    last_intent: str | None = None
    last_order_id: str | None = None
    last_sku: str | None = None
    last_country: str | None = None
    pending: str | None = None  # the slot asked for: order_id | email | country | product
    pending_intent: str | None = None
    pending_order_id: str | None = None
    low_confidence_streak: int = 0
    email_attempts: int = 0  # failed e-mail proofs for the pending order (a few retries, then start over)
    pending_action: PendingAction | None = None  # souk.assistant.action_handlers
    actions_available: bool = False  # the session can act on orders (an OrderActions port is wired)
    turns: int = 0
    history: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=2 * HISTORY_TURNS))

    def ask(self, slot: str, intent: str, order_id: str | None = None) -> None:
        self.pending, self.pending_intent, self.pending_order_id = slot, intent, order_id

    def clear_pending(self) -> None:
        self.pending = self.pending_intent = self.pending_order_id = None


class Recorder:
    """Runs tools and records each call (name, arguments, result) for the reply and the UI cards."""

    def __init__(self, tools: CommerceTools) -> None:
        self.tools = tools
        self.calls: list[ToolCall] = []
        self.cards: list[dict[str, Any]] = []

    def __call__(self, name: str, **arguments: Any) -> dict[str, Any]:
        fn = self.tools.registry()[name] if name != "faq" else self.tools.faq
        try:
            result = fn(**arguments)
        except (ValueError, TypeError, ArithmeticError) as exc:
            self.calls.append(ToolCall(name=name, arguments=arguments, error=f"{type(exc).__name__}: {exc}"))
            return {"error": str(exc)}
        self.calls.append(ToolCall(name=name, arguments=arguments, result=result))
        if result.get("found") and isinstance(result.get("order"), dict):
            self.cards.append(result["order"])
        if result.get("found") and isinstance(result.get("product"), dict):
            self.cards.append(result["product"])
        for p in result.get("products", []) if isinstance(result.get("products"), list) else []:
            self.cards.append(p)
        return result
