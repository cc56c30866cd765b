"""One turn of the offline brain as its handlers see it (text, language, slots, dialog state, the store),
and what a handler answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from souk.assistant.catalog import ProductIndex
from souk.assistant.slots import Slots
from souk.assistant.state import DialogState, PendingAction, Recorder
from souk.domain.models import Product
from souk.domain.store import StoreSnapshot

# "not the dress, the jacket": the negated product is not the one meant.
_NEGATED = re.compile(r"\b(not|nope|bukan|n[ãa]o|no)\s+(the|a|el|la|los|las|o|as|os|yang)\s+[^,.;!?\-–]{1,30}[,.;!?\-–]",
                      re.IGNORECASE)


@dataclass
class Turn:
    text: str
    lang: str
    slots: Slots
    state: DialogState
    rec: Recorder
    snap: StoreSnapshot
    index: ProductIndex
    channel: str = "text"
    _product: Product | None = None
    _resolved: bool = False

    @property
    def product(self) -> Product | None:
        if not self._resolved:
            self._product = self.index.resolve(_NEGATED.sub(" ", self.text))
            self._resolved = True
        return self._product

    def pin_product(self, product: Product | None) -> None:
        self._product, self._resolved = product, True

    def product_or_last(self) -> Product | None:
        return self.product or (self.snap.product(self.state.last_sku) if self.state.last_sku else None)

    @property
    def currency(self) -> str:
        return self.snap.merchant.currency

    def customer_country(self) -> str | None:
        cid = self.state.caller.customer_id
        customer = self.snap.customer(cid) if cid else None
        return customer.country if customer else None


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str
    handoff: str | None = None
    reason: str | None = None
    action: PendingAction | None = None  # a confirmed action: OfflineSession.reply executes it, then says how it went
