"""The catalog intents' handlers: product info (leading with the asked attribute, probing a named model or
option), product search and stock."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from souk.assistant import aspects, policy_text, render
from souk.assistant.locale import fmt_money, join_list
from souk.assistant.messages import say
from souk.assistant.turn import Outcome, Turn
from souk.domain.models import Product

# "is this waterproof?" with nothing discussed yet: which product?
DEICTIC = re.compile(r"\b(this|it|this one|that one|este|esta|esto|isso|isto|esse|essa|ini|itu)\b|这个|这款|那个|"
                     r"هذا|هذه", re.IGNORECASE)
_IPHONE = re.compile(r"(?:iphone|ايفون|آيفون|أيفون|إيفون|苹果)\s?(\d{1,2})(\s?pro\s?max|\s?pro|\s?plus|\s?mini)?",
                     re.IGNORECASE)


def product_info(t: Turn) -> Outcome:
    product = t.product_or_last()
    if product is None and DEICTIC.search(t.text) and t.slots.max_price is None \
            and t.index.resolve(aspects.blank(DEICTIC.sub(" ", t.text))) is None:
        t.state.ask("product", "product_info")  # "这个多少钱?" with nothing discussed: which one?
        return Outcome(say("ask_product", t.lang, example=t.snap.products[0].name(t.lang) if t.snap.products else "-"))
    if product is None:
        ranked = t.rec("search_products", query=t.text[:300], max_price=_cap(t))
        wanted = aspects.asked(t.text)
        if wanted and len(ranked["products"]) > 1:
            # "battery of the watch?" with two watches: the one that has a battery is meant.
            able = [p for p in ranked["products"] if aspects.answer_keys(wanted, p["attributes"])]
            if len(able) == 1:
                product = t.snap.product(able[0]["sku"])
        if product is None and ranked["products"]:
            return _search_reply(t, ranked)
    if product is None:
        t.state.ask("product", "product_info")
        return Outcome(say("ask_product", t.lang, example=t.snap.products[0].name(t.lang) if t.snap.products else "-"))
    t.state.last_sku = product.sku
    t.state.clear_pending()
    info = t.rec("product_info", sku=product.sku)["product"]
    probe = _probe(t, product, info)
    focus = "" if probe else _focus(t, product, info)
    return Outcome(probe + focus + render.product_text(info, t.lang, t.currency, description_lang=_primary(t)))


def _focus(t: Turn, product: Product, info: dict[str, Any]) -> str:
    """Lead with the attributes the turn asks about ("how heavy is the tent?" -> its weight)."""
    wanted = aspects.asked(t.text, product.names.values())
    if not wanted:
        return ""
    attrs: dict[str, Any] = dict(info["attributes"])
    if any(a.name == "weight" for a in wanted) and not any(k in attrs for k in ("weight_kg", "min_kg", "max_kg")) \
            and info.get("shipping_weight_kg"):
        attrs["shipping_weight_kg"] = info["shipping_weight_kg"]  # no product weight listed: the packed weight
    keys = aspects.answer_keys(wanted, attrs)
    name = render.product_name(product.names, t.lang)
    if not keys:
        # Sizes/colours/etc. not listed; the description may still say it, and the card follows anyway.
        return say("focus_missing", t.lang, name=name) if _asks_detail(t, wanted) else ""
    listed = render.attribute_list({k: attrs[k] for k in keys}, t.lang)
    return say("focus", t.lang, name=name, attrs=listed) if listed else ""


def _asks_detail(t: Turn, wanted: tuple[aspects.Aspect, ...]) -> bool:
    """Only say "not listed" for specific measurable facts, not for words that merely co-occur."""
    return any(a.name in ("weight", "battery", "capacity", "power", "spf", "load", "resolution") for a in wanted)


def _probe(t: Turn, product: Product, info: dict[str, Any]) -> str:
    name = render.product_name(product.names, t.lang)
    models = info["attributes"].get("compatible_models")
    m = _IPHONE.search(t.text)
    if models and m:
        asked = f"iPhone {m.group(1)}" + ((" " + " ".join(m.group(2).split())).title() if m.group(2) else "")
        excluded = "pro max" in asked.lower() and "not pro max" in product.description.lower()
        if asked in models and not excluded:
            return say("probe_yes", t.lang, name=name, what=asked)
        if f"iPhone {m.group(1)}" in models and not excluded and m.group(2) is None:
            return say("probe_yes", t.lang, name=name, what=asked)
        return say("probe_no", t.lang, name=name, what=asked, options=", ".join(models))
    low = t.text.lower()
    for key, values in info["attributes"].items():
        if not isinstance(values, list) or key == "compatible_models":
            continue
        hit = [v for v in values if re.search(rf"(?<![A-Za-z0-9]){re.escape(str(v).lower())}(?![A-Za-z0-9])", low)]
        # one-letter sizes ("S", "M") only count when written in capitals, not as words of the sentence
        hit = [v for v in hit if len(str(v)) > 1
               or re.search(rf"(?<![A-Za-z0-9]){re.escape(str(v))}(?![A-Za-z0-9])", t.text)]
        if hit and len(hit) < len(values):
            return say("probe_has", t.lang, name=name, what=", ".join(map(str, hit)))
    return ""


def mentions_variant(t: Turn, product: Product) -> bool:
    """The turn names one of the product's listed options ("is the abaya available in black?")."""
    low = t.text.lower()
    for key, values in product.attributes.items():
        if not isinstance(values, list) or key == "compatible_models":
            continue
        for v in map(str, values):
            if len(v) > 1 and re.search(rf"(?<![A-Za-z0-9]){re.escape(v.lower())}(?![A-Za-z0-9])", low):
                return True
    return False


