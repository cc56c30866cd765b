"""The offline brain: embeddings router + slot filling + tools + templates. No LLM, a few ms a turn."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable

from souk.agent.brain import BrainReply, ToolCall
from souk.agent.embed.base import Embedder
from souk.assistant import action_handlers as ah
from souk.assistant import aspects, safety
from souk.assistant import handlers as h
from souk.assistant import product_handlers as ph
from souk.assistant import returns_handlers as rh
from souk.assistant.action_intents import gate
from souk.assistant.actions import TOOL_NAMES, ActionPort
from souk.assistant.catalog import ProductIndex
from souk.assistant.faq import FaqCache, FaqIndex
from souk.assistant.lang import SUPPORTED, detect_language
from souk.assistant.messages import say
from souk.assistant.router import CONFIDENT, IntentRouter
from souk.assistant.slots import extract, normalize
from souk.assistant.state import DialogState, PendingAction, Recorder
from souk.assistant.store import SnapshotSource
from souk.assistant.tools import Caller, CommerceTools
from souk.assistant.turn import Outcome, Turn
from souk.core.errors import SoukError
from souk.core.ids import new_id
from souk.domain.store import StoreSnapshot

log = logging.getLogger(__name__)

_LANG_NOISE = re.compile(r"[A-Za-z0-9À-ÿ._%+'-]+@[A-Za-z0-9À-ÿ.-]+|https?://\S+|#?\d+")  # e-mails, links, numbers

MAX_TURN_CHARS = 2000  # what the brain reads of one message; the rest is acknowledged, not processed
LOW_CONFIDENCE_HANDOFF = 3
FAQ_STRONG = 0.87  # an FAQ entry this close (and clear of the next) beats an intent guessed without a cue
SUPPORTED_SLACK = 0.05  # consecutive turns not understood before a person takes over

HANDLERS: dict[str, Callable[[Turn], Outcome]] = {
    "order_status": h.order_status, "list_orders": h.list_orders, "shipping": h.shipping, "duties": h.duties,
    "returns": rh.returns, "warranty": h.warranty, "product_info": ph.product_info,
    "product_search": ph.product_search, "stock": ph.stock, "payment": h.payment, "video": h.video,
    "gift_wrap": h.gift_wrap, "size_guide": h.size_guide, "order_change": h.order_change,
    "discount": h.discount, "hours": h.hours, "greeting": h.simple("greeting"),
    "thanks": h.simple("thanks"),
}
HANDLERS.update({intent: ah.handler(intent) for intent in ah.KINDS})  # actions on orders, with a yes first
_FOLLOW_UP_INTENTS = {"shipping", "duties", "payment", "returns"}
# "Did my bottle arrive?": a possessive, an arrival word and a product is a question about an order.
_MY_ARRIVAL = re.compile(
    r"\b(my|mi|mis|meu|minha|meus|saya|aku)\b.{0,40}\b(arriv\w*|deliver\w*|ship(ped)?|lleg\w*|entreg\w*|"
    r"cheg\w*|sampai|datang|nyampe|dikirim)\b|\b(arriv\w*|lleg[oó]|cheg\w*|sampai|datang)\b.{0,40}"
    r"\b(my|mi|mis|meu|minha|saya|aku)\b|我的.{0,12}(到了|到哪|送到|发货)|(وصل|يصل).{0,20}(ي\b|طلبي)",
    re.IGNORECASE)
_ORDER_WORD = re.compile(r"order|purchase|bought|pedido|compra|encomenda|pesanan|belanja|订单|买|طلب|مشتري",
                         re.IGNORECASE)
# "What's in it?" about the order just discussed.
_ORDER_CONTENTS = re.compile(
    r"what('s| is| was) in (it|the order|the package|the parcel|my order)|what did i (order|buy|get)|"
    r"which (items|products)|items in|qu[eé] (productos|art[ií]culos|cosas) (incluye|tiene|trae|contiene|ven[ií]a)|"
    r"qu[eé] (ped[ií]|compr[eé])|quais (itens|produtos)|o que (eu )?(pedi|comprei|vem)|isi(nya)? (pesanan|paket)|"
    r"isinya apa|barang(nya)? apa( saja| aja)?|里面有什么|包含什么|买了什么|有哪些商品|ماذا (يحتوي|فيه|طلبت)|محتويات",
    re.IGNORECASE)
_PRODUCT_INTENTS = {"product_info", "stock", "warranty", "returns", "gift_wrap", "video", "product_search"}
# Intents that an attribute question about a clearly named product overrides ("how heavy is the tent?").
_ATTRIBUTE_OVERRIDES = {"product_info", "product_search", "greeting", "thanks", "hours", "list_orders", "discount"}


class OfflineBrain:
    """Implements souk.agent.brain.Brain. Heavy parts (router, product index) are built once and shared."""

    def __init__(self, store: SnapshotSource, *, merchant_id: str, embedder: Embedder,
                 router: Callable[[], IntentRouter] | None = None, actions: ActionPort | None = None) -> None:
        self._store = store
        self.actions = actions  # acts on the shopper's orders (None: read-only, a person makes changes)
        self.merchant_id = merchant_id
        self._embedder = embedder
        self._shared_router = router  # a process-wide router shared by every merchant's brain
        self._router: IntentRouter | None = None
        self._index: tuple[tuple[object, ...], ProductIndex] | None = None
        self._faq = FaqCache(embedder)
        self._lock = threading.Lock()

    @property
    def router(self) -> IntentRouter:
        if self._router is None and self._shared_router is not None:
            self._router = self._shared_router()
        if self._router is None:
            with self._lock:
                if self._router is None:
                    self._router = IntentRouter(self._embedder)
        return self._router

    def index_for(self, snap: StoreSnapshot) -> ProductIndex:
        key = tuple((p.sku, p.price, p.stock, tuple(p.names.items()), p.description) for p in snap.products)
        cached = self._index
        if cached is not None and cached[0] == key:
            return cached[1]
        with self._lock:
            index = ProductIndex(snap.products, self._embedder)
            self._index = (key, index)
        return index

    def faq_for(self, snap: StoreSnapshot) -> FaqIndex:
        """The merchant's FAQ, embedded once per FAQ content."""
        return self._faq.get(snap)

    async def warm(self) -> None:
        """Load the model and build the router, product index and FAQ index off the event loop."""
        snap = await self._store.snapshot(self.merchant_id)
        await asyncio.to_thread(lambda: (self.router, self.index_for(snap), self.faq_for(snap)))

    async def snapshot(self) -> StoreSnapshot:
        return await self._store.snapshot(self.merchant_id)

    def new_session(self, *, customer_id: str | None = None, language: str | None = None,
                    channel: str = "text") -> OfflineSession:
        return OfflineSession(self, customer_id=customer_id, language=language, channel=channel)


