"""The customer-service desk in the database: conversations with their timelines, staff profiles, settings.

These implement the Protocols of ``souk.desk.ports`` (ConversationStore, StaffStore, DeskSettingsStore); the
rules are the domain's (``souk.domain.desk``). A conversation's row is its state, its events are rows
numbered 1, 2, ... ``append`` runs in one write transaction holding the conversation's row (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite writers are serialized by BEGIN IMMEDIATE): ``timeline.apply`` checks each
event against the stored state, then the events take the next numbers and the row its new state. An event
the domain refuses raises before anything is written, so concurrent writers get consecutive numbers and a
refused batch leaves no trace.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from souk.core.clock import Clock
from souk.core.errors import BadRequest, Conflict, NotFound, SoukError
from souk.domain.desk.routing import Skills
from souk.domain.desk.settings import DeskSettings
from souk.domain.desk.staff import StaffProfile
from souk.domain.desk.timeline import (
    MAX_EVENTS,
    Channel,
    Conversation,
    Event,
    Resolution,
    Status,
    Timeline,
    apply,
    decode_event,
    encode_event,
)
from souk.storage.db import Database
from souk.storage.repos.base import Repo, check_limit, require_text, upsert
from souk.storage.repos.redaction import TranscriptPolicy, redact_spoken
from souk.storage.schema import desk_agents, desk_conversations, desk_events, desk_settings
from souk.storage.sealing import ValueSealer, seal, unseal

MAX_TIMELINES = 20_000  # conversations one metrics read may take
# the columns' lengths, checked before writing so that SQLite (which does not enforce them) refuses alike
LENGTHS = {"id": 128, "shopper_identity": 128, "language": 16, "customer_id": 64, "queue": 200,
           "agent_id": 128, "active_call": 128}
UNFINISHED = (Status.QUEUED.value, Status.ASSIGNED.value)
T = desk_conversations


def _missing(conversation_id: str) -> NotFound:
    return NotFound(f"no conversation {conversation_id!r}", code="conversation_not_found")


def _key(merchant_id: str, conversation_id: str) -> tuple[Any, ...]:
    return (T.c.merchant_id == merchant_id, T.c.id == conversation_id)


def _check(c: Conversation) -> None:
    require_text(c.merchant_id, "merchant id", max_len=64)
    require_text(c.id, "conversation id", max_len=LENGTHS["id"])
    require_text(c.shopper_identity, "shopper identity", max_len=LENGTHS["shopper_identity"])
    for name, limit in LENGTHS.items():
        value = getattr(c, name)
        if value is not None and len(value) > limit:
            raise BadRequest(f"{name} is longer than {limit} characters", code="bad_value",
                             details={"field": name})


def _state(c: Conversation) -> dict[str, Any]:
    """The columns that change as events are applied."""
    return {"status": c.status.value, "customer_id": c.customer_id, "queue": c.queue, "agent_id": c.agent_id,
            "active_call": c.active_call, "updated_at": c.updated_at, "closed_at": c.closed_at,
            "resolution": None if c.resolution is None else c.resolution.value, "csat": c.csat,
            "events": c.events}


def _columns(c: Conversation) -> dict[str, Any]:
    return {"merchant_id": c.merchant_id, "id": c.id, "channel": c.channel.value,
            "shopper_identity": c.shopper_identity, "language": c.language, "created_at": c.created_at,
            **_state(c)}


def _conversation(row: Any) -> Conversation:
    return Conversation(
        merchant_id=row.merchant_id, id=row.id, channel=Channel(row.channel), shopper_identity=row.shopper_identity,
        language=row.language, created_at=row.created_at, updated_at=row.updated_at, status=Status(row.status),
        customer_id=row.customer_id, queue=row.queue, agent_id=row.agent_id, active_call=row.active_call,
        closed_at=row.closed_at, resolution=None if row.resolution is None else Resolution(row.resolution),
        csat=row.csat, events=row.events)


def _body(event: Event) -> str:
    return json.dumps(encode_event(event), separators=(",", ":"), ensure_ascii=False)


PURPOSE = "desk_event"  # the sealed bodies' purpose (souk.privacy.keys.PURPOSE_DESK_EVENT)


def _event(row: Any, body: str) -> Event:
    """A stored event (``body``: its opened JSON); one that no longer decodes is our fault (500)."""
    try:
        return decode_event(json.loads(body))
    except ValueError as exc:  # bad JSON, or decode_event's BadRequest (a ValueError too)
        raise SoukError(f"stored event {row.seq} of conversation {row.conversation_id!r} is unreadable: {exc}",
                        code="desk_event_unreadable") from exc


async def _exists(conn: AsyncConnection, merchant_id: str, conversation_id: str) -> bool:
    return await conn.scalar(sa.select(sa.literal(1)).where(*_key(merchant_id, conversation_id))) is not None


class SqlConversationRepo(Repo):
    """Events' bodies (transcript lines included) are sealed with the merchant's data key when a sealer is
    given (encryption at rest, souk.storage.sealing); the conversation row's columns stay plain."""

    def __init__(self, db: Database, clock: Clock, sealer: ValueSealer | None = None,
                 redaction: TranscriptPolicy | None = None) -> None:
        super().__init__(db, clock)
        self._sealer = sealer
        self._redaction = redaction  # a voice conversation's spoken lines redacted before sealing (PII)

    async def create(self, conversation: Conversation) -> None:
        _check(conversation)
        async with self._db.write() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            done = await conn.execute(insert(T).values(**_columns(conversation)).on_conflict_do_nothing(
                index_elements=[T.c.merchant_id, T.c.id]))
            if done.rowcount == 0:
                raise Conflict(f"conversation {conversation.id!r} exists", code="conversation_exists")

    async def append(self, merchant_id: str, conversation_id: str, events: Sequence[Event]) -> tuple[Conversation, int]:
        if self._redaction is not None and events and await self._redaction.transcripts(merchant_id):
            async with self._db.read() as conn:  # only then: the channel says whether the lines were spoken
                channel = await conn.scalar(sa.select(T.c.channel).where(*_key(merchant_id, conversation_id)))
            if channel == Channel.ASSISTANT_VOICE:  # spoken lines (a missing conversation is 404 below)
                events = [redact_spoken(e) for e in events]
        bodies = [await seal(self._sealer, merchant_id, PURPOSE, _body(event)) for event in events]
        async with self._db.write() as conn:
            row = (await conn.execute(sa.select(T).where(*_key(merchant_id, conversation_id))
                                      .with_for_update())).first()
            if row is None:
                raise _missing(conversation_id)
            before = after = _conversation(row)
            for event in events:  # the domain's 400/409 raise here, before anything is written
                after = apply(after, event)
            if not events:
                return before, before.events
            _check(after)
            await conn.execute(desk_events.insert(), [
                {"merchant_id": merchant_id, "conversation_id": conversation_id, "seq": before.events + i,
                 "kind": event.kind, "at": event.at, "body": body}
                for i, (event, body) in enumerate(zip(events, bodies, strict=True), start=1)])
            await conn.execute(T.update().where(*_key(merchant_id, conversation_id)).values(**_state(after)))
        return after, after.events

    async def get(self, merchant_id: str, conversation_id: str) -> Conversation:
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(T).where(*_key(merchant_id, conversation_id)))).first()
        if row is None:
            raise _missing(conversation_id)
        return _conversation(row)

    async def events(self, merchant_id: str, conversation_id: str, *, after: int = 0,
                     limit: int = 1000) -> list[tuple[int, Event]]:
        if not 0 < limit <= MAX_EVENTS:  # a whole timeline may be read at once (the desk service does)
            raise BadRequest(f"limit must be 1..{MAX_EVENTS}, got {limit}", code="bad_value")
        e = desk_events
        async with self._db.read() as conn:
            if not await _exists(conn, merchant_id, conversation_id):
                raise _missing(conversation_id)
            rows = (await conn.execute(
                sa.select(e.c.seq, e.c.conversation_id, e.c.body)
                .where(e.c.merchant_id == merchant_id, e.c.conversation_id == conversation_id, e.c.seq > after)
                .order_by(e.c.seq).limit(limit))).all()
        return [(row.seq, _event(row, await unseal(self._sealer, merchant_id, PURPOSE, row.body))) for row in rows]

    async def find(self, merchant_id: str, *, status: Status | None = None, agent_id: str | None = None,
                   shopper: str | None = None, limit: int = 100) -> list[Conversation]:
        check_limit(limit)
        query = sa.select(T).where(T.c.merchant_id == merchant_id)
        if status is not None:
            query = query.where(T.c.status == Status(status).value)
        if agent_id is not None:
            query = query.where(T.c.agent_id == agent_id)
        if shopper is not None:
            query = query.where(T.c.shopper_identity == shopper)
        async with self._db.read() as conn:
            rows = (await conn.execute(query.order_by(T.c.updated_at.desc(), T.c.id.desc()).limit(limit))).all()
        return [_conversation(r) for r in rows]

    async def unfinished(self) -> list[Conversation]:
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(T).where(T.c.status.in_(UNFINISHED))
                                       .order_by(T.c.merchant_id, T.c.created_at, T.c.id))).all()
        return [_conversation(r) for r in rows]

    async def timelines(self, merchant_id: str, *, since: dt.datetime, limit: int = 5000) -> list[Timeline]:
        if not 0 < limit <= MAX_TIMELINES:
            raise BadRequest(f"limit must be 1..{MAX_TIMELINES}, got {limit}", code="bad_value")
        if since.tzinfo is None:
            raise BadRequest("since carries its UTC offset", code="naive_time")
        e = desk_events
        chosen = (sa.select(T.c.id).where(T.c.merchant_id == merchant_id, T.c.created_at >= since)
                  .order_by(T.c.created_at, T.c.id).limit(limit))
        async with self._db.read() as conn:  # one snapshot: the states and their events agree
            rows = (await conn.execute(sa.select(T).where(T.c.merchant_id == merchant_id,
                                                          T.c.id.in_(chosen.scalar_subquery()))
                                       .order_by(T.c.created_at, T.c.id))).all()
            event_rows = (await conn.execute(
                sa.select(e.c.conversation_id, e.c.seq, e.c.body)
                .where(e.c.merchant_id == merchant_id, e.c.conversation_id.in_(chosen.scalar_subquery()))
                .order_by(e.c.conversation_id, e.c.seq))).all()
        by_conversation: dict[str, list[Event]] = {}
        for row in event_rows:
            body = await unseal(self._sealer, merchant_id, PURPOSE, row.body)
            by_conversation.setdefault(row.conversation_id, []).append(_event(row, body))
        return [Timeline(_conversation(r), tuple(by_conversation.get(r.id, ()))) for r in rows]


