"""When the assistant hands a conversation to the humans: what it observed, the decision, the packet, the notice.

``HandoffTracker`` watches one conversation turn by turn (the shopper's words and the brain's reply with its
intent, confidence and tool calls) and keeps the ``HandoffSignals`` the merchant's rules read;
``tracker.decide(settings)`` applies them (``souk.domain.desk.handoff.decide``) together with the brain's own
hand-off of the turn. ``build_packet`` (``assistant.handoff_packet``) gives the human what the shopper already
said; ``notice_text`` and ``compose`` (``assistant.handoff_notice``) tell the shopper the truth afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from souk.agent.brain import BrainReply
from souk.assistant import safety
from souk.assistant.handoff_notice import compose, notice_text, support_hours_text, wait_text, when_text
from souk.assistant.handoff_packet import build_packet
from souk.domain.desk.handoff import (
    MAX_ITEMS,
    MAX_LINE,
    MAX_TRANSCRIPT,
    HandoffDecision,
    HandoffReason,
    HandoffSettings,
    HandoffSignals,
    Speaker,
    TranscriptLine,
    decide,
)
from souk.domain.models import Customer

__all__ = ["HandoffTracker", "build_packet", "compose", "notice_text", "reason_of", "support_hours_text",
           "wait_text", "when_text"]

# the offline brain's hand-off reasons (handlers.handoff callers) as the desk's reasons
BRAIN_REASONS: dict[str, HandoffReason] = {
    "requested": HandoffReason.EXPLICIT_REQUEST,
    "damaged_parcel": HandoffReason.DAMAGED_OR_WRONG_ITEM,
    "product_problem": HandoffReason.DAMAGED_OR_WRONG_ITEM,  # a complaint about the item: broken, wrong, faulty
    "angry_customer": HandoffReason.FRUSTRATION,
    "low_confidence": HandoffReason.REPEATED_FAILURE,
    "lost_parcel_claim": HandoffReason.NOT_ALLOWED,  # compensation the AI may not grant
    "order_change": HandoffReason.NOT_ALLOWED,  # the AI cannot change or cancel an order itself
}
# free-form reasons (an LLM brain's handoff_to_human calls) by their words
_REASON_WORDS: tuple[tuple[re.Pattern[str], HandoffReason], ...] = (
    (re.compile(r"request|human|person|agent|operator", re.IGNORECASE), HandoffReason.EXPLICIT_REQUEST),
    (re.compile(r"damag|broken|wrong|defect|faulty|crack|product_problem", re.IGNORECASE), HandoffReason.DAMAGED_OR_WRONG_ITEM),
    (re.compile(r"angry|anger|frustrat|upset|complain", re.IGNORECASE), HandoffReason.FRUSTRATION),
    (re.compile(r"confus|confidence|understand|repeat|fail", re.IGNORECASE), HandoffReason.REPEATED_FAILURE),
    (re.compile(r"vip", re.IGNORECASE), HandoffReason.VIP),
    (re.compile(r"value|expensive", re.IGNORECASE), HandoffReason.HIGH_VALUE_ORDER),
)
UNANSWERED_INTENTS = frozenset({"clarify"})  # the brain did not understand the turn
SAME_QUESTION = 0.6  # word overlap (Jaccard) from which two shopper turns ask the same thing
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_SKU_TOOLS = frozenset({"product_info", "stock_info", "warranty_info", "return_policy", "offer_video_consultation"})


def reason_of(brain_reason: str | None) -> HandoffReason:
    """The desk's reason for a brain's hand-off reason; anything unknown is something the AI could not do."""
    if brain_reason in BRAIN_REASONS:
        return BRAIN_REASONS[brain_reason]
    for pattern, reason in _REASON_WORDS:
        if brain_reason and pattern.search(brain_reason):
            return reason
    return HandoffReason.NOT_ALLOWED


def _terms(text: str) -> frozenset[str]:
    """Words of a turn, and character pairs of Chinese or Japanese text (which has no spaces)."""
    low = text.casefold()
    words = {w for w in _WORD.findall(low) if not _CJK.search(w)}
    han = "".join(_CJK.findall(low))
    pairs = {han[i:i + 2] for i in range(len(han) - 1)} or ({han} if han else set())
    return frozenset(words | pairs)


def similar(a: str, b: str) -> bool:
    ta, tb = _terms(a), _terms(b)
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= SAME_QUESTION


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Recent:
    """Ids in the order they came up, the most recent MAX_ITEMS."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, value: Any) -> None:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            return
        key = str(value).strip()[:64]
        if not key:
            return
        self._ids.pop(key, None)
        self._ids[key] = None
        while len(self._ids) > MAX_ITEMS:
            self._ids.popitem(last=False)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)


