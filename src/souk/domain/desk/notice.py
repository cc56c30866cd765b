"""What the shopper is told when the AI hands over: the truth about when a person will answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any


class NoticeKind(str, Enum):
    ASSIGNED = "assigned"  # a person has it now
    QUEUED = "queued"  # someone online will take it: position and expected wait
    AFTER_HOURS = "after_hours"  # outside the merchant's support hours: when they open; the AI keeps helping
    NOBODY_ONLINE = "nobody_online"  # within hours but nobody online: waits in the queue; the AI keeps helping


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    kind: NoticeKind
    position: int = 0  # conversations ahead in its queue
    wait_s: float | None = None  # expected wait (QUEUED), None when nobody can promise one
    opens_at: dt.datetime | None = None  # next start of support hours (AFTER_HOURS), UTC-aware
    agent_name: str = ""  # ASSIGNED
    email_offer: bool = False  # offer to be contacted by e-mail

    @property
    def person_now(self) -> bool:
        return self.kind in (NoticeKind.ASSIGNED, NoticeKind.QUEUED)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "position": self.position, "wait_s": self.wait_s,
                "opens_at": None if self.opens_at is None else self.opens_at.isoformat(),
                "agent_name": self.agent_name, "email_offer": self.email_offer}
