"""An OpenAI-compatible chat model as a translator (``POST {base_url}/chat/completions``, not streamed).

The batch goes in as a JSON array and must come back as a JSON array of the same length; anything else is
``ProviderMalformed`` (the service then shows the originals). The model serves every direction among the
configured ``languages`` (an LLM has no list of its own).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import permutations
from typing import Any

import httpx

from souk.core.errors import ConfigError
from souk.translate.remote import check_url, post_json, texts_of
from souk.translate.types import ProviderMalformed, ProviderUnavailable

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

SYSTEM = ("You translate short chat messages and product texts for an online shop from {src} to {dst}. "
          "The user sends a JSON array of strings. Answer with only a JSON array of exactly {n} strings: the "
          "translations, in the same order. Keep every marker like [[0]] exactly as written and where it "
          "belongs in the sentence. Keep numbers, prices, order numbers and URLs unchanged. Add nothing.")


class OpenAITranslateProvider:
    name = "openai"

    def __init__(self, *, base_url: str, model: str, languages: Sequence[str], api_key: str = "",
                 timeout_s: float = 10.0, client: httpx.AsyncClient | None = None) -> None:
        self.url = check_url(base_url, "translate.base_url") + "/chat/completions"
        if not model:
            raise ConfigError("translate.model is required for the openai provider", code="bad_translate_model")
        if len(set(languages)) < 2:
            raise ConfigError("translate.languages needs at least two languages for the openai provider",
                              code="bad_translate_languages")
        self.model = model
        self._directions = frozenset(permutations(sorted(set(languages)), 2))
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout_s, connect=3.0))
        self._own = client is None

    async def directions(self) -> frozenset[tuple[str, str]]:
        return self._directions

    def payload(self, texts: Sequence[str], src: str, dst: str) -> dict[str, Any]:
        return {"model": self.model, "temperature": 0, "stream": False,
                "messages": [{"role": "system", "content": SYSTEM.format(src=src, dst=dst, n=len(texts))},
                             {"role": "user", "content": json.dumps(list(texts), ensure_ascii=False)}]}

    async def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        if not texts:
            return []
        if (src, dst) not in await self.directions():
            raise ProviderUnavailable(f"{self.name} does not translate {src}->{dst}",
                                      code="translate_unavailable_pair")
        body = await post_json(self._client, self.name, self.url, self.payload(texts, src, dst))
        try:
            content = body["choices"][0]["message"]["content"]
            out = json.loads(_FENCE.sub("", content.strip()))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ProviderMalformed("the model's answer is not a JSON array", code="translate_malformed") from exc
        return texts_of(out, len(texts), f"the model answered {type(out).__name__}")

    async def aclose(self) -> None:
        if self._own:
            await self._client.aclose()
            self._own = False
