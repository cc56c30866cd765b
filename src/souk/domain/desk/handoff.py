"""When the AI hands a conversation to a human, and the packet the human receives with it.

The rules are data (``HandoffRule``: a reason, the signal it reads, the level that trips it), kept per
merchant in ``HandoffSettings``; ``decide`` holds no store facts. An explicit request for a person always
hands off, whatever the merchant's rules say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from souk.core.errors import BadRequest, TooLarge

MAX_TRANSCRIPT = 200  # lines of a packet's transcript (the most recent ones are kept by the builder)
MAX_LINE = 4000
MAX_SUMMARY = 2000
MAX_ITEMS = 50  # orders, products and orders mentioned
MAX_RULES = 20


class HandoffReason(str, Enum):
    EXPLICIT_REQUEST = "explicit_request"
    FRUSTRATION = "frustration"
    DAMAGED_OR_WRONG_ITEM = "damaged_or_wrong_item"
    REPEATED_FAILURE = "repeated_failure"
    HIGH_VALUE_ORDER = "high_value_order"
    VIP = "vip"
    NOT_ALLOWED = "not_allowed"


class Signal(str, Enum):
    """A field of ``HandoffSignals`` a rule reads (booleans count as 0 or 1)."""

    EXPLICIT_REQUEST = "explicit_request"
    FRUSTRATION_COUNT = "frustration_count"
    DAMAGED_OR_WRONG_ITEM = "damaged_or_wrong_item"
    SAME_QUESTION_FAILURES = "same_question_failures"
    ORDER_VALUE = "order_value"
    VIP = "vip"
    FORBIDDEN_REQUEST = "forbidden_request"


@dataclass(frozen=True, slots=True)
class HandoffSignals:
    """What the assistant observed in this conversation so far."""

    explicit_request: bool = False
    frustration_count: int = 0  # turns judged angry or frustrated
    damaged_or_wrong_item: bool = False
    same_question_failures: int = 0  # times the same question went unanswered
    order_value: Decimal | None = None  # the largest order the conversation is about, merchant currency
    vip: bool = False
    forbidden_request: bool = False  # asked for something the AI may not do (refund, address change, ...)

    def level(self, signal: Signal) -> Decimal:
        value = getattr(self, signal.value)
        return Decimal(0) if value is None else Decimal(int(value) if isinstance(value, bool) else value)


@dataclass(frozen=True, slots=True)
class HandoffRule:
    reason: HandoffReason
    signal: Signal
    at_least: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if not self.at_least > 0:
            raise BadRequest(f"a hand-off rule's level must be positive, got {self.at_least}",
                             code="bad_handoff_rule")

    def trips(self, signals: HandoffSignals) -> bool:
        return signals.level(self.signal) >= self.at_least


DEFAULT_RULES: tuple[HandoffRule, ...] = (
    HandoffRule(HandoffReason.EXPLICIT_REQUEST, Signal.EXPLICIT_REQUEST),
    HandoffRule(HandoffReason.NOT_ALLOWED, Signal.FORBIDDEN_REQUEST),
    HandoffRule(HandoffReason.DAMAGED_OR_WRONG_ITEM, Signal.DAMAGED_OR_WRONG_ITEM),
    HandoffRule(HandoffReason.FRUSTRATION, Signal.FRUSTRATION_COUNT, Decimal(2)),
    HandoffRule(HandoffReason.REPEATED_FAILURE, Signal.SAME_QUESTION_FAILURES, Decimal(3)),
    HandoffRule(HandoffReason.VIP, Signal.VIP),
)


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    """A merchant's hand-off rules, first match first; a high-value rule only where the merchant set one."""

    rules: tuple[HandoffRule, ...] = DEFAULT_RULES
    order_value_threshold: Decimal | None = None  # hand off when an order of at least this much is involved

    def __post_init__(self) -> None:
        if len(self.rules) > MAX_RULES:
            raise TooLarge(f"at most {MAX_RULES} hand-off rules", code="too_many_handoff_rules")
        if self.order_value_threshold is not None and not self.order_value_threshold > 0:
            raise BadRequest("the order value threshold must be positive", code="bad_handoff_rule")

    def all_rules(self) -> tuple[HandoffRule, ...]:
        rules = self.rules
        if not any(r.reason is HandoffReason.EXPLICIT_REQUEST for r in rules):
            rules = (HandoffRule(HandoffReason.EXPLICIT_REQUEST, Signal.EXPLICIT_REQUEST), *rules)
        if self.order_value_threshold is not None:
            rules = (*rules, HandoffRule(HandoffReason.HIGH_VALUE_ORDER, Signal.ORDER_VALUE,
                                         self.order_value_threshold))
        return rules

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [{"reason": r.reason.value, "signal": r.signal.value, "at_least": str(r.at_least)}
                          for r in self.rules],
                "order_value_threshold": None if self.order_value_threshold is None
                else str(self.order_value_threshold)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HandoffSettings:
        """Settings as stored or posted by the merchant: 400 ``bad_handoff_rule`` on anything malformed."""
        try:
            raw = data.get("rules")
            rules = DEFAULT_RULES if raw is None else tuple(
                HandoffRule(HandoffReason(r["reason"]), Signal(r["signal"]), Decimal(str(r.get("at_least", 1))))
                for r in raw)
            threshold = data.get("order_value_threshold")
            return cls(rules, None if threshold is None else Decimal(str(threshold)))
        except (BadRequest, TooLarge):
            raise
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as e:
            raise BadRequest(f"bad hand-off settings: {e}", code="bad_handoff_rule") from e


