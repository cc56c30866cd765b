"""Call records as frozen values."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any

from souk.domain.calls import CallOutcome


class CallState(str, Enum):
    RINGING = "ringing"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MISSED = "missed"
    CANCELLED = "cancelled"  # the shopper hung up before anyone answered
    ENDED = "ended"
    FAILED = "failed"  # cut short by the platform (e.g. the server shutting down)

    @property
    def final(self) -> bool:
        return self not in (CallState.RINGING, CallState.ACCEPTED)


_OUTCOME = {
    CallState.ENDED: CallOutcome.COMPLETED,
    CallState.DECLINED: CallOutcome.DECLINED,
    CallState.MISSED: CallOutcome.MISSED,
    CallState.CANCELLED: CallOutcome.CANCELLED,
    CallState.FAILED: CallOutcome.FAILED,
}


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
