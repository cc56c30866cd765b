"""``souk catalog translate|texts|review``: machine-made product names and descriptions per language for the
seller to review (docs/translation.md). The seller's own texts are never overwritten. ``souk translate``: try the
configured provider (its directions, or one text)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from souk.core.settings import Settings
from souk.domain.catalog_texts import FIELDS, TextStatus, review_status
from souk.storage.storage import Storage

T = TypeVar("T")


def register(sub: Any, bench: Any) -> None:
    register_translate(sub)
    catalog = sub.add_parser("catalog", help="the catalog's texts per language (translation drafts)"
                             ).add_subparsers(dest="catalog", required=True, metavar="ACTION")
    tr = catalog.add_parser("translate", help="fill missing product names/descriptions in a language as drafts "
                            "for review, through the configured translation provider")
    tr.add_argument("--merchant", required=True)
    tr.add_argument("--to", required=True, help="ISO 639-1 language to fill, e.g. es")
    tr.add_argument("--field", action="append", dest="fields", choices=FIELDS,
                    help="only this field (repeat; default: name and description)")
    tr.add_argument("--dry-run", action="store_true", help="translate and print, store nothing")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=run_translate)
    texts = catalog.add_parser("texts", help="list the drafts and reviewed texts")
    texts.add_argument("--merchant", required=True)
    texts.add_argument("--lang", default=None)
    texts.add_argument("--status", default=None, choices=[s.value for s in TextStatus])
    texts.add_argument("--json", action="store_true")
    texts.set_defaults(func=run_texts)
    review = catalog.add_parser("review", help="approve or reject one draft")
    review.add_argument("--merchant", required=True)
    review.add_argument("--sku", required=True)
    review.add_argument("--lang", required=True)
    review.add_argument("--field", required=True, choices=FIELDS)
    review.add_argument("decision", choices=["approved", "rejected"])
    review.add_argument("--json", action="store_true")
    review.set_defaults(func=run_review)


def register_translate(sub: Any) -> None:
    tr = sub.add_parser("translate", help="try the configured translation provider: its directions, or a text")
    tr.add_argument("text", nargs="?", default=None, help="a text to translate (none: list the directions)")
    tr.add_argument("--from", dest="src", default="en", help="source language (default en)")
    tr.add_argument("--to", dest="dst", default="es", help="target language (default es)")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=run_try)


def run_try(args: argparse.Namespace, settings: Settings) -> int:
    from souk.translate.factory import build_provider
    from souk.translate.service import Translator

    async def work() -> dict[str, Any]:
        provider = build_provider(settings.translate)
        try:
            translator = Translator(provider, budget_s=max(10.0, settings.translate.budget_s),
                                    max_chars=settings.translate.max_chars)
            out: dict[str, Any] = {"provider": provider.name,
                                   "directions": sorted(list(d) for d in await translator.directions())}
            if args.text is not None:
                [result] = await translator.translate("-", [args.text], args.src, args.dst)
                out["result"] = result.as_json()
            return out
        finally:
            await provider.aclose()

    out = asyncio.run(work())
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    elif "result" in out:
        r = out["result"]
        print(r["text"] if r["translated"] else f"{r['text']}  (not translated: {r['why']})")
    else:
        print(f"{out['provider']}: " + (", ".join(f"{a}->{b}" for a, b in out["directions"]) or "no directions"))
    return 0


def _with_storage(settings: Settings, work: Callable[[Storage], Awaitable[T]]) -> T:
    from souk.storage import open_storage

    async def main() -> T:
        storage = await open_storage(settings)
        try:
            return await work(storage)
        finally:
            await storage.aclose()

    return asyncio.run(main())


def run_translate(args: argparse.Namespace, settings: Settings) -> int:
    from souk.live.catalog_translate import translate_catalog
    from souk.live.translation import StoreGlossaries
    from souk.translate.cache import MemoryCache, TieredCache
    from souk.translate.factory import build_provider
    from souk.translate.service import Translator

    async def work(storage: Storage) -> dict[str, Any]:
        provider = build_provider(settings.translate)
        try:
            translator = Translator(provider, TieredCache(MemoryCache(), storage.translations),
                                    budget_s=max(60.0, settings.translate.budget_s),
                                    max_chars=settings.translate.max_chars)
            glossaries = StoreGlossaries(storage.catalog, storage.merchants, storage.store_info, storage.translations)
            report = await translate_catalog(
                merchant_id=args.merchant, to=args.to, catalog=storage.catalog, merchants=storage.merchants,
                texts=storage.translations, translator=translator, glossaries=glossaries,
                fields=tuple(args.fields or FIELDS), dry_run=args.dry_run, budget_s=600.0)
            return report.as_json()
        finally:
            await provider.aclose()

    out = _with_storage(settings, work)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for d in out["drafts"]:
            print(f"{d['sku']} {d['field']} [{d['source_lang']}->{out['lang']}]: {d['text']}")
        left = ", ".join(f"{n} {why}" for why, n in out["untranslated"].items()) or "none"
        print(f"{out['provider']}: {out['planned']} missing, {len(out['drafts'])} translated, "
              f"{out['written']} stored as drafts for review; untranslated: {left}")
    return 0


def run_texts(args: argparse.Namespace, settings: Settings) -> int:
    status = TextStatus(args.status) if args.status else None
    rows = _with_storage(settings, lambda s: s.translations.texts(args.merchant, lang=args.lang, status=status))
    out = [{"sku": t.sku, "lang": t.lang, "field": t.field, "status": t.status.value, "provider": t.provider,
            "text": t.text} for t in rows]
    if args.json:
        print(json.dumps({"texts": out}, ensure_ascii=False))
    else:
        for r in out:
            print(f"{r['sku']} {r['lang']} {r['field']} ({r['status']}, {r['provider']}): {r['text']}")
    return 0


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    status = review_status(args.decision)
    t = _with_storage(settings, lambda s: s.translations.review(args.merchant, args.sku, args.lang, args.field,
                                                                 status))
    if args.json:
        print(json.dumps({"sku": t.sku, "lang": t.lang, "field": t.field, "status": t.status.value}))
    else:
        print(f"{t.sku} {t.lang} {t.field}: {t.status.value}")
    return 0
