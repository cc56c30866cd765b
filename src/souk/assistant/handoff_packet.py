"""The packet a person receives with a hand-off, so the shopper never repeats themselves.

Built from what the conversation's ``HandoffTracker`` saw and from the merchant's store data: the signed-in
customer and their recent orders, the products and orders that came up (only ones that exist in this
merchant's store), a short deterministic summary for staff, and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Protocol

from souk.domain.desk.handoff import (
    MAX_ITEMS,
    MAX_SUMMARY,
    MAX_TRANSCRIPT,
    HandoffPacket,
    HandoffReason,
    HandoffSignals,
    PacketCustomer,
    PacketOrder,
    TranscriptLine,
)
from souk.domain.models import Order
from souk.domain.store import StoreSnapshot


class HandoffTracker(Protocol):
    """What the packet reads of ``souk.assistant.handoff.HandoffTracker`` (restated: no import circle)."""

    @property
    def intent(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def order_value(self) -> Decimal | None: ...

    @property
    def transcript(self) -> Iterable[TranscriptLine]: ...

    @property
    def products(self) -> Iterable[str]: ...

    @property
    def orders(self) -> Iterable[str]: ...

    @property
    def signals(self) -> HandoffSignals: ...

    def shopper_questions(self, last: int = 3) -> list[str]: ...

RECENT_ORDERS = 10  # of the signed-in customer's orders, newest first
SUMMARY_QUESTIONS = 3
QUESTION_CHARS = 240


def _order(o: Order) -> PacketOrder:
    placed = dt.datetime.combine(o.placed_on, dt.time(), tzinfo=dt.UTC) if o.placed_on else None
    return PacketOrder(o.id, o.status.value, o.total, placed)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary(tracker: HandoffTracker, reason: HandoffReason) -> str:
    """One paragraph for staff (in English, like the rest of the desk page): why, the topic, what the
    shopper asked last, and the signals that count."""
    label = "VIP" if reason is HandoffReason.VIP else reason.value.replace("_", " ")
    parts = [f"Hand-off: {label}."]
    if tracker.intent:
        parts.append(f"Topic: {tracker.intent.replace('_', ' ')}.")
    if tracker.language:
        parts.append(f"Language: {tracker.language}.")
    s = tracker.signals
    facts = []
    if s.vip:
        facts.append("VIP customer")
    if s.order_value is not None:
        facts.append(f"largest order discussed {s.order_value}")
    if s.frustration_count:
        facts.append(f"{s.frustration_count} frustrated turn(s)")
    if s.same_question_failures:
        facts.append(f"{s.same_question_failures} unanswered or repeated question(s)")
    if facts:
        joined = "; ".join(facts)
        parts.append(joined[0].upper() + joined[1:] + ".")
    asked = [f'"{_clip(q, QUESTION_CHARS)}"' for q in tracker.shopper_questions(SUMMARY_QUESTIONS)]
    if asked:
        parts.append("Shopper said: " + " / ".join(asked))
    return _clip(" ".join(parts), MAX_SUMMARY)


def _existing(ids: Iterable[str], exists: Callable[[str], object | None]) -> tuple[str, ...]:
    found = [i for i in ids if exists(i) is not None]
    return tuple(found[-MAX_ITEMS:])


def build_packet(tracker: HandoffTracker, reason: HandoffReason, *, snapshot: StoreSnapshot,
                 customer_id: str | None, channel: str = "text",
                 extra: Iterable[tuple[str, str]] = ()) -> HandoffPacket:
    """The packet for a hand-off now. ``customer_id`` is the shopper's claimed identity: a guest, or an id
    that is no customer of this store, gets no customer and no orders."""
    customer = snapshot.customer(customer_id) if customer_id else None
    profile = None if customer is None else PacketCustomer(customer.id, customer.name, customer.email, customer.vip)
    orders = tuple(_order(o) for o in snapshot.orders_of(customer.id)[:RECENT_ORDERS]) if customer else ()
    labelled = [("channel", channel)]
    if tracker.order_value is not None:
        labelled.append(("largest_order_value", f"{tracker.order_value} {snapshot.merchant.currency}"))
    labelled.extend((str(k)[:80], str(v)[:400]) for k, v in extra)
    return HandoffPacket(
        reason=reason,
        language=tracker.language or (customer.language if customer else "") or "en",
        intent=tracker.intent,
        summary=summary(tracker, reason),
        transcript=tuple(tracker.transcript)[-MAX_TRANSCRIPT:],
        customer=profile,
        orders=orders,
        products_mentioned=_existing(tracker.products, snapshot.product),
        orders_mentioned=_existing(tracker.orders, snapshot.order),
        extra=tuple(labelled[:MAX_ITEMS]),
    )