@dataclass(frozen=True, slots=True)
class HandoffDecision:
    handoff: bool
    reason: HandoffReason | None = None  # the first rule that tripped
    reasons: tuple[HandoffReason, ...] = ()  # every rule that tripped, in rule order


def decide(signals: HandoffSignals, settings: HandoffSettings) -> HandoffDecision:
    """Whether the AI should hand off now, and why."""
    tripped = tuple(dict.fromkeys(r.reason for r in settings.all_rules() if r.trips(signals)))
    return HandoffDecision(bool(tripped), tripped[0] if tripped else None, tripped)


class Speaker(str, Enum):
    SHOPPER = "shopper"
    AI = "ai"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    at: dt.datetime
    speaker: Speaker
    text: str


@dataclass(frozen=True, slots=True)
class PacketCustomer:
    customer_id: str
    name: str = ""
    email: str = ""
    vip: bool = False


@dataclass(frozen=True, slots=True)
class PacketOrder:
    order_id: str
    status: str
    total: Decimal
    placed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class HandoffPacket:
    """What the human sees beside the conversation, so the shopper never repeats themselves."""

    reason: HandoffReason
    language: str
    intent: str = ""
    summary: str = ""
    transcript: tuple[TranscriptLine, ...] = ()  # as the shopper saw or heard it
    customer: PacketCustomer | None = None  # the signed-in shopper, None for a guest
    orders: tuple[PacketOrder, ...] = ()  # the customer's recent orders
    products_mentioned: tuple[str, ...] = ()  # skus
    orders_mentioned: tuple[str, ...] = ()  # order ids
    extra: tuple[tuple[str, str], ...] = field(default=())  # free labelled facts (e.g. ("room", "r1"))

    def __post_init__(self) -> None:
        if len(self.transcript) > MAX_TRANSCRIPT:
            raise TooLarge(f"a packet carries at most {MAX_TRANSCRIPT} transcript lines", code="packet_too_large")
        if any(len(line.text) > MAX_LINE for line in self.transcript) or len(self.summary) > MAX_SUMMARY:
            raise TooLarge("a packet's text is too long", code="packet_too_large")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple) and f.name != "transcript" and len(value) > MAX_ITEMS:
                raise TooLarge(f"a packet carries at most {MAX_ITEMS} {f.name}", code="packet_too_large")
