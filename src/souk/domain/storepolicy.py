"""Validation of a store file's ``policies`` object (STORE_FORMAT.md) on a JsonChecker.

storecheck calls it after the shipping zones and products are read, passing the regions and SKUs they
defined (the policies refer to them).
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

from souk.domain.jsoncheck import JsonChecker

WHEN = frozenset({"opened", "seal_broken", "used"})
UNLESS = frozenset({"defective", "wrong_item"})
REASONS = frozenset({"hygiene", "safety", "final_sale", "custom_made"})
PAYERS = frozenset({"customer", "store"})
WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
UTC_OFFSET = re.compile(r"^[+-](0\d|1[0-4]):([0-5]\d)$")
PAYMENT_METHOD = re.compile(r"^(.*?)(?: \(([A-Z]{2}(?:, [A-Z]{2})*)\))?$")


def check_policies(c: JsonChecker, pol: dict[str, Any], path: str, *, regions: Container[str],
                   skus: Container[str]) -> None:
    returns = c.get(pol, "returns", path, c.obj, required=True)
    if returns is not None:
        _returns(c, returns, f"{path}.returns", regions, skus)
    for key in ("warranty", "price_match", "support_hours", "live_shopping"):
        c.get(pol, key, path, c.text)
    months = c.get(pol, "warranty_months", path, c.obj)
    if months is not None:
        mpath = f"{path}.warranty_months"
        if months.get("default") is not None:
            c.count(months["default"], f"{mpath}.default")
        for cat, value in (c.get(months, "by_category", mpath, c.obj) or {}).items():
            if c.snake(cat, f"{mpath}.by_category.{cat}") is not None:
                c.count(value, f"{mpath}.by_category.{cat}")
    methods = c.get(pol, "payment_methods", path, c.arr, required=True)
    for i, value in enumerate(methods or []):
        text = c.text(value, f"{path}.payment_methods[{i}]", max_len=200, empty=False)
        m = PAYMENT_METHOD.match(text) if text is not None else None
        if text is not None and (m is None or not m.group(1).strip()):
            c.add(f"{path}.payment_methods[{i}]", "must be a display name, optionally followed by \" (CC, CC)\"")
    support = c.get(pol, "support", path, c.obj)
    if support is not None:
        spath = f"{path}.support"
        hours = c.get(support, "human_hours", spath, c.text, required=True)
        if hours is not None and not HOURS.match(hours):
            c.add(f"{spath}.human_hours", f"must be \"HH:MM-HH:MM\" on a 24-hour clock, got {hours!r}"[:200])
        offset = c.get(support, "utc_offset", spath, c.text, required=True)
        if offset is not None and not UTC_OFFSET.match(offset):
            c.add(f"{spath}.utc_offset", f"must be \"+HH:MM\" or \"-HH:MM\", got {offset!r}"[:200])
        days = support.get("days")
        if days is not None and days != "daily":
            c.listing(days, f"{spath}.days", c.one_of(WEEKDAYS), empty=False)


def _returns(c: JsonChecker, r: dict[str, Any], path: str, regions: Container[str],
             skus: Container[str]) -> None:
    c.get(r, "window_days", path, c.count, required=True)
    for key in ("condition", "other_regions", "exchange"):
        c.get(r, key, path, c.text)
    for key in ("refund_days_after_receipt", "exchange_window_days"):
        c.get(r, key, path, c.count)
    labels = c.get(r, "free_return_label_regions", path, c.arr)
    for i, region in enumerate(labels or []):
        _region(c, regions, region, f"{path}.free_return_label_regions[{i}]")
    rules = c.get(r, "non_returnable", path, c.arr)
    for i, value in enumerate(rules or []):
        rule = c.obj(value, f"{path}.non_returnable[{i}]")
        if rule is not None:
            _non_returnable(c, skus, rule, f"{path}.non_returnable[{i}]")
    c.get(r, "restocking_fee_pct", path, lambda v, p: c.number(v, p, maximum=100))
    c.get(r, "restocking_fee_categories", path, lambda v, p: c.listing(v, p, c.snake))
    paid_by = c.get(r, "return_shipping_paid_by", path, c.obj)
    if paid_by is not None:
        ppath = f"{path}.return_shipping_paid_by"
        c.get(paid_by, "default", ppath, c.one_of(PAYERS))
        for region, payer in (c.get(paid_by, "by_region", ppath, c.obj) or {}).items():
            if _region(c, regions, region, f"{ppath}.by_region.{region}"):
                c.one_of(PAYERS)(payer, f"{ppath}.by_region.{region}")
        c.get(paid_by, "store_pays_when", ppath, lambda v, p: c.listing(v, p, c.one_of(UNLESS)))


def _region(c: JsonChecker, regions: Container[str], region: Any, path: str) -> bool:
    if not isinstance(region, str) or region not in regions:
        c.add(path, f"{region!r} is not a shipping[].region"[:200])
        return False
    return True


def _non_returnable(c: JsonChecker, skus: Container[str], rule: dict[str, Any], path: str) -> None:
    has_category, has_skus = rule.get("category") is not None, rule.get("skus") is not None
    if has_category == has_skus:
        c.add(path, "a rule has exactly one of category and skus")
    c.get(rule, "category", path, c.snake)
    listed = c.get(rule, "skus", path, lambda v, p: c.listing(v, p, c.ident, empty=False))
    for i, sku in enumerate(listed or []):
        if sku is not None and sku not in skus:
            c.add(f"{path}.skus[{i}]", f"{sku!r} is not a products[].sku")
    c.get(rule, "when", path, c.one_of(WHEN))
    c.get(rule, "unless", path, c.one_of(UNLESS))
    c.get(rule, "reason", path, c.one_of(REASONS))
