"""The provider interface: one async, batched call per direction, and the directions a provider serves.

A provider translates plain texts it is given; it never sees a glossary (the service masks glossary terms
into placeholders ``[[n]]`` first, which every provider here passes through unchanged: the contract suite
checks it) and never caches. Batching keeps captions cheap later: a caption line and its context go in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class TranslationProvider(Protocol):
    name: str

    async def directions(self) -> frozenset[tuple[str, str]]:
        """Every (source, target) pair of ISO 639-1 codes this provider really translates."""
        ...

    async def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        """``texts`` translated from ``src`` to ``dst``, same order and length. Raises TranslateError."""
        ...

    async def aclose(self) -> None: ...
