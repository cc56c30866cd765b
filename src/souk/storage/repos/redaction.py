"""PII redaction choices per merchant (issue 17 part 6): ``redaction_policies`` holds a merchant's own choice
per target where it differs from the ``[privacy]`` default. ``transcripts`` is the one target today: what is
stored as the text of speech (desk voice conversations' lines, live captions) is redacted
(souk.privacy.redact) before it is sealed and written.

The repositories that store transcripts ask :meth:`SqlRedactionRepo.transcripts` on each write; the answer is
cached per merchant for ``ttl_s`` (a change made on this node applies at once, one made on another node within
``ttl_s``)."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Protocol

import sqlalchemy as sa

from souk.core.clock import Clock
from souk.domain.captions import StoredCaption
from souk.domain.desk.handoff import HandoffPacket
from souk.domain.desk.timeline import AiMessage, Event, Handoff, ShopperMessage
from souk.privacy.redact import redact
from souk.storage.db import Database
from souk.storage.repos.base import Repo, upsert
from souk.storage.schema import redaction_policies


class RedactionTarget(StrEnum):
    TRANSCRIPTS = "transcripts"  # desk voice transcripts, live captions


class RedactionError(ValueError):
    pass


def check_target(target: str) -> RedactionTarget:
    try:
        return RedactionTarget(target)
    except ValueError as exc:
        raise RedactionError(f"unknown redaction target {target!r}: one of "
                             f"{', '.join(t.value for t in RedactionTarget)}") from exc


class SqlRedactionRepo(Repo):
    def __init__(self, db: Database, clock: Clock, *, transcripts_default: bool = False,
                 ttl_s: float = 10.0) -> None:
        super().__init__(db, clock)
        self.defaults = {RedactionTarget.TRANSCRIPTS: transcripts_default}
        self._ttl_s = ttl_s
        self._cache: dict[tuple[str, RedactionTarget], tuple[float, bool]] = {}

    async def own(self, merchant_id: str) -> dict[str, bool]:
        """The targets the merchant set, with their choice."""
        c = redaction_policies.c
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(c.target, c.enabled).where(c.merchant_id == merchant_id))
            return {r.target: bool(r.enabled) for r in rows}

    async def effective(self, merchant_id: str) -> dict[str, bool]:
        """Every target: the merchant's own choice, else the default."""
        return self.resolve(await self.own(merchant_id))

    def resolve(self, own: dict[str, bool]) -> dict[str, bool]:
        """Every target from the merchant's own choices (``own``), the default where it made none."""
        return {t.value: own.get(t.value, d) for t, d in self.defaults.items()}

    async def set(self, merchant_id: str, target: str, enabled: bool) -> None:
        t = check_target(target)
        if not isinstance(enabled, bool):
            raise RedactionError(f"redaction of {target} is on or off (true/false), got {enabled!r}")
        async with self._db.write() as conn:
            await upsert(conn, redaction_policies, {"merchant_id": merchant_id, "target": t.value,
                                                    "enabled": enabled, "updated_at": self._now()},
                         keys=["merchant_id", "target"])
        self._cache.pop((merchant_id, t), None)

    async def clear(self, merchant_id: str, target: str) -> bool:
        """Back to the default for ``target``; whether the merchant had its own."""
        t = check_target(target)
        c = redaction_policies.c
        async with self._db.write() as conn:
            r = await conn.execute(redaction_policies.delete().where(c.merchant_id == merchant_id,
                                                                     c.target == t.value))
        self._cache.pop((merchant_id, t), None)
        return bool(r.rowcount)

    async def applies(self, merchant_id: str, target: RedactionTarget) -> bool:
        now = self._clock.now()
        hit = self._cache.get((merchant_id, target))
        if hit is not None and now - hit[0] < self._ttl_s:
            return hit[1]
        c = redaction_policies.c
        async with self._db.read() as conn:
            value = await conn.scalar(sa.select(c.enabled).where(c.merchant_id == merchant_id,
                                                                 c.target == target.value))
        on = self.defaults[target] if value is None else bool(value)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[(merchant_id, target)] = (now, on)
        return on

    async def transcripts(self, merchant_id: str) -> bool:
        """Whether the merchant's transcripts are redacted before they are stored."""
        return await self.applies(merchant_id, RedactionTarget.TRANSCRIPTS)


class TranscriptPolicy(Protocol):
    async def transcripts(self, merchant_id: str) -> bool: ...


def _clean(text: str) -> str:
    return redact(text).text


def redact_spoken(event: Event) -> Event:
    """A desk event of a voice conversation with the PII in its spoken words redacted: the shopper's and the
    AI's lines, and a hand-off packet's summary and transcript lines. Other events come back as they are."""
    match event:
        case ShopperMessage() | AiMessage():
            return replace(event, text=_clean(event.text))
        case Handoff(packet=HandoffPacket() as packet):
            lines = tuple(replace(line, text=_clean(line.text)) for line in packet.transcript)
            return replace(event, packet=replace(packet, summary=_clean(packet.summary), transcript=lines))
    return event


def redact_caption(caption: StoredCaption) -> StoredCaption:
    return replace(caption, text=_clean(caption.text),
                   translations={lang: _clean(text) for lang, text in caption.translations.items()})
