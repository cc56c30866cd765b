"""Live captions as a customer-data store (contract C: souk.privacy.customer): what a customer said on stage
(a shopper invited as co-host) is captioned under their identity; export returns those captions, erasure
deletes them. The host's own captions are the merchant's and stay (their retention: ``transcripts``)."""

from __future__ import annotations

from typing import Protocol

from souk.domain.captions import StoredCaption
from souk.privacy.customer import CustomerIds, Erased, Exported, StoreBase


class SpeakerCaptions(Protocol):
    async def of_speakers(self, merchant_id: str, speakers: list[str]) -> list[StoredCaption]: ...

    async def erase_speakers(self, merchant_id: str, speakers: list[str]) -> int: ...


def _speakers(ids: CustomerIds) -> list[str]:
    return sorted({ids.customer_id, *ids.identities} - {""})


class CaptionCustomerStore(StoreBase):
    name = "captions"

    def __init__(self, repo: SpeakerCaptions) -> None:
        self._repo = repo

    async def export(self, ids: CustomerIds) -> Exported:
        rows = await self._repo.of_speakers(ids.merchant_id, _speakers(ids))
        return Exported(records=[{
            "show_id": c.show_id, "room_id": c.room_id, "seq": c.seq, "speaker": c.speaker, "lang": c.lang,
            "start_ms": c.start_ms, "end_ms": c.end_ms, "text": c.text, "translations": dict(c.translations)}
            for c in rows])

    async def erase(self, ids: CustomerIds) -> Erased:
        return Erased(deleted=await self._repo.erase_speakers(ids.merchant_id, _speakers(ids)))
