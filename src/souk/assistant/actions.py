"""Actions on a shopper's orders, as a service: quote from the merchant's current data, then execute a
confirmed quote once.

``quote`` reads a fresh snapshot from storage (never the assistant's cache) and asks the pure rules
(``souk.domain.order_actions``). ``execute`` writes through ``storage.order_actions``: conditional on the order's
state at that moment, audited (who, when, conversation, channel), one effect per idempotency key. After a write
the listeners hear the merchant's id (the assistant drops its cached snapshot of that merchant) and the
merchant's webhooks get the event (``order.cancelled``, ``order.updated``, ``return.created``,
``exchange.requested``, ``tracking.resent``) when this process runs them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection
from decimal import Decimal
from typing import Any, Protocol

from souk.core.clock import Clock
from souk.core.errors import BadRequest
from souk.desk.core import WebhookSink
from souk.domain import order_actions as oa
from souk.domain.desk.webhooks import EventType, WebhookEvent
from souk.domain.models import ReturnRecord
from souk.domain.order_actions import ActionKind, ActionQuote, ActionRecord, ActionRequest, Caller, RmaDraft
from souk.domain.store import StoreSnapshot

log = logging.getLogger(__name__)

EVENTS: dict[ActionKind, EventType] = {
    ActionKind.CANCEL: EventType.ORDER_CANCELLED, ActionKind.CHANGE_ADDRESS: EventType.ORDER_UPDATED,
    ActionKind.RETURN: EventType.RETURN_CREATED, ActionKind.EXCHANGE: EventType.EXCHANGE_REQUESTED,
    ActionKind.RESEND_TRACKING: EventType.TRACKING_RESENT,
}
# the name of each action as a tool call on the AI's message (the desk timeline shows it)
TOOL_NAMES: dict[ActionKind, str] = {
    ActionKind.CANCEL: "cancel_order", ActionKind.CHANGE_ADDRESS: "change_shipping_address",
    ActionKind.RETURN: "start_return", ActionKind.EXCHANGE: "request_exchange",
    ActionKind.RESEND_TRACKING: "resend_tracking",
}


class ActionStore(Protocol):
    """``storage.order_actions`` (souk.storage.repos.order_actions.SqlOrderActionRepo)."""

    async def cancel(self, merchant_id: str, req: ActionRequest, *, restock: bool = True) -> ActionRecord: ...
    async def change_address(self, merchant_id: str, req: ActionRequest, *, text: str,
                             country: str) -> ActionRecord: ...
    async def start_return(self, merchant_id: str, req: ActionRequest, draft: RmaDraft) -> ActionRecord: ...
    async def resend_tracking(self, merchant_id: str, req: ActionRequest) -> ActionRecord: ...
    async def of_order(self, merchant_id: str, order_id: str, *, limit: int = 100) -> list[ActionRecord]: ...
    async def returns_of(self, merchant_id: str, order_id: str) -> list[ReturnRecord]: ...


class ActionStorage(Protocol):
    @property
    def order_actions(self) -> ActionStore: ...

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot: ...


class ActionPort(Protocol):
    """What the assistant's brain needs: execute a quote the shopper confirmed."""

    async def execute(self, merchant_id: str, quote: ActionQuote, *, customer_id: str | None, actor: str,
                      channel: str, idempotency_key: str, conversation_id: str | None = None) -> ActionRecord: ...


def quote_from(snap: StoreSnapshot, kind: ActionKind, order_id: str, caller: Caller, *,
               today: dt.date | None = None, **params: Any) -> ActionQuote:
    """The pure quote of ``kind`` (params: ``address``/``country``; ``skus``/``defect``/``opened``;
    ``sku``/``to_value``/``attribute``)."""
    if kind is ActionKind.CANCEL:
        return oa.quote_cancel(snap, order_id, caller)
    if kind is ActionKind.CHANGE_ADDRESS:
        return oa.quote_address_change(snap, order_id, caller, address=str(params.get("address") or ""),
                                       country=params.get("country"))
    if kind is ActionKind.RETURN:
        return oa.quote_return(snap, order_id, caller, skus=tuple(params.get("skus") or ()),
                               defect=params.get("defect"), opened=bool(params.get("opened")), today=today)
    if kind is ActionKind.EXCHANGE:
        return oa.quote_exchange(snap, order_id, caller, sku=params.get("sku"),
                                 to_value=str(params.get("to_value") or ""), attribute=params.get("attribute"),
                                 today=today)
    return oa.quote_resend_tracking(snap, order_id, caller)


