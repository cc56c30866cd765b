"""A LibreTranslate-compatible server (``POST /translate``, ``GET /languages``), self-hosted or a service.

The directions come from ``/languages`` (each source lists its ``targets``), read once and kept for
``directions_ttl_s``. A batch is one request: ``q`` is a list and ``translatedText`` comes back as a list.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx

from souk.translate.remote import check_url, get_json, post_json, texts_of
from souk.translate.types import ProviderMalformed, ProviderUnavailable


class LibreTranslateProvider:
    name = "libretranslate"

    def __init__(self, *, base_url: str, api_key: str = "", timeout_s: float = 5.0,
                 directions_ttl_s: float = 600.0, client: httpx.AsyncClient | None = None) -> None:
        self.base = check_url(base_url, "translate.base_url")
        self.api_key = api_key
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=3.0))
        self._own = client is None
        self._ttl = directions_ttl_s
        self._directions: frozenset[tuple[str, str]] | None = None
        self._read_at = 0.0

    async def directions(self) -> frozenset[tuple[str, str]]:
        if self._directions is None or time.monotonic() - self._read_at > self._ttl:
            body = await get_json(self._client, self.name, f"{self.base}/languages")
            self._directions = _parse_languages(body)
            self._read_at = time.monotonic()
        return self._directions

    async def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        if not texts:
            return []
        if (src, dst) not in await self.directions():
            raise ProviderUnavailable(f"{self.name} does not translate {src}->{dst}",
                                      code="translate_unavailable_pair")
        req: dict[str, Any] = {"q": list(texts), "source": src, "target": dst, "format": "text"}
        if self.api_key:
            req["api_key"] = self.api_key
        body = await post_json(self._client, self.name, f"{self.base}/translate", req)
        out = body.get("translatedText") if isinstance(body, dict) else None
        if isinstance(out, str) and len(texts) == 1:
            out = [out]
        return texts_of(out, len(texts), "libretranslate answered no list of texts")

    async def aclose(self) -> None:
        if self._own:
            await self._client.aclose()
            self._own = False


def _parse_languages(body: Any) -> frozenset[tuple[str, str]]:
    if not isinstance(body, list):
        raise ProviderMalformed("libretranslate /languages is not a list", code="translate_malformed")
    pairs: set[tuple[str, str]] = set()
    for entry in body:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            continue
        src = entry["code"].split("-")[0].lower()
        for target in entry.get("targets") or []:
            if isinstance(target, str) and target.split("-")[0].lower() != src:
                pairs.add((src, target.split("-")[0].lower()))
    return frozenset(pairs)
