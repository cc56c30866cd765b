"""Nearest-neighbour intent routing over example utterances, backed by keyword cues.

Score of an intent = mean of its two closest examples' cosines + a bonus per cue that fires. The
confidence is that score; the caller compares it with a threshold and asks a clarifying question below it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from souk.agent.embed.base import Embedder
from souk.assistant.action_intents import ACTION_INTENTS
from souk.assistant.intents import CUES, EXAMPLES

CUE_BONUS = 0.06
CONFIDENT = 0.86
PRECEDENCE = (("shipping", "duties"), ("payment", "duties"), ("product_info", "stock"), ("product_info", "warranty"),
              ("product_info", "returns"), ("shipping", "payment"), ("order_status", "order_change"),
              ("product_info", "size_guide"), ("product_info", "discount"), ("product_search", "discount"))
PRECEDENCE_MARGIN = 0.06
# Words that only a duties question uses: they beat "pay"/"ship" in "do I pay import duty when you ship to X?".
STRONG_DUTIES = re.compile(
    r"dut(y|ies)|customs (fees?|charges?|dut)|import (tax|dut|fees?|charges?)|\bvat\b|tariffs?|aranceles?|"
    r"impuestos? de (importaci[oó]n|aduana)|derechos de importaci|imposto de importa|taxas? (de importa|"
    r"alfandeg)|alfândega|bea masuk|bea cukai|pajak impor|biaya impor|关税|进口税|税费|رسوم جمركية|"
    r"الرسوم الجمركية|الجمارك|جمارك|ضريبة الاستيراد|ضرائب الاستيراد", re.IGNORECASE)
_DUTY_OVERRIDES = frozenset({"payment", "shipping", "product_info", "product_search", "greeting", "thanks"})
CUED_MARGIN = 0.04
SMALL_TALK = frozenset({"greeting", "thanks"})
SMALL_TALK_PENALTY = 0.08  # below this (and with no cue) the brain asks what the shopper means


@dataclass(frozen=True, slots=True)
class Route:
    intent: str
    confidence: float
    scores: tuple[tuple[str, float], ...]  # every intent, best first
    cued: frozenset[str]

    def score(self, intent: str) -> float:
        return dict(self.scores).get(intent, 0.0)


class IntentRouter:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        labels: list[str] = []
        texts: list[str] = []
        for intent, examples in EXAMPLES.items():
            labels.extend([intent] * len(examples))
            texts.extend(examples)
        self._labels = np.array(labels)
        self._intents = tuple(EXAMPLES)
        self._matrix = embedder.queries(texts)

    def route(self, text: str) -> Route:
        q = self._embedder.query(text)
        sims = self._matrix @ q
        clip = text[:600]
        cued = frozenset(i for i, rx in CUES.items() if rx.search(clip))
        scored: list[tuple[str, float]] = []
        for intent in self._intents:
            s = np.sort(sims[self._labels == intent])[::-1]
            base = float(s[:2].mean()) if len(s) > 1 else float(s[0])
            scored.append((intent, base + (CUE_BONUS if intent in cued else 0.0)))
        if not _short(clip) or (cued - SMALL_TALK):
            # "Hello, where is my order?" is a question with a greeting, not a greeting.
            cued = cued - SMALL_TALK
            scored = [(i, sc - (SMALL_TALK_PENALTY if i in SMALL_TALK else 0.0)) for i, sc in scored]
        scored.sort(key=lambda kv: kv[1], reverse=True)
        # an action on an order is never picked by its examples alone (action_intents.gate reads its words)
        best = next(kv for kv in scored if kv[0] not in ACTION_INTENTS)
        # When the specific question and the general one both fire, the specific one wins if it is close:
        # "import tax when shipping to UAE" is about duties, "restock date of X" about stock.
        if best[0] not in cued and cued:
            # An embedding-only winner loses to a close intent that the words of the turn point at.
            backed = [(i, sc) for i, sc in scored if i in cued and sc >= best[1] - CUED_MARGIN]
            if backed:
                best = backed[0]
        for general, specific in PRECEDENCE:
            if best[0] == general and specific in cued:
                other = dict(scored)[specific]
                if other >= best[1] - PRECEDENCE_MARGIN:
                    best = (specific, other)
        if best[0] == "human" and "hours" in cued:
            # "CS buka jam berapa?": asking when people are there; explicit requests were caught before routing.
            best = ("hours", max(dict(scored)["hours"], best[1]))
        if best[0] in _DUTY_OVERRIDES and STRONG_DUTIES.search(clip):
            best = ("duties", max(dict(scored)["duties"], best[1]))
        return Route(best[0], best[1], tuple(scored), cued)


def _short(text: str) -> bool:
    """A turn that can be small talk on its own: a few words, or a few CJK characters."""
    words = text.split()
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    return (len(words) <= 4 and cjk <= 6) if cjk == 0 else cjk <= 6
