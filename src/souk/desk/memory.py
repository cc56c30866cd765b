"""In-memory desk stores: the same Protocols as the SQL repositories (``souk.desk.ports``), for tests and
for a process started without a database of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from souk.core.errors import Conflict, NotFound
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import Conversation, Event, Status, Timeline, apply

Key = tuple[str, str]


def _missing(conversation_id: str) -> NotFound:
    return NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")


class MemoryConversations:
    def __init__(self) -> None:
        self._rows: dict[Key, Conversation] = {}
        self._events: dict[Key, list[Event]] = {}
        self._lock = asyncio.Lock()

    async def create(self, conversation: Conversation) -> None:
        async with self._lock:
            if conversation.key in self._rows:
                raise Conflict(f"conversation {conversation.id!r} exists", code="conversation_exists")
            self._rows[conversation.key] = conversation
            self._events[conversation.key] = []

    async def append(self, merchant_id: str, conversation_id: str,
                     events: Sequence[Event]) -> tuple[Conversation, int]:
        async with self._lock:
            key = (merchant_id, conversation_id)
            conv = self._rows.get(key)
            if conv is None:
                raise _missing(conversation_id)
            for event in events:  # all or nothing: a refused event leaves the row as it was
                conv = apply(conv, event)
            self._rows[key] = conv
            self._events[key].extend(events)
            return conv, len(self._events[key])

    async def get(self, merchant_id: str, conversation_id: str) -> Conversation:
        conv = self._rows.get((merchant_id, conversation_id))
        if conv is None:
            raise _missing(conversation_id)
        return conv

    async def events(self, merchant_id: str, conversation_id: str, *, after: int = 0,
                     limit: int = 1000) -> list[tuple[int, Event]]:
        events = self._events.get((merchant_id, conversation_id))
        if events is None:
            raise _missing(conversation_id)
        return [(i + 1, e) for i, e in enumerate(events) if i + 1 > after][:limit]

    async def find(self, merchant_id: str, *, status: Status | None = None, agent_id: str | None = None,
                   shopper: str | None = None, limit: int = 100) -> list[Conversation]:
        rows = [c for c in self._rows.values() if c.merchant_id == merchant_id
                and (status is None or c.status is status) and (agent_id is None or c.agent_id == agent_id)
                and (shopper is None or c.shopper_identity == shopper)]
        return sorted(rows, key=lambda c: c.updated_at, reverse=True)[:limit]

    async def unfinished(self) -> list[Conversation]:
        return [c for c in self._rows.values() if c.status in (Status.QUEUED, Status.ASSIGNED)]

    async def timelines(self, merchant_id: str, *, since: dt.datetime, limit: int = 5000) -> list[Timeline]:
        rows = [c for c in self._rows.values() if c.merchant_id == merchant_id and c.created_at >= since]
        rows.sort(key=lambda c: c.created_at)
        return [Timeline(c, tuple(self._events[c.key])) for c in rows[:limit]]


class MemoryStaff:
    def __init__(self) -> None:
        self._rows: dict[Key, StaffProfile] = {}

    async def put_agent(self, profile: StaffProfile) -> None:
        self._rows[(profile.merchant_id, profile.id)] = profile

    async def agent(self, merchant_id: str, agent_id: str) -> StaffProfile | None:
        return self._rows.get((merchant_id, agent_id))

    async def agents(self, merchant_id: str) -> list[StaffProfile]:
        return sorted((p for p in self._rows.values() if p.merchant_id == merchant_id), key=lambda p: p.id)

    async def remove_agent(self, merchant_id: str, agent_id: str) -> bool:
        return self._rows.pop((merchant_id, agent_id), None) is not None

    async def all_agents(self) -> list[StaffProfile]:
        return list(self._rows.values())


class MemoryDeskSettings:
    def __init__(self) -> None:
        self._rows: dict[str, DeskSettings] = {}

    async def desk_settings(self, merchant_id: str) -> DeskSettings:
        return self._rows.get(merchant_id) or DeskSettings()

    async def put_desk_settings(self, merchant_id: str, settings: DeskSettings) -> None:
        self._rows[merchant_id] = settings

    async def all_desk_settings(self) -> dict[str, DeskSettings]:
        return dict(self._rows)
