"""The shared translation cache (souk.translate.cache.TranslationCache) and the catalog's machine-made texts
waiting for review (souk.domain.catalog_texts). Every statement filters by merchant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from souk.core.errors import NotFound
from souk.domain.catalog_texts import CatalogText, TextStatus
from souk.storage.repos.base import Repo, upsert
from souk.storage.schema import catalog_texts, translation_cache

_CHUNK = 500


def _text(row: Any) -> CatalogText:
    return CatalogText(sku=row.sku, lang=row.lang, field=row.field, text=row.text, source_lang=row.source_lang,
                       source_hash=row.source_hash, provider=row.provider, status=TextStatus(row.status),
                       updated_at=row.updated_at)


class SqlTranslationRepo(Repo):
    async def get_many(self, merchant_id: str, keys: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        wanted = list(dict.fromkeys(keys))
        async with self._db.read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                rows = await conn.execute(sa.select(translation_cache.c.key, translation_cache.c.text).where(
                    translation_cache.c.merchant_id == merchant_id,
                    translation_cache.c.key.in_(wanted[start:start + _CHUNK])))
                out.update({r.key: r.text for r in rows})
        return out

    async def put_many(self, merchant_id: str, items: Mapping[str, str]) -> None:
        if not items:
            return
        now = self._now()
        async with self._db.write() as conn:
            for key, text in items.items():
                await upsert(conn, translation_cache, {"merchant_id": merchant_id, "key": key, "text": text,
                                                       "created_at": now}, keys=["merchant_id", "key"])

    async def prune_cache(self, merchant_id: str, *, before: dt.datetime) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(translation_cache.delete().where(
                translation_cache.c.merchant_id == merchant_id, translation_cache.c.created_at < before))
        return int(result.rowcount or 0)

    async def put_texts(self, merchant_id: str, texts: Sequence[CatalogText]) -> int:
        """Store drafts (insert, or replace a text made from an older source). Returns how many were written."""
        now = self._now()
        async with self._db.write() as conn:
            for t in texts:
                await upsert(conn, catalog_texts, {
                    "merchant_id": merchant_id, "sku": t.sku, "lang": t.lang, "field": t.field, "text": t.text,
                    "source_lang": t.source_lang, "source_hash": t.source_hash, "provider": t.provider,
                    "status": t.status.value, "updated_at": now}, keys=["merchant_id", "sku", "lang", "field"])
        return len(texts)

    async def texts(self, merchant_id: str, *, lang: str | None = None,
                    status: TextStatus | None = None) -> list[CatalogText]:
        q = sa.select(catalog_texts).where(catalog_texts.c.merchant_id == merchant_id)
        if lang is not None:
            q = q.where(catalog_texts.c.lang == lang)
        if status is not None:
            q = q.where(catalog_texts.c.status == status.value)
        async with self._db.read() as conn:
            rows = await conn.execute(q.order_by(catalog_texts.c.sku, catalog_texts.c.lang, catalog_texts.c.field))
            return [_text(r) for r in rows]

    async def review(self, merchant_id: str, sku: str, lang: str, field: str, status: TextStatus) -> CatalogText:
        where = (catalog_texts.c.merchant_id == merchant_id, catalog_texts.c.sku == sku,
                 catalog_texts.c.lang == lang, catalog_texts.c.field == field)
        async with self._db.write() as conn:
            row = (await conn.execute(catalog_texts.update().where(*where).values(
                status=status.value, updated_at=self._now()).returning(*catalog_texts.c))).first()
        if row is None:
            raise NotFound(f"no {lang} {field} text for {sku!r}", code="catalog_text_not_found",
                           details={"sku": sku, "lang": lang, "field": field})
        return _text(row)