def _primary(t: Turn) -> str:
    return t.snap.merchant.languages[0] if t.snap.merchant.languages else "en"


def _cap(t: Turn) -> str | None:
    return f"{t.slots.max_price}" if t.slots.max_price is not None else None


def _search_reply(t: Turn, ranked: dict[str, Any]) -> Outcome:
    cap = ""
    if t.slots.max_price is not None:
        cap = say("search_cap", t.lang, cap=fmt_money(t.slots.max_price, t.currency, t.lang))
    if not ranked["products"]:
        if t.slots.max_price is None:  # "do you repair jackets?": nothing to buy, but the store may have said
            result = t.rec("faq", query=t.text[:300], lang=t.lang)
            if result.get("found"):
                return Outcome(policy_text.faq_quote(result, t.lang, t.currency))
            t.rec.calls.pop()
        return Outcome(say("search_none", t.lang, cap=cap, examples=_examples(t)))
    items = [f"{render.product_name(p['names'], t.lang)} ({fmt_money(Decimal(p['price']), t.currency, t.lang)})"
             for p in ranked["products"]]
    if len(ranked["products"]) == 1:
        p = ranked["products"][0]
        t.state.last_sku = p["sku"]
        return Outcome(render.product_text(p, t.lang, t.currency, description_lang=_primary(t)))
    return Outcome(say("search", t.lang, cap=cap, items=join_list(items, t.lang)))


def _examples(t: Turn) -> str:
    """One product name per category of the store's catalog: what the store sells, in its own names."""
    first: dict[str, str] = {}
    for p in t.snap.products:
        first.setdefault(p.category, render.product_name(p.names, t.lang))
    return join_list(list(first.values())[:8], t.lang) or "-"


def product_search(t: Turn) -> Outcome:
    query = re.sub(r"\d+(?:[.,]\d+)?", " ", t.text)[:300]
    ranked = t.rec("search_products", query=query, max_price=_cap(t))
    return _search_reply(t, ranked)


def stock(t: Turn) -> Outcome:
    product = t.product_or_last()
    if product is None:
        t.state.ask("product", "stock")
        return Outcome(say("ask_product", t.lang, example=t.snap.products[0].name(t.lang) if t.snap.products else "-"))
    t.state.last_sku = product.sku
    t.state.clear_pending()
    info = t.rec("stock_info", sku=product.sku)
    return Outcome(render.stock_text(info, t.lang))
