"""Photo questions ("do you have this?", 拍照找同款): a shopper's photo becomes the closest products of the
merchant whose conversation it is.

A configured OpenAI-compatible vision model (``souk.agent.providers.vision``) describes the photo as search
keywords; the merchant's own product index (``souk.assistant.catalog.ProductIndex``, lexical + multilingual
embeddings over the snapshot) finds the closest products, which come back as the same product cards as a
typed product search. No registry package ships image-embedding weights usable offline (docs/agent.md), and
store files carry no product images, so without a vision provider the assistant says so, in the shopper's
language, and asks for words. A slow or failing provider gives a clear answer too, never a hang or a 5xx.

The turn is the conversation's like any other: the hand-off tracker observes it, a product found stays in
focus for "is it in stock?", and the API records it on the desk timeline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Any, Protocol

from souk.agent.brain import BrainReply, ToolCall
from souk.agent.providers.vision import OpenAiVision, PhotoDescription
from souk.assistant import render
from souk.assistant.lang import SUPPORTED
from souk.assistant.llm_brain import LLMBrain, LLMSession
from souk.assistant.locale import fmt_money, join_list
from souk.assistant.offline import OfflineBrain, OfflineSession
from souk.assistant.photo_image import ImageInfo, PhotoLimits, inspect
from souk.assistant.photo_messages import say_photo
from souk.assistant.service import AssistantService, Conversation
from souk.assistant.tools import Caller, CommerceTools
from souk.core.errors import ConfigError, SoukError
from souk.core.settings import Settings

log = logging.getLogger(__name__)

MAX_RESULTS = 3
INTENT = "photo_search"
# A product is close to the photo only when it is the same kind of item (the description's first part, e.g.
# "wireless earbuds"): one of its words names it (lexical score), or the multilingual embeddings put it this
# close. Colour or material alone ("black", "leather") never makes a dress the answer to a photo of a piano.
KIND_LEXICAL = 1.0
KIND_SEMANTIC = 0.84


class Vision(Protocol):
    """What describes a photo (souk.agent.providers.vision.OpenAiVision, or a test's fake)."""

    async def describe(self, image: bytes, mime: str) -> PhotoDescription: ...

    async def aclose(self) -> None: ...


def limits_from_settings(settings: Settings) -> PhotoLimits:
    agent = settings.agent
    return PhotoLimits(max_bytes=agent.photo_max_bytes, max_side=agent.photo_max_side,
                       max_pixels=agent.photo_max_pixels)


def vision_from_settings(settings: Settings) -> Vision | None:
    agent = settings.agent
    if not agent.vision_base_url:
        return None
    if not agent.vision_model:
        raise ConfigError("agent.vision_model names the vision model to ask at agent.vision_base_url",
                          code="vision_model_missing")
    return OpenAiVision(agent.vision_base_url, model=agent.vision_model,
                        api_key=agent.vision_api_key.get_secret_value(), timeout_s=agent.vision_timeout_s)


class PhotoSearch:
    """One per process, beside the AssistantService whose conversations and product indexes it uses."""

    def __init__(self, assistant: AssistantService, vision: Vision | None, *, limits: PhotoLimits | None = None,
                 timeout_s: float = 15.0) -> None:
        self._assistant = assistant
        self._vision = vision
        self.limits = limits or PhotoLimits()
        self._timeout_s = timeout_s  # an outer bound on the provider, whatever its client does

    @classmethod
    def from_settings(cls, settings: Settings, assistant: AssistantService) -> PhotoSearch:
        return cls(assistant, vision_from_settings(settings), limits=limits_from_settings(settings),
                   timeout_s=settings.agent.vision_timeout_s + 1.0)

    def check(self, data: bytes) -> ImageInfo:
        """The photo's type and size, or the 400/413/415 error that says what is wrong (photo_image)."""
        return inspect(data, self.limits)

    async def reply(self, conv: Conversation, image: bytes, info: ImageInfo, *,
                    language: str | None = None) -> tuple[BrainReply, str]:
        """The assistant's answer to the photo, and the shopper's turn as the transcript shows it."""
        started = time.perf_counter()
        lang = await self._language(conv, language)
        calls: list[ToolCall] = []
        cards: tuple[dict[str, object], ...] = ()
        outcome, seen = "no_provider", ""
        if self._vision is None:
            text = say_photo("needs_provider", lang)
        else:
            described = await self._describe(self._vision, image, info, calls)
            if isinstance(described, str):
                outcome, text = described, say_photo(described, lang)
            elif described.keywords is None:
                outcome, text = "no_product", say_photo("no_product", lang)
            else:
                seen = described.keywords
                found = await self._search(conv, seen, calls)
                cards = tuple(found)
                outcome = "found" if found else "nothing_close"
                text = self._found_text(found, seen, lang) if found else say_photo("nothing_close", lang, seen=seen)
        said = say_photo("shopper_turn", lang, seen=seen or f"{info.kind} {info.width}x{info.height}")
        reply = BrainReply(text=text, language=lang, tool_calls=tuple(calls), cards=cards, metadata={
            "intent": INTENT, "photo": outcome, "brain_ms": round((time.perf_counter() - started) * 1000, 2)})
        async with conv.lock:
            self._remember(conv, cards, said, text)
            conv.tracker.observe(said, reply)
        return reply, said

    async def _describe(self, vision: Vision, image: bytes, info: ImageInfo,
                        calls: list[ToolCall]) -> PhotoDescription | str:
        """The provider's description, or the template key of what went wrong (``timeout`` / ``failed``)."""
        args = {"type": info.mime, "width": info.width, "height": info.height, "bytes": info.size}
        try:
            described = await asyncio.wait_for(vision.describe(image, info.mime), self._timeout_s)
        except TimeoutError as exc:  # the provider's own Timeout is a TimeoutError too
            log.warning("photo search: the vision service timed out: %s", exc)
            calls.append(ToolCall("describe_photo", args, error="vision_timeout"))
            return "timeout"
        except SoukError as exc:
            log.warning("photo search: the vision service failed: %s", exc)
            calls.append(ToolCall("describe_photo", args, error=exc.code))
            return "failed"
        calls.append(ToolCall("describe_photo", args, result={"keywords": described.keywords,
                                                             "model": described.model}))
        return described

    async def _search(self, conv: Conversation, keywords: str, calls: list[ToolCall]) -> list[dict[str, object]]:
        """The closest products of the conversation's merchant, as product cards."""
        offline = self._offline(conv.merchant_id)
        snap = await offline.snapshot()

        def run() -> dict[str, Any]:
            index = offline.index_for(snap)
            tools = CommerceTools(snap, index, Caller(customer_id=conv.customer_id))
            kind = keywords.split(",")[0].strip() or keywords
            same_kind = {m.product.sku for m in index.rank(kind)
                         if m.lexical >= KIND_LEXICAL or m.semantic >= KIND_SEMANTIC}
            result = tools.search_products(keywords, limit=MAX_RESULTS)
            found = [p for p in result["products"] if p["sku"] in same_kind]
            if not found and same_kind:  # the kind is sold; the colour or material words pulled elsewhere
                found = [p for p in tools.search_products(kind, limit=MAX_RESULTS)["products"]
                         if p["sku"] in same_kind]
            return {**result, "kind": kind, "products": found}

        result = await asyncio.to_thread(run)
        calls.append(ToolCall("search_products", {"query": keywords, "limit": MAX_RESULTS}, result=result))
        return [p for p in result["products"] if isinstance(p, dict)]

    def _offline(self, merchant_id: str) -> OfflineBrain:
        """The merchant's offline brain (its product index is built once per snapshot and shared)."""
        brain = self._assistant.brain_for(merchant_id)
        if isinstance(brain, LLMBrain):
            return brain.offline
        if isinstance(brain, OfflineBrain):
            return brain
        return self._assistant.offline_for(merchant_id)

    @staticmethod
    def _found_text(found: list[dict[str, object]], seen: str, lang: str) -> str:
        items = []
        for p in found:
            names = p.get("names")
            name = render.product_name(names if isinstance(names, dict) else {}, lang)
            price, currency = p.get("price"), p.get("currency")
            if isinstance(price, str) and isinstance(currency, str):
                name = f"{name} ({fmt_money(Decimal(price), currency, lang)})"
            items.append(name)
        return say_photo("found", lang, seen=seen, items=join_list(items, lang))

    async def _language(self, conv: Conversation, hint: str | None) -> str:
        """The conversation's language once a turn showed it, else the client's, else English."""
        async with conv.lock:
            known = conv.tracker.language
        for lang in (known, hint, _session_state_lang(conv)):
            if lang in SUPPORTED:
                return str(lang)
        return "en"

    @staticmethod
    def _remember(conv: Conversation, cards: tuple[dict[str, object], ...], said: str, text: str) -> None:
        """Keep the first product found in focus ("is it in stock?") and the turn in the brain's history."""
        session = conv.session
        offline = session.fallback if isinstance(session, LLMSession) else session
        if not isinstance(offline, OfflineSession):
            return
        sku = cards[0].get("sku") if cards else None
        if isinstance(sku, str):
            offline.state.last_sku = sku
        offline.state.history.append(("user", said[:500]))
        offline.state.history.append(("assistant", text))

    async def aclose(self) -> None:
        if self._vision is not None:
            await self._vision.aclose()


def _session_state_lang(conv: Conversation) -> str | None:
    session = conv.session
    offline = session.fallback if isinstance(session, LLMSession) else session
    return offline.state.lang if isinstance(offline, OfflineSession) else None