class OfflineSession:
    def __init__(self, brain: OfflineBrain, *, customer_id: str | None, language: str | None, channel: str) -> None:
        self._brain = brain
        self.channel = channel
        self._claimed_customer = customer_id
        self.state = DialogState(caller=Caller(customer_id=customer_id),
                                 lang=language if language in SUPPORTED else None,
                                 actions_available=brain.actions is not None)
        self.conversation_id: str | None = None  # the desk conversation's id, when the service knows it
        self.session_key = new_id("as")  # with the turn an action was offered in: its idempotency key
        self._confirmed: PendingAction | None = None  # a yes given in reply_sync, executed in reply
        self._lock = asyncio.Lock()
        self._closed = False

    async def reply(self, user_text: str, *, language_hint: str | None = None) -> BrainReply:
        async with self._lock:
            snap = await self._brain.snapshot()
            reply = await asyncio.to_thread(self.reply_sync, user_text, snap, language_hint)
            confirmed, self._confirmed = self._confirmed, None
            if confirmed is not None and confirmed.quote is not None and self._brain.actions is not None:
                reply = await self._execute(confirmed, reply, snap)
            return reply

    async def _execute(self, pending: PendingAction, reply: BrainReply, snap: StoreSnapshot) -> BrainReply:
        """Carry out the action the shopper just confirmed; the reply says what came of it."""
        quote = pending.quote
        assert quote is not None and self._brain.actions is not None
        customer = self.state.caller.customer_id
        order = snap.order(quote.order_id)
        owner = customer or (order.customer_id if order is not None else None)
        key = f"{self.session_key}:{pending.offered_at}:{quote.kind.value}:{quote.order_id}"
        lang = reply.language
        try:
            record = await self._brain.actions.execute(
                self._brain.merchant_id, quote, customer_id=owner, actor=customer or f"email-verified:{owner}",
                channel=self.channel, idempotency_key=key, conversation_id=self.conversation_id)
        except SoukError as exc:  # nothing was written: a person takes it from here
            log.warning("order action %s on %s failed: %s", quote.kind.value, quote.order_id, exc)
            call = ToolCall(name=TOOL_NAMES[quote.kind], arguments={"order_id": quote.order_id}, error=str(exc))
            text, handoff, reason = ah.asay("failed", lang), "human", "order_change"  # type: str, str | None, str | None
        else:
            call = ToolCall(name=TOOL_NAMES[quote.kind], arguments={"order_id": quote.order_id, "idempotency_key": key},
                            result={"action_id": record.id, "status": record.status, "refusal": record.refusal,
                                    "replayed": record.replayed,
                                    **{k: v for k, v in record.details.items() if k != "quote"}},
                            error=None if record.done else f"refused: {record.refusal}")  # the desk shows it
            text, handoff, reason = ah.say_result(snap, quote, record, lang), None, None
            if not record.done:  # the order changed since the quote: the next yes goes to a person
                self.state.pending_action = PendingAction(None, self.state.turns - 1)
        hist = self.state.history
        if hist and hist[-1][0] == "assistant":
            hist[-1] = ("assistant", text)
        return dataclasses.replace(reply, text=text, handoff=handoff, handoff_reason=reason,  # type: ignore[arg-type]
                                   tool_calls=reply.tool_calls + (call,))

    def truncate_last_reply(self, heard_text: str) -> None:
        hist = self.state.history
        if hist and hist[-1][0] == "assistant":
            hist[-1] = ("assistant", heard_text)

    async def aclose(self) -> None:
        self._closed = True

    # --- one turn ----------------------------------------------------------------------------------------
    def reply_sync(self, user_text: str, snap: StoreSnapshot, language_hint: str | None = None) -> BrainReply:
        started = time.perf_counter()
        st = self.state
        # A token identity that is no customer of this store (a guest id, a staff id) is anonymous here:
        # it must prove ownership of an order like any visitor.
        claimed = self._claimed_customer
        st.caller.customer_id = claimed if claimed and snap.customer(claimed) is not None else None
        raw = user_text if isinstance(user_text, str) else str(user_text)
        too_long = len(raw) > MAX_TURN_CHARS
        text = " ".join(normalize(raw[:MAX_TURN_CHARS]).split())
        prior = st.lang
        if prior is None and st.caller.customer_id:
            customer = snap.customer(st.caller.customer_id)
            prior = customer.language if customer and customer.language in SUPPORTED else None
        lang = detect_language(_LANG_NOISE.sub(" ", text), prior=prior, hint=language_hint) if text else (prior or "en")
        st.lang = lang
        rec = Recorder(CommerceTools(snap, self._brain.index_for(snap), st.caller, self._brain.faq_for(snap)))
        turn = Turn(text=text, lang=lang, slots=extract(text, rec.tools.index.not_order_ids), state=st, rec=rec,
                    snap=snap, index=self._brain.index_for(snap), channel=self.channel)
        self._keep_product_in_focus(turn)
        intent, confidence, outcome = self._decide(turn)
        self._confirmed = outcome.action
        st.turns += 1
        st.last_intent = intent if intent not in ("clarify",) else st.last_intent
        reply_text = (say("too_long", lang) if too_long else "") + outcome.text
        st.history.append(("user", text[:500]))
        st.history.append(("assistant", reply_text))
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("turn %d intent=%s conf=%.3f lang=%s %.1f ms", st.turns, intent, confidence, lang, elapsed_ms)
        return BrainReply(text=reply_text, language=lang, handoff=outcome.handoff,  # type: ignore[arg-type]
                          handoff_reason=outcome.reason, tool_calls=tuple(rec.calls), cards=tuple(rec.cards),
                          metadata={"intent": intent, "confidence": round(confidence, 3),
                                    "brain_ms": round(elapsed_ms, 2)})

    @staticmethod
    def _keep_product_in_focus(t: Turn) -> None:
        """ "¿Es impermeable?" about the tent must not switch to the *Chaqueta impermeable*: when the only words
        that name another product are attribute words, the product under discussion stays."""
        last = t.state.last_sku
        found = t.product
        if last is None and found is not None and ph.DEICTIC.search(t.text) \
                and t.index.resolve(aspects.blank(ph.DEICTIC.sub(" ", t.text))) is None:
            t.pin_product(None)  # "is this waterproof?" with nothing discussed: not the *Waterproof* Jacket
            return
        if last is None or found is None or found.sku == last or not aspects.asked(t.text):
            return
        if t.index.resolve(aspects.blank(t.text)) is None:
            t.pin_product(t.snap.product(last))

    def _decide(self, t: Turn) -> tuple[str, float, Outcome]:
        st = t.state
        text = t.text
        confirmed = ah.confirmation_turn(t)  # an offer stands for the next turn only: yes, no, or dropped
        if confirmed is not None:
            return confirmed
        if not text:
            return "greeting", 1.0, h.simple("greeting")(t)
        if safety.is_injection(text):
            st.clear_pending()
            return "injection", 1.0, Outcome(say("injection", t.lang))
        if safety.wants_human(text):
            st.clear_pending()
            return "human", 1.0, h.handoff(t, "requested")
        damaged, lost, claim = safety.damage_claim(text)
        if damaged or (lost and claim):
            oid = t.slots.order_ids[0] if t.slots.order_ids else st.last_order_id
            if oid:
                st.last_order_id = oid
            st.clear_pending()
            reason = "damaged_parcel" if damaged else "lost_parcel_claim"
            return "complaint", 1.0, h.handoff(t, reason, "why_damage", oid=f" ({oid})" if oid else "")
        if safety.customs_hold(text) and not (damaged or lost):
            st.clear_pending()
            return "order_status", 1.0, h.customs_hold(t)
        if safety.is_angry(text):
            return "complaint", 1.0, h.handoff(t, "angry_customer", "why_angry")
        if safety.wants_to_see(text):
            st.clear_pending()
            return "video", 1.0, h.video(t)

        resumed = ah.resume(t)  # the slot an action asked for (order number, e-mail, address, size)
        if resumed is not None:
            st.low_confidence_streak = 0
            return resumed
        filled = self._fill_pending(t)
        if filled is not None:
            st.low_confidence_streak = 0
            return filled
        route = self._brain.router.route(text)
        acting = gate(text, t.slots.order_ids)  # an action needs the turn's words to ask for it
        if acting is not None:
            st.low_confidence_streak = 0
            st.clear_pending()
            return acting, max(route.confidence, route.score(acting)), HANDLERS[acting](t)
        intent, conf = route.intent, route.confidence
        intent = self._contextual(t, intent, conf)
        if intent in ("stock", "product_info", "product_search") and t.product is None \
                and "payment" in route.cued and h.mentioned_method(t):
            intent = "payment"  # "COD available in Riyadh?" asks about paying, not about a product
        current = t.product_or_last()
        if intent == "stock" and current is not None and ("product_info" in route.cued or aspects.asked(text)
                                                          or ph.mentions_variant(t, current)):
            intent = "product_info"  # "is it available in navy?": the details answer it, stock included
        understood = (conf >= CONFIDENT or intent in route.cued or intent != route.intent
                      or (conf >= CONFIDENT - SUPPORTED_SLACK and self._supported(t, intent)))
        if intent == "human" and "human" not in route.cued:
            understood = False  # a hand-off needs the shopper's words for it, not a near embedding
        if (intent in _PRODUCT_INTENTS or intent == "order_status") and st.caller.customer_id \
                and not aspects.asked(text) and _MY_ARRIVAL.search(text):
            intent, understood = "order_status", True  # "¿ya llegó mi botella?" is about their order
        elif self._attribute_question(t, intent, route.cued, understood):
            intent, understood = "product_info", True  # a named product + what it is like: its attributes
        elif not understood and not t.slots.order_ids and h.store_method(t):
            intent, understood = "payment", True  # "Do you offer Tabby in the UAE?": one of the store's methods
        elif not understood and t.product is not None and not t.slots.order_ids:
            intent, understood = "product_info", True  # a clearly named product: say what the store knows
        named = t.product
        about_product = named is not None and (aspects.asked(text) or ph.mentions_variant(t, named))
        if understood and intent not in route.cued and conf < CONFIDENT and intent != "human" and not about_product:
            answer = h.faq_answer(t, FAQ_STRONG)  # a weak guess loses to an FAQ entry that is clearly it
            if answer is not None:
                st.low_confidence_streak = 0
                return "faq", conf, answer
        if not understood:
            answer = h.faq_answer(t)  # a question only the store's FAQ covers ("do you repair tents?")
            if answer is not None:
                st.low_confidence_streak = 0
                return "faq", conf, answer
            st.low_confidence_streak += 1
            if st.low_confidence_streak >= LOW_CONFIDENCE_HANDOFF:
                st.low_confidence_streak = 0
                return "human", conf, h.handoff(t, "low_confidence", "why_confused")
            return "clarify", conf, Outcome(say("clarify", t.lang))
        st.low_confidence_streak = 0
        if intent == "complaint":
            if lost:
                return "complaint", conf, h.lost_parcel(t)
            return "complaint", conf, h.handoff(t, "product_problem", "why_angry")
        if intent == "human":
            return "human", conf, h.handoff(t, "requested")
        if intent not in ("greeting", "thanks"):
            st.clear_pending()
        return intent, conf, HANDLERS[intent](t)  # returns about an order show the order first (rh.returns)

    @staticmethod
    def _attribute_question(t: Turn, intent: str, cued: frozenset[str], understood: bool) -> bool:
        """ "How heavy is the tent?", or "how heavy is it?" right after a product: the product's attributes.

        A generic intent that its words point at ("多久" for shipping) still loses when its slot is missing;
        policy intents about a product (returns, warranty, gift wrap, video, stock, size advice) keep the turn.
        """
        st = t.state
        s = t.slots
        about = t.product_or_last()
        if s.order_ids or s.emails or about is None or not aspects.asked(t.text, about.names.values()):
            return False
        if s.countries and intent in ("shipping", "duties", "payment", "order_status"):
            return False  # "how long is shipping to the UK?"; a plug called "UK" is not a destination
        named = t.product is not None
        follow_up = st.last_sku is not None and st.last_intent in _PRODUCT_INTENTS | {"size_guide"}
        if not (named or follow_up):
            return False
        if intent in _ATTRIBUTE_OVERRIDES or not understood or intent not in cued:
            return True
        return intent not in ("returns", "warranty", "gift_wrap", "video", "stock", "size_guide", "order_change",
                              "complaint", "payment", "duties", "human")

    @staticmethod
    def _supported(t: Turn, intent: str) -> bool:
        """The turn carries the slot this intent needs: a weaker routing score is then enough."""
        s = t.slots
        if intent in ("order_status", "order_change", "list_orders"):
            return bool(s.order_ids or s.emails or t.state.last_order_id)
        if intent in ("shipping", "duties", "payment"):
            return bool(s.countries)
        if intent in _PRODUCT_INTENTS:
            return t.product is not None
        return False

    def _fill_pending(self, t: Turn) -> tuple[str, float, Outcome] | None:
        st = t.state
        if st.pending is None or st.pending_intent is None:
            return None
        intent = st.pending_intent
        if st.pending == "email" and t.slots.emails:
            return intent, 1.0, h.order_status(t, intent)
        if st.pending == "order_id" and t.slots.order_ids:
            st.pending_order_id = None
            return intent, 1.0, h.order_status(t, intent)
        if st.pending == "country" and t.slots.countries:
            return intent, 1.0, HANDLERS[intent](t)
        if st.pending == "product" and t.product is not None:
            return intent, 1.0, HANDLERS[intent](t)
        return None

    def _contextual(self, t: Turn, intent: str, conf: float) -> str:
        """Resolve short follow-ups ("and to Brazil?", "the order is 2051") against the conversation."""
        st = t.state
        s = t.slots
        if s.emails and st.last_order_id and intent not in ("returns", "order_change"):
            st.ask("email", "order_status", st.last_order_id)
            return "order_status"
        if intent == "list_orders" and not _ORDER_WORD.search(t.text) \
                and any(m.lexical >= 1.0 for m in t.index.rank(t.text)[:1]):
            return "product_search"  # "show me your abayas": the catalog's words, not "my orders"
        weak = conf < CONFIDENT + 0.03
        if st.last_order_id and not s.order_ids and t.product is None and _ORDER_CONTENTS.search(t.text):
            return "order_status"
        if s.order_ids and s.emails:
            return "order_status"
        if intent == "order_status" and s.countries and not s.order_ids and not st.last_order_id:
            return "shipping"  # "how many days to ship to Saudi Arabia by courier?"
        if intent == "shipping" and not s.countries and st.last_intent == "order_status" and st.last_order_id:
            return "order_status"  # "did it arrive?" about the order just discussed
        if intent == "product_search" and s.max_price is None and t.product is not None:
            return "product_info"  # a named product: answer about it, not a list
        if s.order_ids and intent in ("list_orders", "greeting", "thanks", "product_info", "stock", "product_search"):
            return "order_status"
        if s.order_ids and not s.countries and intent in ("shipping", "duties"):
            return "order_status"  # "when will 1014 be delivered?" is about that order
        if s.order_ids and weak and intent not in ("order_change", "returns", "complaint"):
            return "order_status"
        if s.countries and (weak or intent in ("greeting", "thanks", "stock", "product_info")) \
                and st.last_intent in _FOLLOW_UP_INTENTS:
            return st.last_intent  # type: ignore[return-value]
        if s.countries and not s.order_ids and t.product is None and st.last_intent not in _FOLLOW_UP_INTENTS \
                and intent in ("greeting", "thanks") and len(t.text.split()) <= 4:
            return "shipping"  # a bare place ("a Madrid", "Bandung") is where they want it shipped
        if s.method and st.last_intent == "shipping" and not s.order_ids \
                and (weak or intent in ("order_status", "product_info", "product_search", "stock")):
            return "shipping"  # "and express?" / "快递呢?" right after a shipping answer
        if weak and intent not in _PRODUCT_INTENTS and t.product is not None:
            return "product_info"
        return intent