def _skills(doc: Any) -> Skills:
    doc = doc or {}
    return Skills(frozenset(doc.get("languages", ())), frozenset(doc.get("categories", ())),
                  bool(doc.get("vip", False)), bool(doc.get("video", False)))


def _profile(row: Any) -> StaffProfile:
    return StaffProfile(row.merchant_id, row.id, row.name, _skills(row.skills), row.capacity)


class SqlStaffRepo(Repo):
    async def put_agent(self, profile: StaffProfile) -> None:
        s = profile.skills
        async with self._db.write() as conn:
            await upsert(conn, desk_agents, {
                "merchant_id": profile.merchant_id, "id": profile.id, "name": profile.name,
                "skills": {"languages": sorted(s.languages), "categories": sorted(s.categories), "vip": s.vip,
                           "video": s.video},
                "capacity": profile.capacity, "updated_at": self._now()}, keys=("merchant_id", "id"))

    async def agent(self, merchant_id: str, agent_id: str) -> StaffProfile | None:
        a = desk_agents
        async with self._db.read() as conn:
            row = (await conn.execute(sa.select(a).where(a.c.merchant_id == merchant_id, a.c.id == agent_id))).first()
        return None if row is None else _profile(row)

    async def agents(self, merchant_id: str) -> list[StaffProfile]:
        a = desk_agents
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(a).where(a.c.merchant_id == merchant_id).order_by(a.c.id))).all()
        return [_profile(r) for r in rows]

    async def remove_agent(self, merchant_id: str, agent_id: str) -> bool:
        a = desk_agents
        async with self._db.write() as conn:
            done = await conn.execute(a.delete().where(a.c.merchant_id == merchant_id, a.c.id == agent_id))
        return bool(done.rowcount)

    async def all_agents(self) -> list[StaffProfile]:
        a = desk_agents
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(a).order_by(a.c.merchant_id, a.c.id))).all()
        return [_profile(r) for r in rows]


