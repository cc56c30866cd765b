"""Tenancy records: merchant API keys and users (merchant staff and shoppers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum


class UserRole(str, Enum):
    SELLER = "seller"  # takes video consults, hosts live shows
    AGENT = "agent"  # customer-service staff
    ADMIN = "admin"  # manages the merchant's account
    SHOPPER = "shopper"  # a registered buyer

    @property
    def is_staff(self) -> bool:
        return self is not UserRole.SHOPPER


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A merchant API key as stored: never the key itself, only its id and a salted scrypt hash."""

    key_id: str
    merchant_id: str
    label: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class User:
    id: str
    merchant_id: str
    role: UserRole
    name: str
    email: str | None
    languages: tuple[str, ...]
    skills: tuple[str, ...]
    active: bool
    created_at: dt.datetime

    def speaks(self, lang: str) -> bool:
        return lang in self.languages
