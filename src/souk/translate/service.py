"""The one place that turns a provider into results for readers: cache, glossary, budget, degradation.

Never raises for a provider's trouble: a text that cannot be translated comes back as written with
``translated`` False and the reason (unavailable pair, provider error, timeout), and a log line says why.
Only bad input (an invalid language code) raises BadRequest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from souk.core.errors import SoukError
from souk.translate.base import TranslationProvider
from souk.translate.cache import TranslationCache, cache_key
from souk.translate.glossary import EMPTY, Glossary, Masked, protect, restore
from souk.translate.types import TranslateError, Translation, Why, language

log = logging.getLogger(__name__)


class Translator:
    def __init__(self, provider: TranslationProvider, cache: TranslationCache | None = None, *,
                 budget_s: float = 3.0, max_chars: int = 2000, max_batch: int = 32) -> None:
        self.provider = provider
        self.cache = cache
        self.budget_s = budget_s
        self.max_chars = max_chars
        self.max_batch = max(1, max_batch)

    async def directions(self) -> frozenset[tuple[str, str]]:
        try:
            return await self.provider.directions()
        except (SoukError, OSError) as exc:
            log.warning("translate: %s could not list its directions: %s", self.provider.name, exc)
            return frozenset()

    async def translate(self, merchant_id: str, texts: Sequence[str], src: str, dst: str, *,
                        glossary: Glossary = EMPTY, budget_s: float | None = None) -> list[Translation]:
        src, dst = language(src), language(dst)
        name = self.provider.name

        def keep(i: int, why: Why) -> Translation:
            return Translation(text=texts[i], source_text=texts[i], src=src, dst=dst, why=why, provider=name)

        results: list[Translation | None] = [None] * len(texts)
        todo: list[int] = []
        for i, text in enumerate(texts):
            if not text.strip():
                results[i] = keep(i, Why.EMPTY)
            elif src == dst:
                results[i] = keep(i, Why.SAME_LANGUAGE)
            elif len(text) > self.max_chars:
                results[i] = keep(i, Why.TOO_LONG)
            else:
                todo.append(i)
        if todo and (src, dst) not in await self.directions():
            for i in todo:
                results[i] = keep(i, Why.UNAVAILABLE_PAIR)
            todo = []
        if todo:
            await self._fill(merchant_id, texts, todo, src, dst, glossary, results, budget_s)
        return [r if r is not None else keep(i, Why.PROVIDER_ERROR) for i, r in enumerate(results)]

    async def _fill(self, merchant_id: str, texts: Sequence[str], todo: list[int], src: str, dst: str,
                    glossary: Glossary, results: list[Translation | None], budget_s: float | None) -> None:
        name = self.provider.name
        keys = {i: cache_key(name, src, dst, glossary.version(src, dst), texts[i]) for i in todo}
        hits = await self.cache.get_many(merchant_id, list(set(keys.values()))) if self.cache else {}
        missing = []
        for i in todo:
            if keys[i] in hits:
                results[i] = Translation(text=hits[keys[i]], source_text=texts[i], src=src, dst=dst,
                                         why=Why.TRANSLATED, provider=name, cached=True)
            else:
                missing.append(i)
        if not missing:
            return
        entries = glossary.entries(src, dst)
        unique = list(dict.fromkeys(texts[i] for i in missing))  # one provider call per distinct text
        masks = {t: protect(t, entries) for t in unique}
        done: dict[str, str] = {}
        failed: dict[str, Why] = {}
        try:
            async with asyncio.timeout(self.budget_s if budget_s is None else budget_s):
                for start in range(0, len(unique), self.max_batch):
                    chunk = unique[start:start + self.max_batch]
                    await self._call(merchant_id, chunk, masks, src, dst, done, failed)
        except TimeoutError:
            log.warning("translate: %s %s->%s for %s ran past its budget", name, src, dst, merchant_id)
            for t in unique:
                if t not in done:
                    failed.setdefault(t, Why.TIMEOUT)
        fresh: dict[str, str] = {}
        for i in missing:
            t = texts[i]
            if t in done:
                results[i] = Translation(text=done[t], source_text=t, src=src, dst=dst, why=Why.TRANSLATED,
                                         provider=name)
                fresh[keys[i]] = done[t]
            else:
                results[i] = Translation(text=t, source_text=t, src=src, dst=dst,
                                         why=failed.get(t, Why.PROVIDER_ERROR), provider=name)
        if fresh and self.cache is not None:
            try:
                await self.cache.put_many(merchant_id, fresh)
            except (SoukError, OSError) as exc:  # a cache that cannot store costs a retranslation, nothing else
                log.warning("translate: cache write failed for %s: %s", merchant_id, exc)

    async def _call(self, merchant_id: str, chunk: list[str], masks: dict[str, Masked], src: str, dst: str,
                    done: dict[str, str], failed: dict[str, Why]) -> None:
        try:
            out = await self.provider.translate([masks[t].text for t in chunk], src, dst)
            if len(out) != len(chunk):
                raise TranslateError(f"{len(out)} texts back for {len(chunk)}", code="translate_malformed")
        except (SoukError, OSError) as exc:
            log.warning("translate: %s %s->%s failed for %s (%d texts): %s", self.provider.name, src, dst,
                        merchant_id, len(chunk), exc)
            for t in chunk:
                failed[t] = Why.PROVIDER_ERROR
            return
        for t, translated in zip(chunk, out, strict=True):
            try:
                done[t] = restore(translated, masks[t])
            except TranslateError as exc:
                log.warning("translate: %s dropped a glossary term (%s): %r -> %r", self.provider.name, exc,
                            masks[t].text, translated)
                failed[t] = Why.PROVIDER_ERROR
