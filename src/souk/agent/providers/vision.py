"""What a photo shows, asked of any OpenAI-compatible vision model (``/chat/completions`` with an
``image_url`` data URL).

The model is asked for one line of search keywords (the kind of thing, its colour, material, style), or
``NONE`` when the photo shows no product; the caller searches its own catalogue with them. Errors are
SoukErrors with the matching built-ins (``Timeout`` is a TimeoutError): ``vision_timeout``,
``vision_unavailable`` (unreachable, 5xx, 429), ``vision_refused`` (another 4xx), ``vision_malformed``.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass

import httpx

from souk.agent.providers.openai_compat import OpenAiHttp
from souk.core.errors import Unavailable

MAX_DESCRIPTION_CHARS = 300
MAX_TOKENS = 80

PROMPT = (
    "You help an online shop find the products that look like a shopper's photo. Look at the main item in "
    "the photo and answer with ONE line of short English search keywords: what kind of item it is, then its "
    "colour, material, pattern and style, comma-separated. No sentences, no brand guesses. If the photo shows "
    "no product (a person's face only, a screenshot of text, a blank or blurred picture), answer exactly NONE."
)


@dataclass(frozen=True, slots=True)
class PhotoDescription:
    keywords: str | None  # None: the model saw no product in the photo
    model: str
    ms: float


def parse_description(content: str) -> str | None:
    """The model's answer as keywords: its first non-empty line, unquoted, capped; None for NONE."""
    line = next((ln.strip() for ln in content.splitlines() if ln.strip()), "")
    line = line.strip(" \"'`*.")
    line = re.sub(r"^(search )?keywords\s*:\s*", "", line, flags=re.IGNORECASE).strip(" \"'`*.")
    if not line or re.fullmatch(r"none\W*", line, flags=re.IGNORECASE):
        return None
    return line[:MAX_DESCRIPTION_CHARS]


class OpenAiVision:
    """``describe(image, mime)``: one chat completion, not streamed, within ``timeout_s``."""

    def __init__(self, base_url: str, *, model: str, api_key: str = "", timeout_s: float = 15.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = OpenAiHttp(base_url, api_key, timeout_s, transport, service="vision")
        self.model = model

    async def describe(self, image: bytes, mime: str) -> PhotoDescription:
        t0 = time.perf_counter()
        url = f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"
        body = {
            "model": self.model, "stream": False, "temperature": 0, "max_tokens": MAX_TOKENS,
            "messages": [
                {"role": "system", "content": PROMPT},
                {"role": "user", "content": [
                    {"type": "text", "text": "What item is in this photo? Search keywords only."},
                    {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                ]},
            ],
        }
        resp = await self._http.post("chat/completions", json=body)
        try:
            content = resp.json()["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise TypeError("content is not text")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise Unavailable("the vision service sent a malformed answer", code="vision_malformed") from exc
        return PhotoDescription(parse_description(content), self.model, (time.perf_counter() - t0) * 1000)

    async def aclose(self) -> None:
        await self._http.client.aclose()
