"""Validation of a store file (shared/fixtures/STORE_FORMAT.md): every problem, each with its JSON path.

Pure and total: ``check_store`` takes any parsed JSON value and returns the list of problems (empty when the
file can be imported); it never raises on bad input. Paths read like ``$.products[3].price_usd``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from souk.domain.currencies import currency_problem, decimals
from souk.domain.storepolicy import check_policies

#: order statuses of the format, plus ``pending`` (an order Souk's live checkout wrote, not paid yet), so that
#: what ``souk store export`` writes imports again
ORDER_STATUSES = frozenset({"processing", "shipped", "in_transit", "out_for_delivery", "delivered",
                            "customs_hold", "returned", "cancelled", "pending"})
SHIPPING_METHODS = frozenset({"standard", "express"})
DUTY_PAID = frozenset({"none", "included", "at_checkout", "on_delivery"})
RATE_KEYS = frozenset({"duty", "vat"})
MONEY_BASES = {
    "product": ("price",),
    "line": ("unit_price",),
    "order": ("subtotal", "shipping", "total", "refunded"),
    "zone": ("free_shipping_over", "standard_fee", "express_fee"),
}
MAX_MONEY = Decimal(10) ** 12

MERCHANT_ID = re.compile(r"^[a-z0-9_-]+$")
SNAKE = re.compile(r"^[a-z0-9_]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def check_store(data: object, *, merchant_id: str | None = None, currency: str | None = None) -> list[Problem]:
    """Every problem of a store file. With ``merchant_id``/``currency`` the file must also be that merchant's
    (``store.id``) and priced in its currency (``store.currency``)."""
    checker = Checker()
    checker.run(data, merchant_id, currency)
    return checker.problems


class _Missing:
    pass


MISSING = _Missing()
Check = Callable[[Any, str], Any]


class Checker:
    """Walks one file, collecting problems; what earlier sections defined (SKUs, customers, zones) is kept
    for the references later sections make."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.cur: str | None = None  # the money-key suffix, once store.currency is known to be valid
        self.decimals = 2
        self.languages: list[str] = []
        self.skus: dict[str, str] = {}  # sku -> path of its product
        self.customers: dict[str, str] = {}
        self.orders: dict[str, str] = {}
        self.regions: dict[str, tuple[str, set[str]]] = {}  # region -> (path, countries)

    # -- primitives -----------------------------------------------------------------------------------
    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def get(self, obj: dict[str, Any], key: str, path: str, check: Check, *, required: bool = False) -> Any:
        """The checked value of ``obj[key]``, or None when it is absent (null counts as absent) or bad."""
        value = obj.get(key)
        if value is None:
            if required:
                self.add(f"{path}.{key}", "required key missing")
            return None
        return check(value, f"{path}.{key}")

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, "must be an object")
            return None
        return value

    def arr(self, value: Any, path: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return None
        return value

    def text(self, value: Any, path: str, *, max_len: int = 20_000, empty: bool = True) -> str | None:
        if not isinstance(value, str):
            self.add(path, "must be a string")
            return None
        if not empty and not value.strip():
            self.add(path, "must not be empty")
            return None
        if len(value) > max_len:
            self.add(path, f"must be at most {max_len} characters")
            return None
        return value

    def name(self, value: Any, path: str) -> str | None:
        return self.text(value, path, max_len=200, empty=False)

    def ident(self, value: Any, path: str) -> str | None:
        return self.text(value, path, max_len=64, empty=False)

    def matching(self, pattern: re.Pattern[str], what: str, max_len: int = 64) -> Check:
        def check(value: Any, path: str) -> str | None:
            text = self.text(value, path, max_len=max_len, empty=False)
            if text is not None and not pattern.match(text):
                self.add(path, f"must be {what}, got {text!r}")
                return None
            return text
        return check

    def snake(self, value: Any, path: str) -> str | None:
        return self.matching(SNAKE, "lower-case snake_case")(value, path)

    def country(self, value: Any, path: str) -> str | None:
        return self.matching(COUNTRY, "an ISO 3166-1 alpha-2 country code in upper case", 2)(value, path)

    def language(self, value: Any, path: str) -> str | None:
        return self.matching(LANGUAGE, "an ISO 639-1 language code in lower case", 2)(value, path)

    def currency(self, value: Any, path: str) -> str | None:
        problem = currency_problem(value)
        if problem is not None:
            self.add(path, problem)
            return None
        return str(value)

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.add(path, "must be true or false")
            return None
        return value

    def integer(self, value: Any, path: str, *, minimum: int = 0, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "must be an integer")
            return None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.add(path, f"must be {bound}, got {value}")
            return None
        return value

    def count(self, value: Any, path: str) -> int | None:
        return self.integer(value, path)

    def number(self, value: Any, path: str, *, maximum: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.add(path, "must be a number")
            return None
        if value < 0 or (maximum is not None and value > maximum):
            self.add(path, f"must be between 0 and {maximum}" if maximum is not None else "must not be negative")
            return None
        return float(value)

    def money(self, value: Any, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.add(path, "must be a number (an amount in the store's currency)")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.add(path, "must be a number (an amount in the store's currency)")
            return None
        if amount < 0 or amount >= MAX_MONEY:
            self.add(path, f"must be between 0 and {MAX_MONEY}, got {value}")
            return None
        exponent = amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimals:
            self.add(path, f"has more than {self.decimals} decimals, got {value}")
            return None
        return amount

    def date(self, value: Any, path: str) -> dt.date | None:
        if isinstance(value, str) and DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.add(path, f"must be a date YYYY-MM-DD, got {value!r}"[:200])
        return None

    def timezone(self, value: Any, path: str) -> str | None:
        text = self.text(value, path, max_len=64, empty=False)
        if text is None:
            return None
        try:
            zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.add(path, f"must be an IANA time zone name such as \"Europe/Berlin\", got {text!r}")
            return None
        return text

    def listing(self, value: Any, path: str, item: Check, *, empty: bool = True) -> list[Any] | None:
        items = self.arr(value, path)
        if items is None:
            return None
        if not empty and not items:
            self.add(path, "must not be empty")
        return [item(v, f"{path}[{i}]") for i, v in enumerate(items)]

    def one_of(self, allowed: Iterable[str]) -> Check:
        choices = sorted(allowed)

        def check(value: Any, path: str) -> str | None:
            if value not in choices:
                self.add(path, f"must be one of {', '.join(choices)}, got {value!r}"[:300])
                return None
            return str(value)
        return check

    def pair(self, check: Check) -> Check:
        def pair_check(value: Any, path: str) -> tuple[Any, Any] | None:
            if not isinstance(value, list) or len(value) != 2:
                self.add(path, "must be a list of two values [min, max]")
                return None
            lo, hi = check(value[0], f"{path}[0]"), check(value[1], f"{path}[1]")
            if lo is None or hi is None:
                return None
            if lo > hi:
                self.add(path, f"the first value must not be after the second, got {value}")
                return None
            return lo, hi
        return pair_check

    def money_keys(self, obj: dict[str, Any], path: str, kind: str) -> None:
        """Money keys must end in the store currency's suffix."""
        if self.cur is None:
            return
        bases = "|".join(MONEY_BASES[kind])
        for key in obj:
            m = re.match(rf"^({bases})_([a-z]{{3}})$", key) if isinstance(key, str) else None
            if m and m.group(2) != self.cur:
                self.add(f"{path}.{key}", f"money key in {m.group(2).upper()}, but store.currency is "
                                          f"{self.cur.upper()}: write {m.group(1)}_{self.cur}")

    def amount(self, value: Any, path: str) -> None:
        """``{"amount": n, "currency": "GBP"}``."""
        obj = self.obj(value, path)
        if obj is None:
            return
        self.get(obj, "amount", path, self.number, required=True)
        self.get(obj, "currency", path, self.currency, required=True)

    def unique(self, seen: dict[str, str], value: str | None, path: str, what: str) -> None:
        if value is None:
            return
        if value in seen:
            self.add(path, f"{what} {value!r} repeats (first at {seen[value]})")
        else:
            seen[value] = path

    def each(self, top: dict[str, Any], key: str, *, required: bool, item: Callable[[dict[str, Any], str], None]) -> None:
        items = self.get(top, key, "$", self.arr, required=required)
        for i, value in enumerate(items or []):
            path = f"$.{key}[{i}]"
            obj = self.obj(value, path)
            if obj is not None:
                item(obj, path)

    # -- the file ---------------------------------------------------------------------------------------
    def run(self, data: object, merchant_id: str | None, currency: str | None) -> None:
        top = self.obj(data, "$")
        if top is None:
            return
        store = self.get(top, "store", "$", self.obj, required=True)
        if store is not None:
            self.store(store, merchant_id, currency)
        self.get(top, "as_of", "$", self.date, required=True)
        self.each(top, "products", required=True, item=self.product)
        self.each(top, "customers", required=False, item=self.customer)
        self.each(top, "orders", required=False, item=self.order)
        self.each(top, "shipping", required=True, item=self.zone)
        policies = self.get(top, "policies", "$", self.obj, required=True)
        if policies is not None:
            check_policies(self, policies, "$.policies")
        faq_topics: dict[str, str] = {}
        self.each(top, "faq", required=False, item=lambda f, p: self.faq(f, p, faq_topics))

    def store(self, s: dict[str, Any], merchant_id: str | None, currency: str | None) -> None:
        path = "$.store"
        sid = self.get(s, "id", path, self.matching(MERCHANT_ID, "a merchant id ([a-z0-9_-]+)"), required=True)
        if sid is not None and merchant_id is not None and sid != merchant_id:
            self.add(f"{path}.id", f"is {sid!r}, but this import is for merchant {merchant_id!r}")
        self.get(s, "name", path, self.name, required=True)
        cur = self.get(s, "currency", path, self.currency, required=True)
        if cur is not None:
            self.cur, self.decimals = cur.lower(), decimals(cur)
            if currency is not None and cur != currency:
                self.add(f"{path}.currency", f"is {cur}, but merchant {merchant_id or ''!r} is priced in {currency} "
                                             "(set when the merchant was created)")
        langs = self.get(s, "languages", path, lambda v, p: self.listing(v, p, self.language, empty=False),
                         required=True)
        self.languages = [lang for lang in (langs or []) if lang is not None]
        seen: dict[str, str] = {}
        for i, lang in enumerate(langs or []):
            self.unique(seen, lang, f"{path}.languages[{i}]", "language")
        self.get(s, "ships_from", path, lambda v, p: self.text(v, p, max_len=200))
        self.get(s, "timezone", path, self.timezone)
        self.get(s, "country", path, self.country)

    def product(self, p: dict[str, Any], path: str) -> None:
        self.money_keys(p, path, "product")
        sku = self.get(p, "sku", path, self.ident, required=True)
        self.unique(self.skus, sku, f"{path}.sku", "sku")
        self.get(p, "category", path, self.snake, required=True)
        if self.cur is not None:
            self.get(p, f"price_{self.cur}", path, self.money, required=True)
        names = self.get(p, "names", path, self.obj, required=True)
        if names is not None:
            for lang, value in names.items():
                self.text(value, f"{path}.names.{lang}", max_len=200, empty=False)
            for lang in self.languages:
                if lang not in names:
                    self.add(f"{path}.names", f"has no name in {lang!r} (a language of store.languages)")
        self.get(p, "description", path, self.text)
        attributes = self.get(p, "attributes", path, self.obj)
        for key, value in (attributes or {}).items():
            self.attribute(key, value, f"{path}.attributes.{key}")
        self.get(p, "weight_kg", path, self.number)
        self.get(p, "stock", path, self.count)
        self.get(p, "restock_date", path, self.date)

    def attribute(self, key: str, value: Any, path: str) -> None:
        if not SNAKE.match(key):
            self.add(path, "attribute keys must be lower-case snake_case")
        elif key == "warranty_months":
            self.count(value, path)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if not isinstance(v, str):
                    self.add(f"{path}[{i}]", "list attributes hold strings")
        elif value is not None and (not isinstance(value, str | int | float | bool)
                                    or (isinstance(value, float) and not math.isfinite(value))):
            self.add(path, "must be a string, number, boolean or list of strings")

    def customer(self, c: dict[str, Any], path: str) -> None:
        cid = self.get(c, "id", path, self.ident, required=True)
        self.unique(self.customers, cid, f"{path}.id", "customer id")
        self.get(c, "name", path, self.name, required=True)
        email = self.get(c, "email", path, lambda v, p: self.text(v, p, max_len=320, empty=False), required=True)
        if email is not None and "@" not in email:
            self.add(f"{path}.email", f"must be an e-mail address, got {email!r}")
        self.get(c, "country", path, self.country, required=True)
        self.get(c, "language", path, self.language)
        self.get(c, "vip", path, self.boolean)

    def order(self, o: dict[str, Any], path: str) -> None:
        self.money_keys(o, path, "order")
        oid = self.get(o, "id", path, self.ident, required=True)
        self.unique(self.orders, oid, f"{path}.id", "order id")
        cid = self.get(o, "customer_id", path, self.ident, required=True)
        if cid is not None and cid not in self.customers:
            self.add(f"{path}.customer_id", f"{cid!r} is not a customers[].id")
        self.get(o, "placed_on", path, self.date, required=True)
        self.get(o, "status", path, self.one_of(ORDER_STATUSES), required=True)
        self.get(o, "shipping_method", path, self.one_of(SHIPPING_METHODS))
        self.get(o, "country", path, self.country, required=True)
        lines = self.get(o, "lines", path, self.arr, required=True)
        if lines is not None and not lines:
            self.add(f"{path}.lines", "must not be empty")
        for i, value in enumerate(lines or []):
            line = self.obj(value, f"{path}.lines[{i}]")
            if line is not None:
                self.line(line, f"{path}.lines[{i}]")
        if self.cur is not None:
            for base in ("subtotal", "shipping", "total"):
                self.get(o, f"{base}_{self.cur}", path, self.money, required=True)
            self.get(o, f"refunded_{self.cur}", path, self.money)
        self.get(o, "currency_paid", path, self.currency)
        for key in ("shipped_on", "delivered_on"):
            self.get(o, key, path, self.date)
        for key in ("carrier", "tracking_number", "refund_status"):
            self.get(o, key, path, lambda v, p: self.text(v, p, max_len=64))
        self.get(o, "estimated_delivery", path, self.pair(self.date))
        self.get(o, "note", path, self.text)

    def line(self, ln: dict[str, Any], path: str) -> None:
        self.money_keys(ln, path, "line")
        sku = self.get(ln, "sku", path, self.ident, required=True)
        if sku is not None and sku not in self.skus:
            self.add(f"{path}.sku", f"{sku!r} is not a products[].sku")
        self.get(ln, "qty", path, lambda v, p: self.integer(v, p, minimum=1), required=True)
        if self.cur is not None:
            self.get(ln, f"unit_price_{self.cur}", path, self.money, required=True)

    def zone(self, z: dict[str, Any], path: str) -> None:
        self.money_keys(z, path, "zone")
        region = self.get(z, "region", path, self.snake, required=True)
        countries = self.get(z, "countries", path, lambda v, p: self.listing(v, p, self.country, empty=False),
                             required=True) or []
        mine: set[str] = set()
        for i, code in enumerate(countries):
            if code is None:
                continue
            other = next((r for r, (_, cs) in self.regions.items() if code in cs), None)
            if other is not None:
                self.add(f"{path}.countries[{i}]", f"{code} is already in zone {other!r}")
            mine.add(code)
        if region is not None:
            if region in self.regions:
                self.add(f"{path}.region", f"region {region!r} repeats (first at {self.regions[region][0]})")
            else:
                self.regions[region] = (f"{path}.region", mine)
        days = self.pair(self.count)
        self.get(z, "standard_days", path, days, required=True)
        self.get(z, "express_days", path, days, required=True)
        if self.cur is not None:
            # Souk's checkout needs the threshold (not yet optional here, see docs/merchants.md)
            self.get(z, f"free_shipping_over_{self.cur}", path, self.money, required=True)
            self.get(z, f"standard_fee_{self.cur}", path, self.money)
            self.get(z, f"express_fee_{self.cur}", path, self.money)
        self.get(z, "duties", path, self.text)
        rules = self.get(z, "duty_rules", path, self.arr) or []
        for i, value in enumerate(rules):
            rule = self.obj(value, f"{path}.duty_rules[{i}]")
            if rule is not None:
                self.duty_rule(rule, f"{path}.duty_rules[{i}]", region, mine)

    def duty_rule(self, r: dict[str, Any], path: str, region: str | None, zone_countries: set[str]) -> None:
        countries = self.get(r, "countries", path, lambda v, p: self.listing(v, p, self.country, empty=False))
        for i, code in enumerate(countries or []):
            if code is not None and code not in zone_countries:
                self.add(f"{path}.countries[{i}]", f"{code} is not a country of zone {region!r}")
        self.get(r, "paid", path, self.one_of(DUTY_PAID), required=True)
        for key in ("up_to", "over", "fee"):
            self.get(r, key, path, self.amount)
        rates = self.get(r, "rates_pct", path, self.obj)
        for key, value in (rates or {}).items():
            if key not in RATE_KEYS:
                self.add(f"{path}.rates_pct.{key}", "rates_pct keys are duty and vat")
            else:
                self.number(value, f"{path}.rates_pct.{key}", maximum=1000)

    def faq(self, f: dict[str, Any], path: str, topics: dict[str, str]) -> None:
        topic = self.get(f, "topic", path, self.snake, required=True)
        self.unique(topics, topic, f"{path}.topic", "topic")
        self.get(f, "answer", path, lambda v, p: self.text(v, p, empty=False), required=True)
        answers = self.get(f, "answers", path, self.obj)
        for lang, value in (answers or {}).items():
            if self.language(lang, f"{path}.answers.{lang}") is not None:
                self.text(value, f"{path}.answers.{lang}", empty=False)
