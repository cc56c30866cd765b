"""souk.domain.catalog_texts: what a provider must make, and what it must never replace."""

from __future__ import annotations

from decimal import Decimal

import pytest

from souk.core.errors import BadRequest
from souk.domain.catalog_texts import CatalogText, TextStatus, plan, review_status, source_hash
from souk.domain.models import Product


def product(sku: str, names: dict[str, str], description: str = "A light rain jacket.") -> Product:
    return Product(sku=sku, category="apparel", price=Decimal(10), weight_kg=0.5, names=names,
                   description=description, attributes={}, stock=3)


P = [product("J1", {"en": "Rain Jacket", "es": "Chaqueta"}), product("J2", {"en": "Scarf", "fr": "Écharpe"}, "")]


def test_missing_fields_come_from_the_primary_language() -> None:
    needs = plan(P, primary="en", target="fr", existing=[])
    assert [(n.sku, n.field, n.source, n.source_lang) for n in needs] == [
        ("J1", "name", "Rain Jacket", "en"), ("J1", "description", "A light rain jacket.", "en")]
    # the seller's own French name of J2 is never replaced; its empty description has no source


def test_the_sellers_texts_and_same_source_drafts_are_skipped() -> None:
    assert [(n.sku, n.field) for n in plan(P, primary="en", target="es", existing=[])] == [
        ("J1", "description"), ("J2", "name")]
    done = CatalogText("J1", "fr", "name", "Veste", "en", source_hash("Rain Jacket"), "apertium",
                       TextStatus.REJECTED)
    assert [n.field for n in plan(P, primary="en", target="fr", existing=[done])] == ["description"]
    stale = CatalogText("J1", "fr", "name", "Veste", "en", source_hash("Old name"), "apertium")
    assert len(plan(P, primary="en", target="fr", existing=[stale])) == 2
    assert plan(P, primary="en", target="en", existing=[]) == []


def test_a_name_falls_back_to_english_and_fields_are_checked() -> None:
    zh = [product("Z1", {"zh": "", "en": "Teapot"}, "")]
    assert [(n.source, n.source_lang) for n in plan(zh, primary="zh", target="es", existing=[])] == [
        ("Teapot", "en")]
    with pytest.raises(BadRequest):
        plan(P, primary="en", target="fr", existing=[], fields=["price"])
    assert review_status("approved") is TextStatus.APPROVED
    with pytest.raises(BadRequest):
        review_status("draft")
