"""Checking a parsed JSON value piece by piece, collecting every problem with its path (``$.a[3].b``).

``JsonChecker`` holds the problems found so far and small typed checks; each returns the checked value, or
None after recording why not. Nothing here raises on bad input. Used by the store file checks (storecheck).
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

from souk.domain.currencies import currency_problem

MAX_MONEY = Decimal(10) ** 12
SNAKE = re.compile(r"^[a-z0-9_]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Check = Callable[[Any, str], Any]


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class JsonChecker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.decimals = 2  # how many decimals an amount may have (money)

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
