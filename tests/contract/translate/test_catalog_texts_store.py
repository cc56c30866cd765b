"""Catalog drafts (storage.translations texts/review) on SQLite and PostgreSQL, merchants apart."""

from __future__ import annotations

import pytest

from souk.core.errors import NotFound
from souk.domain.catalog_texts import CatalogText, TextStatus
from souk.storage import Storage
from tests.contract.storage.conftest import A, B, merchant


def draft(sku: str, lang: str = "fr", field: str = "name", text: str = "Veste", src: str = "h1") -> CatalogText:
    return CatalogText(sku=sku, lang=lang, field=field, text=text, source_lang="en", source_hash=src,
                       provider="apertium")


async def test_drafts_are_stored_listed_reviewed_and_kept_apart(storage: Storage) -> None:
    for mid in (A, B):
        await storage.merchants.create(merchant(mid))
    repo = storage.translations
    assert await repo.put_texts(A, [draft("SKU-1"), draft("SKU-1", field="description", text="Une veste"),
                                    draft("SKU-2", lang="pt", text="Jaqueta")]) == 3
    assert [(t.sku, t.lang, t.field) for t in await repo.texts(A)] == [
        ("SKU-1", "fr", "description"), ("SKU-1", "fr", "name"), ("SKU-2", "pt", "name")]
    assert await repo.texts(B) == []
    assert [t.text for t in await repo.texts(A, lang="pt")] == ["Jaqueta"]
    reviewed = await repo.review(A, "SKU-1", "fr", "name", TextStatus.APPROVED)
    assert reviewed.status is TextStatus.APPROVED and reviewed.updated_at is not None
    assert [t.field for t in await repo.texts(A, status=TextStatus.APPROVED)] == ["name"]
    with pytest.raises(NotFound):
        await repo.review(B, "SKU-1", "fr", "name", TextStatus.APPROVED)
    # a newer source replaces the text as a new draft
    await repo.put_texts(A, [draft("SKU-1", text="Veste de pluie", src="h2")])
    [again] = [t for t in await repo.texts(A, lang="fr") if t.field == "name"]
    assert (again.text, again.source_hash, again.status) == ("Veste de pluie", "h2", TextStatus.DRAFT)
