"""A customer's data across every store (issue 17 part 4; /work/notes/contract-C.md, docs/privacy.md "Export"
and "Erasure"): the identifiers that name one customer of one merchant, the Protocol every store of customer
data implements (``identify`` adds the ids it knows, ``export`` reads, ``erase`` removes or anonymises), and
what those calls return. The engines are souk.privacy.export, .erase and .scan; the list of stores is
souk.privacy.customer_stores."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

MIN_NEEDLE = 4  # shorter ids ("c1") match too much by chance even as whole tokens: not searched in raw data

_ID_FIELDS = ("emails", "phones", "names", "identities", "order_ids", "conversation_ids", "call_ids", "rooms")


def digits_only(phone: str) -> str:
    return re.sub(r"\D", "", phone)


@dataclass(frozen=True, slots=True)
class CustomerIds:
    """Everything that names the customer: what the stores search by and the scan searches for."""

    merchant_id: str
    customer_id: str
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    identities: frozenset[str] = frozenset()  # token identities/subjects (participants, calls, desk, carts)
    order_ids: frozenset[str] = frozenset()
    conversation_ids: frozenset[str] = frozenset()  # desk conversations
    call_ids: frozenset[str] = frozenset()
    rooms: frozenset[str] = frozenset()  # rooms of the customer's own calls (consult/group call rooms)
    pseudonym: str = ""  # drawn by the erase engine; "" on export

    def with_(self, **more: Iterable[str]) -> CustomerIds:
        """These ids and ``more`` (field name -> values); empty and blank values are dropped."""
        changes: dict[str, Any] = {}
        for name, values in more.items():
            if name not in _ID_FIELDS:
                raise ValueError(f"not an id field: {name}")
            clean = {v.strip().lower() if name == "emails" else v.strip() for v in values if v and v.strip()}
            if name == "phones":
                clean |= {digits_only(v) for v in clean if len(digits_only(v)) >= 8}
            changes[name] = getattr(self, name) | frozenset(clean)
        return replace(self, **changes)

    @property
    def identities_all(self) -> frozenset[str]:
        """The identities and the customer id (a signed-in shopper's identity is often the customer id)."""
        return self.identities | {self.customer_id}

    def needles(self) -> frozenset[str]:
        """What a scan of raw data searches for: the customer's e-mails, phones, names, customer id and
        identities (each at least MIN_NEEDLE characters; matched as whole tokens). Order ids, conversation ids, call ids and rooms are
        not personal by themselves (anonymised orders keep their ids). A one-word name ("Mary") is not searched:
        it would match other customers' text (their records go by the other identifiers)."""
        out = set(self.emails) | set(self.phones) | {n for n in self.names if _full_name(n)} | self.identities_all
        return frozenset(n for n in out if len(n) >= MIN_NEEDLE)

    def view(self) -> dict[str, Any]:
        return {"merchant_id": self.merchant_id, "customer_id": self.customer_id,
                **{name: sorted(getattr(self, name)) for name in _ID_FIELDS}}


def _full_name(name: str) -> bool:
    return len(name.split()) >= 2 or len(name) >= 8


def new_pseudonym() -> str:
    """A random stand-in for an erased customer, never derived from the id (so it cannot be reversed)."""
    return "anon-" + secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str  # path inside the archive, relative, "/"-separated
    read: Callable[[], Awaitable[bytes]]  # the plaintext bytes


@dataclass(slots=True)
class Exported:
    records: list[dict[str, Any]] = field(default_factory=list)  # JSON-able
    files: list[ExportFile] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Erased:
    deleted: int = 0
    anonymised: int = 0
    kept: str = ""  # what is deliberately kept, and why


@runtime_checkable
class CustomerStore(Protocol):
    name: str

    async def identify(self, ids: CustomerIds) -> CustomerIds: ...

    async def export(self, ids: CustomerIds) -> Exported: ...

    async def erase(self, ids: CustomerIds) -> Erased: ...


class StoreBase:
    """A store that adds no ids of its own."""

    name = "store"

    async def identify(self, ids: CustomerIds) -> CustomerIds:
        return ids
