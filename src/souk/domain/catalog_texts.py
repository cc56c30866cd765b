"""Per-language catalog texts made by a translation provider for the seller to review (issue 16).

A seller's own texts are the product's ``names`` (every store language) and its ``description`` (the store's
primary language). A draft fills a language the seller did not write, is marked with the provider and the
source it came from, and never replaces the seller's own text; a draft whose source changed since is stale.
Pure: planning what is missing and checking reviews; storage keeps the drafts (souk.storage.repos.translations).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from souk.core.errors import BadRequest
from souk.domain.models import Product

FIELDS = ("name", "description")


class TextStatus(str, Enum):
    DRAFT = "draft"  # machine-made, waiting for the seller
    APPROVED = "approved"  # the seller accepted it (shown to shoppers)
    REJECTED = "rejected"  # the seller refused it (not made again until the source changes)


@dataclass(frozen=True, slots=True)
class CatalogText:
    sku: str
    lang: str
    field: str
    text: str
    source_lang: str
    source_hash: str
    provider: str
    status: TextStatus = TextStatus.DRAFT
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Need:
    """One text to make: ``source`` in ``source_lang`` becomes ``field`` of ``sku`` in ``lang``."""

    sku: str
    field: str
    lang: str
    source: str
    source_lang: str

    @property
    def source_hash(self) -> str:
        return source_hash(self.source)


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def seller_text(product: Product, field: str, lang: str, primary: str) -> str:
    """The seller's own text of ``field`` in ``lang`` ("" when the seller wrote none)."""
    if field == "name":
        return (product.names.get(lang) or "").strip()
    return product.description.strip() if lang == primary else ""


def plan(products: Iterable[Product], *, primary: str, target: str, existing: Sequence[CatalogText],
         fields: Sequence[str] = FIELDS) -> list[Need]:
    """What a provider must make for ``target``: every field the seller left empty there, from the seller's
    primary-language text (or English for a name when the primary has none), skipping texts that already
    have a draft, an approval or a rejection made from the same source."""
    for f in fields:
        if f not in FIELDS:
            raise BadRequest(f"unknown catalog field {f!r}; one of {', '.join(FIELDS)}", code="bad_field")
    have = {(t.sku, t.field, t.lang): t.source_hash for t in existing}
    needs: list[Need] = []
    for p in products:
        for f in fields:
            if seller_text(p, f, target, primary):
                continue  # the seller's own text: never replaced
            lang, source = primary, seller_text(p, f, primary, primary)
            if not source and f == "name" and p.names.get("en"):
                lang, source = "en", p.names["en"].strip()
            if not source or lang == target:
                continue
            need = Need(sku=p.sku, field=f, lang=target, source=source, source_lang=lang)
            if have.get((p.sku, f, target)) == need.source_hash:
                continue
            needs.append(need)
    return needs


def review_status(value: str) -> TextStatus:
    try:
        status = TextStatus(value)
    except ValueError:
        status = TextStatus.DRAFT
    if status is TextStatus.DRAFT or value != status.value:
        raise BadRequest("a review is 'approved' or 'rejected'", code="bad_review")
    return status


_PAYMENT = re.compile(r"^(.*?)(?: \(([A-Z]{2}(?:, [A-Z]{2})*)\))?$")
BRAND_KEYS = ("brand", "model", "compatible_models")  # product attributes that hold names, never translated


def store_terms(store_name: str, products: Iterable[Product], payment_methods: Iterable[str],
                approved: Iterable[CatalogText] = ()) -> tuple[list[str], list[dict[str, str]]]:
    """The glossary's data from a store: terms kept as written (the store's name, payment method names,
    brand/model attributes) and each product's name in every language it has (the seller's ``names`` plus
    names the seller approved from drafts)."""
    keep: list[str] = [store_name] if store_name.strip() else []
    for method in payment_methods:
        m = _PAYMENT.match(method.strip())
        if m and m.group(1).strip():
            keep.append(m.group(1).strip())
    extra: dict[str, dict[str, str]] = {}
    for t in approved:
        if t.field == "name" and t.status is TextStatus.APPROVED:
            extra.setdefault(t.sku, {})[t.lang] = t.text
    names: list[dict[str, str]] = []
    for p in products:
        for key in BRAND_KEYS:
            value = p.attributes.get(key)
            values = value if isinstance(value, list) else [value]
            keep.extend(v.strip() for v in values if isinstance(v, str) and v.strip())
        merged = {lang: text.strip() for lang, text in {**extra.get(p.sku, {}), **p.names}.items() if text.strip()}
        if len(merged) >= 2:
            names.append(merged)
    return keep, names
