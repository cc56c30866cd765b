"""Final live captions per show (souk.domain.captions). Every statement filters by merchant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from souk.core.clock import Clock
from souk.domain.captions import StoredCaption
from souk.storage.db import Database
from souk.storage.repos.base import Repo, upsert
from souk.storage.repos.redaction import TranscriptPolicy, redact_caption
from souk.storage.schema import captions

_CHUNK = 500


def _caption(row: Any) -> StoredCaption:
    return StoredCaption(show_id=row.show_id, seq=row.seq, room_id=row.room_id, speaker=row.speaker, lang=row.lang,
                         start_ms=row.start_ms, end_ms=row.end_ms, text=row.text,
                         translations=dict(row.translations or {}))


class SqlCaptionRepo(Repo):
    def __init__(self, db: Database, clock: Clock, redaction: TranscriptPolicy | None = None) -> None:
        super().__init__(db, clock)
        self._redaction = redaction  # the words (and their translations) redacted before they are stored

    async def put(self, merchant_id: str, caption: StoredCaption) -> None:
        """Store one final caption (a repeat of the same (show, seq) replaces it: a retried write); with the
        merchant's transcripts redacted (PII), its text and translations are stored redacted."""
        if self._redaction is not None and await self._redaction.transcripts(merchant_id):
            caption = redact_caption(caption)
        async with self._db.write() as conn:
            await upsert(conn, captions, {
                "merchant_id": merchant_id, "show_id": caption.show_id, "seq": caption.seq,
                "room_id": caption.room_id, "speaker": caption.speaker, "lang": caption.lang,
                "start_ms": caption.start_ms, "end_ms": caption.end_ms, "text": caption.text,
                "translations": dict(caption.translations), "created_at": self._now()},
                keys=["merchant_id", "show_id", "seq"])

    async def of_show(self, merchant_id: str, show_id: str) -> list[StoredCaption]:
        async with self._db.read() as conn:
            rows = await conn.execute(sa.select(captions).where(
                captions.c.merchant_id == merchant_id, captions.c.show_id == show_id).order_by(captions.c.seq))
            return [_caption(r) for r in rows]

    async def of_speakers(self, merchant_id: str, speakers: Sequence[str]) -> list[StoredCaption]:
        """Every caption of what these identities said (a customer's export)."""
        out: list[StoredCaption] = []
        wanted = list(dict.fromkeys(speakers))
        async with self._db.read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                rows = await conn.execute(sa.select(captions).where(
                    captions.c.merchant_id == merchant_id, captions.c.speaker.in_(wanted[start:start + _CHUNK]))
                    .order_by(captions.c.created_at, captions.c.seq))
                out.extend(_caption(r) for r in rows)
        return out

    async def erase_speakers(self, merchant_id: str, speakers: Sequence[str]) -> int:
        """Delete every caption these identities spoke (a customer's erasure). Returns the rows deleted."""
        n = 0
        wanted = list(dict.fromkeys(speakers))
        async with self._db.write() as conn:
            for start in range(0, len(wanted), _CHUNK):
                result = await conn.execute(captions.delete().where(
                    captions.c.merchant_id == merchant_id, captions.c.speaker.in_(wanted[start:start + _CHUNK])))
                n += int(result.rowcount or 0)
        return n

    async def delete_show(self, merchant_id: str, show_id: str) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(captions.delete().where(
                captions.c.merchant_id == merchant_id, captions.c.show_id == show_id))
        return int(result.rowcount or 0)

    async def purge(self, merchant_id: str, *, before: dt.datetime) -> int:
        """Delete the merchant's captions stored before ``before`` (retention of transcripts)."""
        async with self._db.write() as conn:
            result = await conn.execute(captions.delete().where(
                captions.c.merchant_id == merchant_id, captions.c.created_at < before))
        return int(result.rowcount or 0)
