"""A per-merchant glossary: terms that must come out exactly right, masked before a provider sees the text.

``keep`` terms (brands, model names) are never translated; ``names`` are one term in several languages
(a product's own names from the store): in a ``src -> dst`` translation the ``src`` form becomes the ``dst``
form. Each matched term is replaced by a marker ``[[n]]`` that the providers pass through, then put back;
a marker the provider lost makes the whole text untranslated rather than wrong. The caller builds the
glossary (this package knows nothing of catalogs) and keeps it per merchant.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from souk.translate.types import ProviderMalformed

_MARKER = re.compile(r"\[\[\s*(\d+)\s*\]\]")
_WORDY = re.compile(r"[0-9A-Za-zÀ-ɏ]")


@dataclass(frozen=True, slots=True)
class Glossary:
    keep: tuple[str, ...] = ()
    names: tuple[Mapping[str, str], ...] = ()
    _cache: dict[tuple[str, str], tuple[tuple[tuple[str, str], ...], str]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, keep: Iterable[str] = (), names: Iterable[Mapping[str, str]] = ()) -> Glossary:
        kept = tuple(sorted({k.strip() for k in keep if k and k.strip()}))
        named = tuple(dict(n) for n in names if len(n) >= 2)
        return cls(keep=kept, names=named)

    def entries(self, src: str, dst: str) -> tuple[tuple[str, str], ...]:
        """(source term, target term) for this direction, longest source first."""
        return self._for(src, dst)[0]

    def version(self, src: str, dst: str) -> str:
        """A short hash of this direction's entries: part of the cache key, so a renamed product is retranslated."""
        return self._for(src, dst)[1]

    def _for(self, src: str, dst: str) -> tuple[tuple[tuple[str, str], ...], str]:
        hit = self._cache.get((src, dst))
        if hit is None:
            found: dict[str, str] = {k.casefold(): k for k in self.keep}
            pairs: dict[str, tuple[str, str]] = {k.casefold(): (k, k) for k in self.keep}
            for n in self.names:
                s, d = (n.get(src) or "").strip(), (n.get(dst) or "").strip()
                if s and d and s.casefold() not in found:
                    found[s.casefold()] = s
                    pairs[s.casefold()] = (s, d)
            ordered = tuple(sorted(pairs.values(), key=lambda p: (-len(p[0]), p[0])))
            digest = hashlib.sha256(repr(ordered).encode("utf-8")).hexdigest()[:16] if ordered else ""
            hit = (ordered, digest)
            self._cache[(src, dst)] = hit
        return hit


EMPTY = Glossary()


@dataclass(frozen=True, slots=True)
class Masked:
    text: str
    targets: tuple[str, ...]


def _low(text: str) -> str:
    """Lower case, one character for one (so positions match the original)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


@functools.lru_cache(maxsize=128)
def _index(entries: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], tuple[int, ...]]:
    """The terms of one glossary direction by their lower-case form, and their lengths, longest first."""
    terms: dict[str, str] = {}
    for source, target in entries:
        terms.setdefault(_low(source), target)
    return terms, tuple(sorted({len(k) for k in terms}, reverse=True))


def protect(text: str, entries: Sequence[tuple[str, str]]) -> Masked:
    """Replace glossary terms (case-insensitive; a term edge that is a letter or digit must be a word edge in
    the text, so CJK terms match inside a sentence) and any literal ``[[`` by markers. Longest term first;
    one dictionary look-up per candidate length at each place a term can start (thousands of terms stay fast)."""
    terms, lengths = _index(tuple(entries))
    low = _low(text)
    out: list[str] = []
    targets: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("[[", i):
            targets.append("[[")
            out.append(f"[[{len(targets) - 1}]]")
            i += 2
            continue
        hit = 0
        if not (_WORDY.match(text[i]) and i > 0 and _word(text[i - 1])):  # no Latin term starts mid-word
            for size in lengths:
                cand = low[i:i + size]
                target = terms.get(cand) if len(cand) == size else None
                if target is None:
                    continue
                if _WORDY.match(cand[0]) and i > 0 and _word(text[i - 1]):
                    continue
                if _WORDY.match(cand[-1]) and i + size < n and _word(text[i + size]):
                    continue
                targets.append(target)
                out.append(f"[[{len(targets) - 1}]]")
                hit = size
                break
        if hit:
            i += hit
        else:
            out.append(text[i])
            i += 1
    return Masked("".join(out), tuple(targets))


def restore(text: str, masked: Masked) -> str:
    """Put the glossary's target terms back; raises ProviderMalformed if a marker went missing or doubled."""
    if not masked.targets:
        return text
    seen: list[int] = []

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n >= len(masked.targets):
            raise ProviderMalformed(f"unknown glossary marker [[{n}]]", code="translate_glossary_lost")
        seen.append(n)
        return masked.targets[n]

    out = _MARKER.sub(sub, text)
    if sorted(seen) != list(range(len(masked.targets))):
        raise ProviderMalformed("the provider lost or repeated a glossary term", code="translate_glossary_lost")
    return out