def _settings(merchant_id: str, doc: Any) -> DeskSettings:
    try:
        return DeskSettings.from_dict(doc)
    except SoukError as exc:  # saved by put_desk_settings from checked settings: unreadable is our fault
        raise SoukError(f"stored desk settings of {merchant_id!r} are unreadable: {exc}",
                        code="desk_settings_unreadable") from exc


class SqlDeskSettingsRepo(Repo):
    async def desk_settings(self, merchant_id: str) -> DeskSettings:
        s = desk_settings
        async with self._db.read() as conn:
            doc = await conn.scalar(sa.select(s.c.body).where(s.c.merchant_id == merchant_id))
        return DeskSettings() if doc is None else _settings(merchant_id, doc)

    async def put_desk_settings(self, merchant_id: str, settings: DeskSettings) -> None:
        async with self._db.write() as conn:
            await upsert(conn, desk_settings, {"merchant_id": merchant_id, "body": settings.to_dict(),
                                               "updated_at": self._now()}, keys=("merchant_id",))

    async def all_desk_settings(self) -> dict[str, DeskSettings]:
        s = desk_settings
        async with self._db.read() as conn:
            rows = (await conn.execute(sa.select(s.c.merchant_id, s.c.body).order_by(s.c.merchant_id))).all()
        return {r.merchant_id: _settings(r.merchant_id, r.body) for r in rows}
