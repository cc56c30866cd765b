"""What the desk service needs from storage. The SQL repositories (``souk.storage.repos.desk``) and the
in-memory ones of the tests implement these Protocols; every call takes the merchant first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import Conversation, Event, Status, Timeline


class ConversationStore(Protocol):
    async def create(self, conversation: Conversation) -> None:
        """Insert a new conversation (409 ``conversation_exists`` when its id is taken)."""

    async def append(self, merchant_id: str, conversation_id: str, events: Sequence[Event]) -> tuple[Conversation, int]:
        """In one transaction holding the conversation's row: ``timeline.apply`` each event to the stored state,
        insert the events with the next sequence numbers, save the new state. Returns the new state and the
        sequence number of the last event. 404 ``conversation_not_found``; the domain's 409/400 pass through
        and nothing is written."""

    async def get(self, merchant_id: str, conversation_id: str) -> Conversation:
        """404 ``conversation_not_found``."""

    async def events(self, merchant_id: str, conversation_id: str, *, after: int = 0,
                     limit: int = 1000) -> list[tuple[int, Event]]:
        """(seq, event) in order, seq > ``after``; 404 when the conversation is not the merchant's."""

    async def find(self, merchant_id: str, *, status: Status | None = None, agent_id: str | None = None,
                   shopper: str | None = None, limit: int = 100) -> list[Conversation]:
        """The merchant's conversations, most recently updated first."""

    async def unfinished(self) -> list[Conversation]:
        """Every merchant's conversations that are queued or assigned (the desk rebuilds its queues from them)."""

    async def timelines(self, merchant_id: str, *, since: dt.datetime, limit: int = 5000) -> list[Timeline]:
        """Conversations created at or after ``since`` with all their events (metrics)."""


class StaffStore(Protocol):
    async def put_agent(self, profile: StaffProfile) -> None: ...

    async def agent(self, merchant_id: str, agent_id: str) -> StaffProfile | None: ...

    async def agents(self, merchant_id: str) -> list[StaffProfile]: ...

    async def remove_agent(self, merchant_id: str, agent_id: str) -> bool: ...

    async def all_agents(self) -> list[StaffProfile]: ...


class DeskSettingsStore(Protocol):
    async def desk_settings(self, merchant_id: str) -> DeskSettings:
        """The merchant's settings, the defaults when none were saved."""

    async def put_desk_settings(self, merchant_id: str, settings: DeskSettings) -> None: ...

    async def all_desk_settings(self) -> dict[str, DeskSettings]:
        """Every merchant that saved settings."""