class HandoffTracker:
    """One conversation's hand-off signals and transcript. Not thread-safe: call it under the conversation's
    lock (``AssistantService.reply`` does)."""

    def __init__(self, *, now: Callable[[], dt.datetime] = _utcnow) -> None:
        self._now = now
        self.transcript: deque[TranscriptLine] = deque(maxlen=MAX_TRANSCRIPT)
        self.language = ""
        self.intent = ""  # the last intent that was a topic (not a greeting or a clarification)
        self.turns = 0
        self.explicit_request = False
        self.frustration_count = 0
        self.damaged_or_wrong_item = False
        self.same_question_failures = 0
        self.order_value: Decimal | None = None
        self.vip = False
        self.forbidden_request = False
        self.turn_reason: HandoffReason | None = None  # the brain's own hand-off in the last turn
        self.handed_off = False
        self.products = _Recent()  # skus the shopper saw or asked about
        self.orders = _Recent()  # order ids the tools found for this shopper
        self.questions: deque[str] = deque(maxlen=20)  # the shopper's recent turns
        self._settled_vip = False
        self._settled_value: Decimal | None = None

    # --- observing ----------------------------------------------------------------------------------
    def set_customer(self, customer: Customer | None) -> None:
        """The signed-in shopper from the merchant's store data (None for a guest)."""
        self.vip = bool(customer is not None and customer.vip)

    def observe(self, text: str, reply: BrainReply) -> HandoffSignals:
        """One turn: what the shopper said and what the brain answered (as shown to the shopper)."""
        text = text if isinstance(text, str) else str(text)
        shopper = " ".join(text.split())[:MAX_LINE]
        at = self._now()
        self.turns += 1
        self.language = reply.language or self.language
        intent = str(reply.metadata.get("intent") or "")
        if intent and intent not in UNANSWERED_INTENTS | {"greeting", "thanks", "human", "injection"}:
            self.intent = intent
        self.turn_reason = reason_of(reply.handoff_reason) if reply.handoff == "human" else None
        reason = self.turn_reason
        if reason is HandoffReason.EXPLICIT_REQUEST or safety.wants_human(shopper):
            self.explicit_request = True
        if reason is HandoffReason.FRUSTRATION or (shopper and safety.is_angry(shopper)):
            self.frustration_count += 1
        if reason is HandoffReason.DAMAGED_OR_WRONG_ITEM:
            self.damaged_or_wrong_item = True
        if reason is HandoffReason.NOT_ALLOWED:
            self.forbidden_request = True
        self._count_failure(shopper, reply, intent)
        self._note_tools(reply)
        if shopper:
            self.transcript.append(TranscriptLine(at, Speaker.SHOPPER, shopper))
            self.questions.append(shopper)
        if reply.text:
            self.transcript.append(TranscriptLine(at, Speaker.AI, reply.text[:MAX_LINE]))
        return self.signals

    def _count_failure(self, shopper: str, reply: BrainReply, intent: str) -> None:
        """A turn fails when the brain did not understand it, a tool failed, or the shopper asks again what
        they just asked (the answer did not help); a turn that is neither ends the streak."""
        if intent == "injection":
            return  # refused outright: an attacker's repeats are no failures to escalate
        unanswered = intent in UNANSWERED_INTENTS or reply.handoff_reason == "low_confidence"
        tool_failed = any(c.error for c in reply.tool_calls)
        repeated = bool(shopper) and bool(self.questions) and similar(shopper, self.questions[-1])
        if unanswered or tool_failed or repeated:
            self.same_question_failures += 1
        else:
            self.same_question_failures = 0

    def _note_tools(self, reply: BrainReply) -> None:
        for call in reply.tool_calls:
            result = call.result if isinstance(call.result, dict) else {}
            if call.name in _SKU_TOOLS and result.get("found") is not False:  # no unknown skus crowding out
                sku = result["sku"] if "sku" in result else call.arguments.get("sku")
                self.products.add(str(sku).strip().upper() if sku else None)
            if call.name == "get_order" and result.get("found") and isinstance(result.get("order"), dict):
                self._order(result["order"])
            products = result.get("products")
            for p in products if isinstance(products, list) else []:
                if isinstance(p, dict):
                    self.products.add(p.get("sku"))
            if result.get("found") and isinstance(result.get("product"), dict):
                self.products.add(result["product"].get("sku"))
        for card in reply.cards:
            if card.get("type") == "order":
                self._order(card)
            elif card.get("type") == "product":
                self.products.add(card.get("sku"))

    def _order(self, order: dict[str, Any]) -> None:
        self.orders.add(order.get("order_id"))
        total = _money(order.get("total"))
        if total is not None and (self.order_value is None or total > self.order_value):
            self.order_value = total

    def revise_last_reply(self, text: str) -> None:
        """The AI's last line as the shopper actually saw or heard it: with the desk's notice composed in,
        or cut short by a barge-in."""
        for i in range(len(self.transcript) - 1, -1, -1):
            line = self.transcript[i]
            if line.speaker is Speaker.AI:
                self.transcript[i] = TranscriptLine(line.at, Speaker.AI, text[:MAX_LINE])
                return

    def add_line(self, speaker: Speaker, text: str) -> None:
        """A line the shopper saw outside a brain turn (a person's message, a notice)."""
        clean = text.strip()[:MAX_LINE]
        if clean:
            self.transcript.append(TranscriptLine(self._now(), speaker, clean))

    # --- deciding -----------------------------------------------------------------------------------
    @property
    def signals(self) -> HandoffSignals:
        return HandoffSignals(self.explicit_request, self.frustration_count, self.damaged_or_wrong_item,
                              self.same_question_failures, self.order_value, self.vip, self.forbidden_request)

    def _standing(self) -> HandoffSignals:
        """The signals the rules read: a VIP or an order value already handed over once (and handed back) does
        not hand the conversation over again."""
        value = self.order_value
        if self._settled_value is not None and value is not None and value <= self._settled_value:
            value = None
        return HandoffSignals(self.explicit_request, self.frustration_count, self.damaged_or_wrong_item,
                              self.same_question_failures, value, self.vip and not self._settled_vip,
                              self.forbidden_request)

    def decide(self, settings: HandoffSettings) -> HandoffDecision:
        """Hand off now? The brain's own hand-off of the last turn comes first (it already told the shopper
        why), then every rule of the merchant that trips. Nothing while the humans already have it."""
        if self.handed_off:
            return HandoffDecision(False)
        ruled = decide(self._standing(), settings)
        if self.turn_reason is None:
            return ruled
        reasons = tuple(dict.fromkeys((self.turn_reason, *ruled.reasons)))
        return HandoffDecision(True, self.turn_reason, reasons)

    def mark_handed_off(self) -> None:
        self.handed_off = True

    def handed_back(self) -> None:
        """A person handed the conversation back to the AI: what led to the hand-off is dealt with."""
        self.handed_off = False
        self.turn_reason = None
        self.explicit_request = self.damaged_or_wrong_item = self.forbidden_request = False
        self.frustration_count = self.same_question_failures = 0
        self._settled_vip = self.vip
        self._settled_value = self.order_value

    def shopper_questions(self, last: int = 3) -> list[str]:
        return list(self.questions)[-last:]
