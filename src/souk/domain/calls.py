"""Call records: one row per shopper -> seller video call request and how it ended."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any


class CallOutcome(str, Enum):
    COMPLETED = "completed"  # answered, then hung up normally
    DECLINED = "declined"  # the seller refused
    MISSED = "missed"  # nobody answered before the ring timeout
    CANCELLED = "cancelled"  # the shopper gave up before an answer
    FAILED = "failed"  # media or signaling failure
    INTERRUPTED = "interrupted"  # the Souk process running it died; ended when its node started again


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: str
    merchant_id: str
    room_id: str | None
    shopper_identity: str
    seller_identity: str | None
    product_sku: str | None
    language: str | None
    requested_at: dt.datetime
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    outcome: CallOutcome | None = None  # None while ringing or in progress
    duration_s: float | None = None  # answered -> ended; 0.0 when never answered
    node_id: str = ""  # the node that rang and runs the call ('' = the single node)
    detail: dict[str, Any] | None = None  # the rest of the call (souk.consult.models.Call), for any node to show

    @property
    def ringing(self) -> bool:
        return self.answered_at is None and self.ended_at is None

    @property
    def in_progress(self) -> bool:
        return self.answered_at is not None and self.ended_at is None
