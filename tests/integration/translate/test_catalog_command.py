"""``souk catalog translate|texts|review`` on a real database with the demo store: missing descriptions are
filled as drafts through offline Apertium (pt through es), the seller's own names are never touched, a second
run makes nothing new, a dry run and an unavailable pair store nothing, a draft is reviewed; and the same service through a remote
provider (local fake LibreTranslate) keeps brand terms and the store's names from the glossary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from souk.cli.main import main
from souk.core.settings import load_settings
from souk.domain.catalog_texts import TextStatus
from souk.domain.models import Product
from souk.live.catalog_translate import translate_catalog
from souk.live.translation import StoreGlossaries
from souk.storage import open_storage, seed_demo
from souk.translate.cache import MemoryCache
from souk.translate.libre import LibreTranslateProvider
from souk.translate.service import Translator
from tests.fixtures.fake_translate import fake_translate_server

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")


def souk(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out and out[-1].startswith("{") else out


@needs_apertium
def test_catalog_translate_review_and_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    assert main(["db", "upgrade"]) == 0 and main(["db", "seed-demo"]) == 0
    capsys.readouterr()
    code, out = souk(capsys, "catalog", "translate", "--merchant", "lumen", "--to", "es", "--json")
    assert code == 0
    # the demo store names every product in es already: only the (English) descriptions are missing
    assert out["planned"] == out["written"] == len(out["drafts"]) > 10 and out["untranslated"] == {}
    assert {d["field"] for d in out["drafts"]} == {"description"}
    linen = next(d for d in out["drafts"] if d["sku"] == "AP-1001")
    assert "lino" in linen["text"] and linen["source_lang"] == "en"

    code, again = souk(capsys, "catalog", "translate", "--merchant", "lumen", "--to", "es", "--json")
    assert (code, again["planned"], again["written"]) == (0, 0, 0)
    code, pt = souk(capsys, "catalog", "translate", "--merchant", "lumen", "--to", "pt", "--json")
    assert code == 0 and pt["written"] == pt["planned"] > 30  # names and descriptions, en -> es -> pt
    code, fr = souk(capsys, "catalog", "translate", "--merchant", "lumen", "--to", "fr", "--json",
                    "--field", "name", "--dry-run")
    assert code == 0 and fr["written"] == 0 and len(fr["drafts"]) == fr["planned"]  # a dry run stores nothing
    code, it = souk(capsys, "catalog", "translate", "--merchant", "lumen", "--to", "it", "--json")
    assert code == 0 and it["written"] == 0 and it["untranslated"] == {"unavailable_pair": it["planned"]}

    code, done = souk(capsys, "catalog", "review", "--merchant", "lumen", "--sku", "AP-1001", "--lang", "es",
                      "--field", "description", "approved", "--json")
    assert (code, done["status"]) == (0, "approved")
    code, listed = souk(capsys, "catalog", "texts", "--merchant", "lumen", "--status", "approved", "--json")
    assert [(t["sku"], t["lang"], t["field"]) for t in listed["texts"]] == [("AP-1001", "es", "description")]
    assert main(["catalog", "translate", "--merchant", "lumen", "--to", "spanish"]) == 2
    assert main(["catalog", "review", "--merchant", "lumen", "--sku", "NOPE", "--lang", "es", "--field", "name",
                 "rejected"]) == 2


async def test_remote_provider_drafts_keep_the_glossary_and_the_sellers_names(tmp_path: Path) -> None:
    settings = load_settings(None, data_dir=str(tmp_path))
    storage = await open_storage(settings)
    try:
        await seed_demo(storage)
        # a product the seller named in English only, with a brand that must stay as written
        await storage.catalog.upsert("lumen", Product(
            sku="RJ-1", category="apparel", price=10, weight_kg=0.4,  # type: ignore[arg-type]
            names={"en": "Rain jacket"}, description="The very good rain jacket by Lumen Goods",
            attributes={"brand": "Lumen Goods"}, stock=3))
        async with fake_translate_server() as fake:
            provider = LibreTranslateProvider(base_url=fake.url)
            translator = Translator(provider, MemoryCache())
            glossaries = StoreGlossaries(storage.catalog, storage.merchants, storage.store_info,
                                         storage.translations)
            report = await translate_catalog(merchant_id="lumen", to="es", catalog=storage.catalog,
                                             merchants=storage.merchants, texts=storage.translations,
                                             translator=translator, glossaries=glossaries)
            await provider.aclose()
        drafts = {(d.sku, d.field): d.text for d in report.drafts}
        assert drafts[("RJ-1", "name")] == "Lluvia chaqueta"  # the fake's word-by-word Spanish
        assert drafts[("RJ-1", "description")] == "El muy bueno lluvia chaqueta by Lumen Goods"
        assert all(sku != "AP-1001" or field != "name" for sku, field in drafts)  # the seller's es name stays
        stored = await storage.translations.texts("lumen", lang="es", status=TextStatus.DRAFT)
        assert len(stored) == report.written == len(report.drafts)
        assert (await storage.catalog.get("lumen", "AP-1001")).names["es"] == "Vestido de lino de verano"
    finally:
        await storage.aclose()


@needs_apertium
def test_souk_translate_tries_the_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOUK_DATA_DIR", str(tmp_path))
    code, out = souk(capsys, "translate", "--json")
    assert code == 0 and out["provider"] == "apertium" and ["en", "es"] in out["directions"]
    code, out = souk(capsys, "translate", "--from", "es", "--to", "en", "hola amigo", "--json")
    assert code == 0 and out["result"]["translated"] and "hello" in out["result"]["text"].lower()
    code, out = souk(capsys, "translate", "--from", "zh", "--to", "en", "你好", "--json")
    assert out["result"] == {**out["result"], "text": "你好", "translated": False, "why": "unavailable_pair"}
    monkeypatch.setenv("SOUK_TRANSLATE__PROVIDER", "none")
    code, out = souk(capsys, "translate", "--json")
    assert (code, out["provider"], out["directions"]) == (0, "none", [])
