"""The purgers of the data kinds this code base stores in its database (souk.privacy.retention).

Transcripts: the live captions (the assistant's transcripts are desk events, purged with the conversations).
Recordings: souk.privacy.files. Chat history: the RTM channels' history (souk.privacy.file_stores
RtmHistoryStore.purge: the embedded broker's log and ring, or the Redis streams) when ``chat_history`` is given.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from souk.domain.retention import DataKind
from souk.privacy.file_stores import RtmHistoryStore
from souk.privacy.files import recordings_purger
from souk.privacy.retention import Purge, batched
from souk.storage import Storage
from souk.storage.repos.captions import SqlCaptionRepo

BATCH = 1000


def storage_purgers(storage: Storage, *, batch: int = BATCH, recordings: Path | None = None,
                    chat_history: RtmHistoryStore | None = None) -> dict[DataKind, Purge]:
    """The purgers of the database's kinds, of recordings when ``recordings`` (their root folder) is given, and
    of chat history when its store is."""
    async def quality(merchant_id: str, before: float, n: int) -> int:
        return await storage.quality.purge(merchant_id, before, batch=n)

    async def desk(merchant_id: str, before: float, n: int) -> int:
        return await storage.retention.purge_desk(merchant_id, before, batch=n)

    async def audit(merchant_id: str, before: float) -> int:
        return await storage.audit.purge_before(merchant_id, int(before * 1_000_000))

    out: dict[DataKind, Purge] = {DataKind.QUALITY_RECORDS: batched(quality, batch),
                                  DataKind.DESK_CONVERSATIONS: batched(desk, batch), DataKind.AUDIT_LOG: audit}
    captions = SqlCaptionRepo(storage.db, storage.clock)

    async def transcripts(merchant_id: str, before: float) -> int:  # live captions (souk.live.captions)
        return await captions.purge(merchant_id, before=dt.datetime.fromtimestamp(before, dt.UTC))

    out[DataKind.TRANSCRIPTS] = transcripts
    if recordings is not None:
        out[DataKind.RECORDINGS] = recordings_purger(recordings)
    if chat_history is not None:
        out[DataKind.CHAT_HISTORY] = batched(chat_history.purge, batch)
    return out
