"""A per-merchant glossary: terms that must come out exactly right, masked before a provider sees the text.

``keep`` terms (brands, model names) are never translated; ``names`` are one term in several languages
(a product's own names from the store): in a ``src -> dst`` translation the ``src`` form becomes the ``dst``
form. Each matched term is replaced by a marker ``[[n]]`` that the providers pass through, then put back;
a marker the provider lost makes the whole text untranslated rather than wrong. The caller builds the
glossary (this package knows nothing of catalogs) and keeps it per merchant.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from souk.translate.types import ProviderMalformed

_MARKER = re.compile(r"\[\[\s*(\d+)\s*\]\]")
_LITERAL = re.compile(r"\[\[")
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


def _pattern(term: str) -> str:
    body = re.escape(term)
    head = r"(?<![\w])" if _WORDY.match(term[0]) else ""
    tail = r"(?![\w])" if _WORDY.match(term[-1]) else ""
    return head + body + tail


def protect(text: str, entries: Sequence[tuple[str, str]]) -> Masked:
    """Replace glossary terms (case-insensitive, whole words) and any literal ``[[`` by markers."""
    targets: list[str] = []

    def slot(value: str) -> str:
        targets.append(value)
        return f"[[{len(targets) - 1}]]"

    pieces = [("[[", "[[")] + list(entries)
    regex = re.compile("|".join(f"({_pattern(s) if s != '[[' else _LITERAL.pattern})" for s, _ in pieces),
                       re.IGNORECASE)

    def sub(m: re.Match[str]) -> str:
        index = next(i for i, g in enumerate(m.groups()) if g is not None)
        return slot(pieces[index][1])

    return Masked(regex.sub(sub, text), tuple(targets))


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
