"""Calls as frozen values, and their two stored forms: the call record (the database: the truth, on every
node) and the bus message (a change, told to every node)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from souk.domain.calls import CallOutcome, CallRecord


class CallState(str, Enum):
    RINGING = "ringing"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MISSED = "missed"
    CANCELLED = "cancelled"  # the shopper hung up before anyone answered
    ENDED = "ended"
    FAILED = "failed"  # cut short by the platform (e.g. the server shutting down)
    INTERRUPTED = "interrupted"  # the node running it died; ended when that node started again

    @property
    def final(self) -> bool:
        return self not in (CallState.RINGING, CallState.ACCEPTED)


_OUTCOME = {
    CallState.ENDED: CallOutcome.COMPLETED,
    CallState.DECLINED: CallOutcome.DECLINED,
    CallState.MISSED: CallOutcome.MISSED,
    CallState.CANCELLED: CallOutcome.CANCELLED,
    CallState.FAILED: CallOutcome.FAILED,
    CallState.INTERRUPTED: CallOutcome.INTERRUPTED,
}
_STATE = {outcome: state for state, outcome in _OUTCOME.items()}
_RANK = {CallState.RINGING: 0, CallState.ACCEPTED: 1}  # final states rank 2: a call never goes back
DETAIL = ("shopper_name", "product_name", "ended_by", "origin_room", "note", "origin_cart", "conversation_id")


@dataclass(frozen=True, slots=True)
class Call:
    id: str
    merchant_id: str
    room_id: str
    shopper: str
    product_sku: str
    language: str
    state: CallState
    requested_at: float  # unix seconds
    shopper_name: str = ""
    product_name: str = ""
    seller: str = ""
    answered_at: float | None = None
    ended_at: float | None = None
    ended_by: str = ""
    # A consult asked for from a live show: the live room, the viewer's note, and their cart when they asked
    # ({items, total, currency}; the cart itself stays the viewer's live cart: (merchant, origin_room, shopper)).
    origin_room: str = ""
    note: str = ""
    origin_cart: dict[str, Any] | None = None
    node: str = ""  # the node that rang it and runs its timers (settings.node_id)
    conversation_id: str = ""  # the desk conversation whose video offer the shopper accepted (souk.desk)

    @property
    def outcome(self) -> CallOutcome | None:
        return _OUTCOME.get(self.state)

    @property
    def duration_s(self) -> float:
        if self.answered_at is None or self.ended_at is None:
            return 0.0
        return max(0.0, self.ended_at - self.answered_at)

    def replace(self, **changes: Any) -> Call:
        return dataclasses.replace(self, **changes)

    @property
    def rank(self) -> int:
        return _RANK.get(self.state, 2)

    def detail(self) -> dict[str, Any]:
        """What the call record keeps beside its columns."""
        return {name: getattr(self, name) for name in DETAIL}

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["state"] = self.state.value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Call:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["state"] = CallState(values["state"])
        return cls(**values)

    @classmethod
    def from_record(cls, record: CallRecord) -> Call:
        """The call as its record in the database says it is (any node, or after a restart)."""
        detail = record.detail or {}
        if record.outcome is not None:
            state = _STATE[record.outcome]
        else:
            state = CallState.ACCEPTED if record.answered_at is not None else CallState.RINGING
        return cls(
            id=record.id, merchant_id=record.merchant_id, room_id=record.room_id or "",
            shopper=record.shopper_identity, product_sku=record.product_sku or "", language=record.language or "",
            state=state, requested_at=record.requested_at.timestamp(), seller=record.seller_identity or "",
            answered_at=record.answered_at.timestamp() if record.answered_at else None,
            ended_at=record.ended_at.timestamp() if record.ended_at else None,
            node=record.node_id,
            **{name: detail[name] for name in DETAIL if name in detail and detail[name] is not None},
        )


def encode_change(call: Call, origin: str) -> bytes:
    """A call change on the bus: the whole call and the process that changed it."""
    return json.dumps({"origin": origin, "call": call.to_json()}, separators=(",", ":")).encode()


def decode_change(payload: bytes) -> tuple[Call, str]:
    data = json.loads(payload)
    return Call.from_json(data["call"]), str(data["origin"])
