"""Room and participant records (consult, live, voice rooms and group calls) as the platform stores them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class RoomKind(str, Enum):
    CONSULT = "consult"  # 1v1 video consult shopper <-> seller
    LIVE = "live"  # live shopping: hosts publish, audience watches
    VOICE = "voice"  # audio room (AudioBridge)
    GROUP = "group"  # group video call: up to 9 on camera (souk.signal.group, docs/group-calls.md)


class RoomStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Room:
    id: str
    merchant_id: str
    kind: RoomKind
    status: RoomStatus
    created_at: dt.datetime
    closed_at: dt.datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status is RoomStatus.OPEN


@dataclass(frozen=True, slots=True)
class Participant:
    """One stay of an identity in a room; a re-join after leaving is a new record."""

    id: int
    room_id: str
    merchant_id: str
    identity: str
    role: str  # a souk.auth.tokens.Role value ("host", "member", "audience", ...)
    name: str
    joined_at: dt.datetime
    left_at: dt.datetime | None = None

    @property
    def present(self) -> bool:
        return self.left_at is None
