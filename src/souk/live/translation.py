"""Chat and desk messages in each reader's language (issue 16): the store's glossary, the source language of
each message, and the Translator (souk.translate) that never fails the reader.

A reader asks for messages by their id (an RTM channel's ``seq`` or a desk timeline's ``seq``) and a target
language; the service reads the stored messages itself (a reader can only translate what they may read, and the
original is kept as stored) and answers each one translated or, with the reason, as written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from souk.assistant.lang import detect_language
from souk.domain.catalog_texts import CatalogText, TextStatus, store_terms
from souk.domain.models import Merchant, Policies, Product
from souk.translate.glossary import Glossary
from souk.translate.service import Translator
from souk.translate.types import language

log = logging.getLogger(__name__)

MAX_MESSAGES = 50  # one request


class CatalogPort(Protocol):
    async def list(self, merchant_id: str, *, category: str | None = None) -> list[Product]: ...


class MerchantsPort(Protocol):
    async def get(self, merchant_id: str) -> Merchant: ...


class PoliciesPort(Protocol):
    async def policies(self, merchant_id: str) -> Policies: ...


class TextsPort(Protocol):
    async def texts(self, merchant_id: str, *, lang: str | None = None,
                    status: TextStatus | None = None) -> list[CatalogText]: ...


class StoreGlossaries:
    """One Glossary per merchant from its store, rebuilt after ``ttl_s`` (a renamed product shows up then)."""

    def __init__(self, catalog: CatalogPort, merchants: MerchantsPort, store_info: PoliciesPort,
                 texts: TextsPort, *, ttl_s: float = 60.0, now: Callable[[], float] = time.monotonic) -> None:
        self._catalog, self._merchants, self._info, self._texts = catalog, merchants, store_info, texts
        self.ttl_s = ttl_s
        self._now = now
        self._kept: dict[str, tuple[float, Glossary]] = {}

    async def get(self, merchant_id: str) -> Glossary:
        hit = self._kept.get(merchant_id)
        if hit is not None and self._now() - hit[0] < self.ttl_s:
            return hit[1]
        merchant = await self._merchants.get(merchant_id)
        products = await self._catalog.list(merchant_id)
        try:
            methods: Sequence[str] = (await self._info.policies(merchant_id)).payment_methods
        except LookupError:  # a store without policies yet
            methods = ()
        approved = await self._texts.texts(merchant_id, status=TextStatus.APPROVED)
        keep, names = store_terms(merchant.name, products, methods, approved)
        glossary = Glossary.build(keep=keep, names=names)
        self._kept[merchant_id] = (self._now(), glossary)
        if len(self._kept) > 10_000:
            self._kept.pop(next(iter(self._kept)))
        return glossary


@dataclass(frozen=True, slots=True)
class Item:
    """One message to show: its id, its text as stored, its language when known (else detected)."""

    id: int
    text: str
    lang: str = ""


class ReaderTranslation:
    def __init__(self, translator: Translator, glossaries: StoreGlossaries) -> None:
        self.translator = translator
        self.glossaries = glossaries

    async def languages(self) -> list[list[str]]:
        return sorted([list(d) for d in await self.translator.directions()])

    async def items(self, merchant_id: str, items: Sequence[Item], to: str) -> list[dict[str, Any]]:
        """Each item for a reader of ``to``: grouped by source language, one batched call per group."""
        dst = language(to)
        glossary = await self.glossaries.get(merchant_id)
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            src = _lang_or_detect(item)
            groups.setdefault(src, []).append(i)
        out: list[dict[str, Any]] = [{} for _ in items]
        for src, idx in groups.items():
            results = await self.translator.translate(merchant_id, [items[i].text for i in idx], src, dst,
                                                      glossary=glossary)
            for i, r in zip(idx, results, strict=True):
                out[i] = {"id": items[i].id, **r.as_json()}
        return out


def _lang_or_detect(item: Item) -> str:
    if item.lang:
        try:
            return language(item.lang)
        except ValueError:
            pass
    return detect_language(item.text)


def text_of(body: Any) -> tuple[str, str]:
    """(text, declared language) of a chat message body: a string, or ``{"text": ..., "lang": ...}``."""
    if isinstance(body, str):
        return body, ""
    if isinstance(body, dict) and isinstance(body.get("text"), str):
        lang = body.get("lang")
        return body["text"], lang if isinstance(lang, str) else ""
    return "", ""


class HistoryPort(Protocol):
    async def history(self, claims: Any, ch: str, *, since: int | None, limit: int) -> list[bytes]: ...


async def channel_items(rtm: HistoryPort, claims: Any, ch: str, seqs: Sequence[int]) -> tuple[list[Item], list[int]]:
    """The chat/danmaku messages ``seqs`` of a channel as the reader may read them (the RTM service checks the
    join: room, privilege, bans); the seqs not found (deleted, too old, not text) come back apart."""
    from souk.rtm.envelope import Kind, decode_message

    wanted = sorted(set(seqs))
    found: dict[int, Item] = {}
    start = 0
    while start < len(wanted):  # one history read per run of seqs at most 1000 apart
        first = wanted[start]
        end = start
        while end + 1 < len(wanted) and wanted[end + 1] - first < 1000:
            end += 1
        raws = await rtm.history(claims, ch, since=first - 1, limit=wanted[end] - first + 1)
        for raw in raws:
            m = decode_message(raw)
            if m.seq in wanted and m.k in (Kind.CHAT, Kind.DANMAKU):
                text, lang = text_of(m.b)
                if text:
                    found[m.seq] = Item(m.seq, text, lang)
        start = end + 1
    items = [found[s] for s in seqs if s in found]
    return items, [s for s in wanted if s not in found]
