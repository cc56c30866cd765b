"""No store's facts in the code: src/souk (outside the bundled data in src/souk/data) holds no sentence of the
public dev set (nor a run of its words 20 characters long), and none of the demo store's SKUs, English product names,
customer names or free-text policy sentences. Facts come from the merchant's data; a copy in code answers every
merchant with the demo store's rules, and a copied dev sentence makes the dev score say nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from souk.data import demo_store_json

SRC = Path(__file__).resolve().parents[3] / "src" / "souk"
EXCLUDED = SRC / "data"
DEV_SET = Path("/work/shared/eval/agent_dev.jsonl")
WINDOW = 20  # characters of a normalised dev sentence that may not appear in code
MIN_SENTENCE = 12  # shorter free-text sentences ("No price matching.") are checked only as a whole phrase
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def normalized(text: str) -> str:
    """Case-folded, punctuation replaced by spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


class Source:
    """One file's normalised text, with the line each character came from."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw_lines = path.read_text(encoding="utf-8").splitlines()
        parts: list[str] = []
        self.starts: list[int] = []  # offset of each line's text in ``text``
        pos = 0
        for line in self.raw_lines:
            norm = normalized(line)
            self.starts.append(pos)
            parts.append(norm)
            pos += len(norm) + 1
        self.text = " ".join(parts)

    def line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def where(self, offset: int) -> str:
        n = self.line_of(offset)
        return f"{self.path.relative_to(SRC.parents[1])}:{n}: {self.raw_lines[n - 1].strip()[:120]}"


def sources() -> list[Source]:
    return [Source(p) for p in sorted(SRC.rglob("*.py")) if EXCLUDED not in p.parents]


@pytest.fixture(scope="module")
def code() -> list[Source]:
    return sources()


def dev_sentences() -> list[str]:
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} is not on this machine")
    turns = [t for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()
             for t in json.loads(line)["turns"]]
    return sorted({n for n in (normalized(t) for t in turns) if n})


def windows(sentence: str) -> Iterator[str]:
    """The sentence's runs of whole words at least WINDOW characters long (the shortest from each word on), or
    the whole sentence when shorter; a run of unspaced script (Chinese) longer than WINDOW also by characters.
    Whole words: a generic term of WINDOW characters or less (the Arabic for "cash on delivery", "express
    shipping to") is wording any reply needs, not a copy of the sentence."""
    if len(sentence) <= WINDOW:
        yield sentence
    words = sentence.split()
    for i in range(len(words)):
        run = words[i]
        for word in words[i + 1:]:
            if len(run) >= WINDOW:
                break
            run += " " + word
        if len(run) >= WINDOW:
            yield run
    for word in words:
        if len(word) > WINDOW and CJK.search(word):
            yield from (word[k:k + WINDOW] for k in range(len(word) - WINDOW + 1))


def find(code: list[Source], needle: str, *, words: bool = True) -> list[str]:
    """Each place ``needle`` (normalised) occurs; ``words`` requires word boundaries at both ends."""
    pattern = re.compile((r"(?<!\w)" + re.escape(needle) + r"(?!\w)") if words else re.escape(needle))
    return [src.where(m.start()) for src in code for m in pattern.finditer(src.text)]


def test_the_scan_sees_the_code(code: list[Source]) -> None:
    files = {s.path.name for s in code}
    assert {"router.py", "messages.py", "intents.py"} <= files and len(code) > 50
    assert not any(EXCLUDED in s.path.parents for s in code)
    probe = Source(Path(__file__))
    at = probe.text.index("a copy in code answers every merchant")
    assert probe.line_of(at) == 3  # the line numbers reported are the file's


def test_no_dev_set_sentence_in_the_code(code: list[Source]) -> None:
    pieces: dict[str, str] = {}
    for sentence in dev_sentences():
        for piece in windows(sentence):
            pieces.setdefault(piece, sentence)
    hits: set[str] = set()
    for piece, sentence in pieces.items():
        # whole words on both ends, except in unspaced script, where any character may border the copy
        needle = piece if CJK.search(piece) else f" {piece} "
        for src in code:
            text = src.text if CJK.search(piece) else f" {src.text} "
            at = text.find(needle)
            while at >= 0:
                # padded text: the piece itself starts at ``at`` of the unpadded text
                hits.add(f"{src.where(at)}  <- {piece!r} of dev sentence {sentence!r}")
                at = text.find(needle, at + 1)
    assert not hits, "dev-set sentences copied into src/souk:\n" + "\n".join(sorted(hits))


def demo_facts() -> dict[str, list[str]]:
    demo: dict[str, Any] = demo_store_json()
    pol = demo["policies"]
    texts = [pol["returns"].get(k, "") for k in ("condition", "other_regions", "exchange")]
    texts += [pol.get(k, "") for k in ("warranty", "price_match", "support_hours", "live_shopping")]
    texts += [zone.get("duties", "") for zone in demo["shipping"]]
    texts += [entry["answer"] for entry in demo["faq"]]
    sentences = [s for t in texts if t for s in SENTENCE_END.split(t.strip()) if s]
    return {
        "sku": [p["sku"] for p in demo["products"]],
        "product name": [p["names"]["en"] for p in demo["products"]],
        "customer name": [c["name"] for c in demo["customers"]],
        "policy sentence": sentences,
    }


def test_no_demo_store_fact_in_the_code(code: list[Source]) -> None:
    hits: list[str] = []
    facts = demo_facts()
    for kind, values in facts.items():
        if kind == "sku":
            continue  # below, as written
        for value in values:
            needle = normalized(value)
            if kind == "policy sentence" and len(needle) < MIN_SENTENCE:
                continue
            hits += [f"{place}  <- demo {kind} {value!r}" for place in find(code, needle)]
    skus = re.compile("|".join(re.escape(s) for s in facts["sku"]))
    for src in code:  # SKUs as written (AP-1001), case and punctuation kept
        rel = src.path.relative_to(SRC.parents[1])
        hits += [f"{rel}:{n}: {line.strip()[:120]}  <- demo sku {m.group(0)!r}"
                 for n, line in enumerate(src.raw_lines, 1) for m in skus.finditer(line)]
    assert not hits, "the demo store's facts in src/souk:\n" + "\n".join(sorted(set(hits)))
