"""The merchant's FAQ as a searchable index: the answers to questions that only the store's own words cover.

Each entry is embedded once per snapshot (its topic words, its answer and every translation of it, one
passage each; an entry scores its best passage). A turn finds its entry either by intent (the topic's
words name it, e.g. ``gift_wrap`` for a gift-wrap question) or by meaning (an unrecognised question close
enough to one entry). Quoting picks ``answers[lang]`` when the store translated it, else the answer in the
store's primary language.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from souk.agent.embed.base import Embedder
from souk.domain.models import FaqEntry
from souk.domain.store import StoreSnapshot

#: A turn routed to no intent is answered from the FAQ when its best entry scores at least MATCH (e5 cosine)
#: and beats the runner-up by MARGIN, or scores a little less (MATCH - NEAR) but stands out by CLEAR.
MATCH = 0.86
MARGIN = 0.02
NEAR = 0.02
CLEAR = 0.05
#: Generic words that name the subject of each free-text intent, matched against FAQ topic ids.
INTENT_TOPICS: dict[str, frozenset[str]] = {
    "tracking": frozenset({"tracking", "track", "trace"}),
    "lost_parcel": frozenset({"lost", "missing", "parcel", "reship", "stolen", "undelivered"}),
    "customs_hold": frozenset({"customs", "clearance", "hold"}),
    "gift_wrap": frozenset({"gift", "wrap", "wrapping", "packaging"}),
    "size_guide": frozenset({"size", "sizes", "sizing", "fit"}),
    "video": frozenset({"video", "consult", "consultation", "call"}),
    "discount": frozenset({"discount", "discounts", "coupon", "coupons", "promo", "voucher", "sale", "price"}),
    "order_change": frozenset({"change", "cancel", "cancellation", "modify", "edit"}),
}
#: What each free-text intent is about, as a query when no topic id names it.
INTENT_QUERIES: dict[str, str] = {
    "tracking": "tracking number and tracking updates", "lost_parcel": "parcel lost, no tracking movement",
    "customs_hold": "parcel held by customs", "gift_wrap": "gift wrapping", "size_guide": "which size to choose",
    "video": "video consultation with a specialist", "discount": "discount codes and coupons",
    "order_change": "change or cancel an order",
}
_WORD = re.compile(r"[a-z0-9]+")


def topic_words(topic: str) -> frozenset[str]:
    return frozenset(_WORD.findall(topic.lower().replace("_", " ")))


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    score: float


class FaqIndex:
    """Semantic search over one snapshot's FAQ (built once per FAQ content)."""

    def __init__(self, faq: Sequence[FaqEntry], embedder: Embedder) -> None:
        self.entries = tuple(faq)
        self._embedder = embedder
        owners: list[int] = []
        texts: list[str] = []
        for i, entry in enumerate(self.entries):
            words = " ".join(sorted(topic_words(entry.topic)))
            for answer in (entry.answer, *entry.answers.values()):
                owners.append(i)
                texts.append(f"{words}: {answer}")
        self._owners = np.array(owners, dtype=np.int64)
        self._vectors: npt.NDArray[np.float32] = (embedder.passages(texts) if texts
                                                  else np.zeros((0, 1), np.float32))

    def search(self, text: str, limit: int = 3) -> list[FaqHit]:
        if not self.entries or not text.strip():
            return []
        sims = self._vectors @ self._embedder.query(text[:600])
        best = np.full(len(self.entries), -1.0)
        np.maximum.at(best, self._owners, sims.astype(np.float64))
        order = np.argsort(-best)[:limit]
        return [FaqHit(self.entries[i], float(best[i])) for i in order]

    def best(self, text: str, threshold: float = MATCH) -> FaqHit | None:
        """The entry the turn is clearly about: close enough, and ahead of the next one."""
        hits = self.search(text, limit=2)
        if not hits:
            return None
        top = hits[0].score
        gap = top - (hits[1].score if len(hits) > 1 else 0.0)
        if (top >= threshold and gap >= MARGIN) or (top >= threshold - NEAR and gap >= CLEAR):
            return hits[0]
        return None

    def for_intent(self, intent: str, text: str = "") -> FaqEntry | None:
        """The entry that covers a free-text intent: the one whose topic id names it (the closest to the
        turn when several do), else the closest to what the intent is about, if close enough. ``intent`` may
        name several intents joined by ``+`` ("tracking+lost_parcel": whichever of their entries is closest)."""
        words = frozenset().union(*(INTENT_TOPICS.get(i, frozenset()) for i in intent.split("+")))
        named = [e for e in self.entries if topic_words(e.topic) & words]
        if text:
            # "can you engrave a name?" routed to gift wrap: an entry the turn is clearly about wins
            hit = self.best(text)
            if hit is not None and hit.entry not in named:
                return hit.entry
        if len(named) == 1:
            return named[0]
        if named:
            query = text or INTENT_QUERIES.get(intent, intent)
            ranked = {h.entry.topic: h.score for h in self.search(query, limit=len(self.entries))}
            return max(named, key=lambda e: ranked.get(e.topic, -1.0))
        hit = self.best(INTENT_QUERIES.get(intent.split("+")[0], intent), threshold=MATCH)
        return hit.entry if hit else None


class FaqCache:
    """One FaqIndex per FAQ content (a snapshot re-read with the same FAQ keeps its vectors)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._cached: dict[str, tuple[tuple[object, ...], FaqIndex]] = {}
        self._lock = threading.Lock()

    def get(self, snap: StoreSnapshot) -> FaqIndex:
        key = tuple((f.topic, f.answer, tuple(sorted(f.answers.items()))) for f in snap.faq)
        merchant = snap.merchant.id
        hit = self._cached.get(merchant)
        if hit is not None and hit[0] == key:
            return hit[1]
        with self._lock:
            hit = self._cached.get(merchant)
            if hit is not None and hit[0] == key:
                return hit[1]
            index = FaqIndex(snap.faq, self._embedder)
            self._cached[merchant] = (key, index)
        return index


def answer_in(entry: FaqEntry, lang: str, primary: str) -> tuple[str, str]:
    """(text, its language): the store's translation for ``lang`` if any, else the primary-language answer."""
    text = entry.answers.get(lang)
    if text:
        return text, lang
    return entry.answer, primary