class OrderActions:
    def __init__(self, storage: ActionStorage, webhooks: WebhookSink | None, clock: Clock) -> None:
        self._storage = storage
        self._webhooks = webhooks
        self._clock = clock
        self.changed: list[Callable[[str], None]] = []  # told the merchant id after each write

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self._clock.wall(), dt.UTC).date()

    async def quote(self, merchant_id: str, kind: ActionKind, order_id: str, *, customer_id: str | None,
                    verified: Collection[str] = (), **params: Any) -> ActionQuote:
        snap = await self._storage.snapshot(merchant_id)
        return quote_from(snap, kind, order_id, Caller(customer_id, frozenset(verified)), today=self.today(),
                          **params)

    async def history(self, merchant_id: str, order_id: str, *, limit: int = 100) -> list[ActionRecord]:
        return await self._storage.order_actions.of_order(merchant_id, order_id, limit=limit)

    async def execute(self, merchant_id: str, quote: ActionQuote, *, customer_id: str | None, actor: str,
                      channel: str, idempotency_key: str, conversation_id: str | None = None) -> ActionRecord:
        """Carry out a quote that was allowed and confirmed. The write re-checks the order's state; a request
        whose key was used before returns that request's record (``replayed``) and changes nothing."""
        if not quote.allowed:
            raise BadRequest(f"a refused quote ({quote.refusal}) cannot be executed", code="action_refused")
        req = ActionRequest(kind=quote.kind, order_id=quote.order_id, idempotency_key=idempotency_key, actor=actor,
                            channel=channel, conversation_id=conversation_id, customer_id=customer_id,
                            details={"quote": quote.to_dict()})
        store = self._storage.order_actions
        if quote.kind is ActionKind.CANCEL:
            record = await store.cancel(merchant_id, req)
        elif quote.kind is ActionKind.CHANGE_ADDRESS:
            address = quote.details.get("address") or {}
            record = await store.change_address(merchant_id, req, text=str(address.get("text", "")),
                                                country=str(address.get("country", "")))
        elif quote.kind in (ActionKind.RETURN, ActionKind.EXCHANGE):
            record = await store.start_return(merchant_id, req, _draft(quote))
        else:
            record = await store.resend_tracking(merchant_id, req)
        if record.done and not record.replayed:
            for listener in self.changed:
                listener(merchant_id)
            await self._announce(merchant_id, record)
        log.info("order action %s on %s/%s: %s%s", record.kind, merchant_id, record.order_id, record.status,
                 " (replayed)" if record.replayed else "")
        return record

    async def _announce(self, merchant_id: str, record: ActionRecord) -> None:
        if self._webhooks is None:
            return
        details = dict(record.details)
        data = {"order_id": record.order_id, "action_id": record.id, "kind": record.kind, "actor": record.actor,
                "channel": record.channel, "conversation_id": record.conversation_id,
                "quote": details.pop("quote", None), **details}
        # the id comes from the action's: a retried delivery of the same action is the same event
        await self._webhooks.enqueue(WebhookEvent(merchant_id, f"evt_{record.id}", EVENTS[ActionKind(record.kind)],
                                                  self._clock.wall(), data))


def _draft(quote: ActionQuote) -> RmaDraft:
    if quote.kind is ActionKind.EXCHANGE:
        d = quote.details
        lines = tuple({"sku": i.sku, "qty": i.qty, "attribute": d.get("attribute"), "to": d.get("to")}
                      for i in quote.items)
        return RmaDraft(lines=lines, label=quote.label)
    return RmaDraft(lines=tuple({"sku": i.sku, "qty": i.qty, "unit_price": str(i.unit_price), "fee": str(i.fee)}
                                for i in quote.items),
                    refund_amount=Decimal(quote.refund_amount), fee=Decimal(quote.fee), label=quote.label)
