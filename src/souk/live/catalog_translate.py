"""Pre-translated catalog (issue 16 part 4): fill the languages a seller did not write through the configured
provider, as drafts for the seller's review. The seller's own names and descriptions are never replaced; a
text the provider could not translate is counted and left out (nothing is stored in place of a translation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from souk.domain.catalog_texts import FIELDS, CatalogText, TextStatus, plan
from souk.live.translation import CatalogPort, MerchantsPort, StoreGlossaries
from souk.translate.service import Translator
from souk.translate.types import Why, language


@dataclass
class CatalogReport:
    merchant_id: str
    lang: str
    provider: str
    planned: int = 0
    written: int = 0
    untranslated: dict[str, int] = field(default_factory=dict)  # reason -> count
    drafts: list[CatalogText] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"merchant": self.merchant_id, "lang": self.lang, "provider": self.provider,
                "planned": self.planned, "written": self.written, "untranslated": self.untranslated,
                "drafts": [{"sku": d.sku, "field": d.field, "text": d.text, "source_lang": d.source_lang}
                           for d in self.drafts]}


class TextStore(Protocol):
    async def texts(self, merchant_id: str, *, lang: str | None = None,
                    status: TextStatus | None = None) -> list[CatalogText]: ...

    async def put_texts(self, merchant_id: str, texts: Sequence[CatalogText]) -> int: ...


async def translate_catalog(*, merchant_id: str, to: str, catalog: CatalogPort, merchants: MerchantsPort,
                            texts: TextStore, translator: Translator, glossaries: StoreGlossaries,
                            fields: Sequence[str] = FIELDS, dry_run: bool = False,
                            budget_s: float = 120.0) -> CatalogReport:
    dst = language(to)
    merchant = await merchants.get(merchant_id)
    primary = merchant.languages[0] if merchant.languages else "en"
    products = await catalog.list(merchant_id)
    needs = plan(products, primary=primary, target=dst, existing=await texts.texts(merchant_id, lang=dst),
                 fields=fields)
    report = CatalogReport(merchant_id, dst, translator.provider.name, planned=len(needs))
    glossary = await glossaries.get(merchant_id)
    by_source: dict[str, list[int]] = {}
    for i, need in enumerate(needs):
        by_source.setdefault(need.source_lang, []).append(i)
    for src, idx in by_source.items():
        results = await translator.translate(merchant_id, [needs[i].source for i in idx], src, dst,
                                             glossary=glossary, budget_s=budget_s)
        for i, r in zip(idx, results, strict=True):
            if r.why is not Why.TRANSLATED:
                report.untranslated[r.why.value] = report.untranslated.get(r.why.value, 0) + 1
                continue
            n = needs[i]
            report.drafts.append(CatalogText(sku=n.sku, lang=dst, field=n.field, text=r.text, source_lang=src,
                                             source_hash=n.source_hash, provider=r.provider))
    if not dry_run and report.drafts:
        report.written = await texts.put_texts(merchant_id, report.drafts)
    return report
