"""The composition root: every service of one Souk process is built here, with clean-up on an AsyncExitStack.

:func:`build_context` builds the core: token secret -> storage (migrations + open) -> media plane (embedded
Janus or external nodes) -> TURN relay (with a media plane: embedded coturn or external) -> signaling hub ->
consult calls -> rate limits and the token guard.
:func:`provide` adds the optional services the served routes need, each after what it depends on
(``rtm`` -> ``live``; ``stage`` -> ``shows``, ``recorder`` -> ``replays``; ``assistant`` -> ``voice``;
``desk`` after them),
whatever order they are asked in; a service already in the context (a test's own) is kept. Every piece
registers its own ``aclose`` on the stack, so a failure half-way releases what was already started, and
closing twice is harmless.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
from collections.abc import Iterable
from contextlib import AsyncExitStack
from functools import partial
from typing import Any, Literal, TypeVar, get_args

from souk.agent.service import VoiceService
from souk.api.cluster import start_cluster
from souk.api.consent import consent_service
from souk.api.context import AppContext, Core
from souk.api.errors import ws_close_code
from souk.api.limits import Limits, limits_from_settings
from souk.api.residency_boot import start_residency
from souk.api.shopper_desk import session_gone
from souk.api.stores import StorageAdapter
from souk.assistant.actions import OrderActions
from souk.assistant.photo import PhotoSearch
from souk.assistant.service import AssistantService
from souk.auth.guard import TokenGuard
from souk.auth.revocation import revocations_from_settings
from souk.auth.tokens import ANY_ROOM, DEFAULT_PRIVILEGES, AccessClaims, Role, TokenService
from souk.consult.attendant import AiAttendant
from souk.consult.recovery import reconcile_after_crash
from souk.consult.roster import HubRoster
from souk.consult.service import ConsultService
from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, Unavailable
from souk.core.secrets_filter import register_secret
from souk.core.settings import Settings
from souk.core.tasks import TaskOwner
from souk.desk.memory import MemoryConversations, MemoryDeskSettings, MemoryStaff
from souk.desk.order_events import order_price_webhooks, order_webhooks
from souk.desk.ports import ConversationStore, DeskSettingsStore, StaffStore
from souk.desk.service import DeskService
from souk.domain.desk.handoff import Speaker
from souk.live.group_buy import GroupBuys
from souk.live.recording import Binaries, Recorder
from souk.live.replays import ReplayService
from souk.live.service import LiveCommerce
from souk.live.shows import RoomCloser, ShowService
from souk.live.stage import LiveStage
from souk.live.stage_sync import StageSync
from souk.media.plane import MediaPlane
from souk.media.turn import TurnRelay, start_turn
from souk.media.voice_plane import VoicePlane
from souk.privacy.vault import FileVault
from souk.rtm.config import RtmConfig
from souk.rtm.envelope import Kind
from souk.rtm.node import RtmNode, start_node
from souk.rtm.service import RtmService
from souk.signal.hub import SignalHub
from souk.storage.storage import Storage
from souk.voice.service import VoiceRooms

log = logging.getLogger(__name__)

SECRET_FILE = "token_secret"

# The optional services, in the order they are built (each after what it depends on).
Service = Literal["rtm", "live", "stage", "shows", "recorder", "replays", "assistant", "voice", "desk", "photo",
                  "translation", "captions",
                  "voice_rooms"]
REQUIRES: dict[Service, tuple[Service, ...]] = {
    "shows": ("stage",),  # the show's life cycle drives the stage
    "recorder": ("stage",),  # recording listens to the stage's shows
    "replays": ("recorder", "live"),  # replays read the recordings; a chapter's product goes to the cart
    "voice": ("assistant",),  # the voice route talks through the assistant's brain
    "photo": ("assistant",),  # a photo is a turn of an assistant conversation
    "voice_rooms": ("rtm",),  # seat changes and talking are announced on the room's channel
    "captions": ("stage", "rtm", "translation"),  # captions of a show, on its channel, in each viewer's language
}

T = TypeVar("T")


def load_token_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept in ``<data_dir>/token_secret`` (mode 0600)."""
    configured = settings.auth.token_secret.get_secret_value()
    if configured:
        if len(configured) < 32:
            raise ConfigError("auth.token_secret must be at least 32 characters")
        return configured
    path = settings.data_path / SECRET_FILE
    if path.exists():
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        secret = path.read_text(encoding="utf-8").strip()
        if len(secret) >= 32:
            return secret
        raise ConfigError(f"{path} holds a secret shorter than 32 characters; delete it to regenerate")
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret + "\n")
    log.info("generated a token secret in %s", path)
    return secret


def token_service(settings: Settings, clock: Clock | None = None) -> TokenService:
    kw: dict[str, Any] = {}
    if clock is not None:
        kw["now"] = clock.wall
    secret = load_token_secret(settings)
    register_secret(secret)  # a generated one too: masked in every log line (souk.core.secrets_filter)
    return TokenService(secret, issuer=settings.auth.issuer,
                        default_ttl_s=settings.auth.token_ttl_s, max_ttl_s=settings.auth.max_token_ttl_s, **kw)


async def open_storage(settings: Settings, stack: AsyncExitStack) -> Storage:
    from souk.storage import open_storage as _open  # migrations run inside open_storage

    storage = await _open(settings)
    stack.push_async_callback(storage.aclose)
    # Before serving: end the calls this node's previous process left open, close their rooms (crash recovery)
    await reconcile_after_crash(storage)
    return storage


async def start_media(settings: Settings, stack: AsyncExitStack) -> MediaPlane:
    plane = await MediaPlane.start(settings)
    stack.push_async_callback(plane.aclose)
    return plane


async def start_relay(settings: Settings, stack: AsyncExitStack) -> TurnRelay | None:
    """The TURN relay of ``settings.turn.mode``: coturn started here (embedded), an external one, or None.
    Its credentials expire on coturn's clock, the real one, whatever clock the rest of the process uses."""
    relay, supervisor = await start_turn(settings)
    if supervisor is not None:
        stack.push_async_callback(supervisor.aclose)
    return relay


async def start_abuse_controls(settings: Settings, stack: AsyncExitStack,
                               clock: Clock) -> tuple[Limits, TokenGuard]:
    """Rate limits and the token guard over shared stores: Redis when configured, else this process's
    buckets and the data_dir revocation file (which ``souk token revoke`` writes too)."""
    limits = limits_from_settings(settings.limits, redis_url=settings.redis_url, clock=clock)
    stack.push_async_callback(limits.aclose)
    guard = TokenGuard(revocations_from_settings(settings.redis_url, settings.data_path, clock), clock=clock,
                       poll_s=settings.limits.revocation_poll_s)
    stack.push_async_callback(guard.aclose)
    await guard.start()
    return limits, guard


async def build_context(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    clock: Clock | None = None,
    storage: Storage | None = None,
    media: MediaPlane | None = None,
    with_media: bool = True,
    services: Iterable[Service] = (),
) -> AppContext:
    """Start the core services, then ``services``. Tests may pass their own clock, storage or media plane.

    ``with_media=False`` starts no media plane (REST-only tests, ``souk token``): signaling joins then
    fail with ``media_unavailable``.
    """
    clock = clock or SystemClock()
    tokens = token_service(settings, clock if not isinstance(clock, SystemClock) else None)
    if storage is None:
        storage = await open_storage(settings, stack)
    await start_residency(settings, stack, storage, tokens, clock)  # refuse other regions' merchants (issue 17)
    if media is None and with_media:
        media = await start_media(settings, stack)
    # the relay serves the media plane: coturn starts beside one (embedded); an external relay needs no start
    turn = await start_relay(settings, stack) if media is not None or settings.turn.mode == "external" else None
    adapter = StorageAdapter(storage)
    hub = SignalHub(ring_timeout_s=settings.calls.ring_timeout_s)
    closer = RoomCloser(hub, media)
    cluster = await start_cluster(settings, stack, clock)  # the bus and shared state (docs/multinode.md)
    calls = ConsultService(settings.calls, store=adapter, products=adapter, clock=clock, rooms=closer,
                           node_id=settings.node_id, bus=cluster.bus, pins=cluster.router)
    calls.add_listener(hub)
    stack.push_async_callback(calls.aclose)
    await calls.warm()  # the calls ringing or running on the other nodes
    if cluster.nodes is not None:
        calls.watch_nodes(cluster.nodes)  # a dead node's calls end as interrupted
    limits, guard = await start_abuse_controls(settings, stack, clock)
    ctx = AppContext(settings=settings, tokens=tokens, clock=clock, media=media, turn=turn, limits=limits,
                     guard=guard, core=Core(storage=storage, adapter=adapter, hub=hub, closer=closer, calls=calls),
                     cluster=cluster)
    hub.consent = consent_service(ctx)  # recordings need the shopper's consent (souk.signal.consent_gate)
    if media is not None:  # voice rooms ride on the same nodes (souk.media.voice_plane); closed before the plane
        ctx.voice_plane = VoicePlane(media)
        stack.push_async_callback(ctx.voice_plane.aclose)
    await provide(ctx, stack, services)
    return ctx


def wanted(services: Iterable[Service]) -> set[Service]:
    """``services`` and everything they depend on."""
    out: set[Service] = set()
    todo = list(services)
    while todo:
        name = todo.pop()
        if name not in get_args(Service):
            raise ConfigError(f"unknown service {name!r} (known: {', '.join(get_args(Service))})")
        if name not in out:
            out.add(name)
            todo.extend(REQUIRES.get(name, ()))
    return out


async def provide(ctx: AppContext, stack: AsyncExitStack, services: Iterable[Service]) -> None:
    """Build the optional ``services`` (and what they depend on) that ``ctx`` does not hold yet."""
    want = wanted(services)
    settings = ctx.settings
    if "rtm" in want and ctx.rtm is None:
        ctx.rtm = await _rtm(ctx, stack)
    if "live" in want and ctx.live is None:
        live = LiveCommerce(ctx.storage, RtmChannel(ctx.rtm), ctx.clock)
        if ctx.webhooks is not None:  # served with the webhooks: orders placed live go to the merchant
            live.order_listeners.append(order_webhooks(ctx.webhooks.dispatcher, ctx.clock))
        live.start()
        stack.push_async_callback(live.aclose)
        ctx.live = live
    if "live" in want and ctx.group_buys is None:  # group buys sell through the room's commerce
        ctx.group_buys = GroupBuys(ctx.storage, _need(ctx.live, "live", "group buys"), RtmChannel(ctx.rtm),
                                   ctx.clock)
        if ctx.webhooks is not None:  # a tier unlock reprices the other buyers' orders: order.updated
            ctx.group_buys.repriced_listeners.append(order_price_webhooks(ctx.webhooks.dispatcher, ctx.clock))
        ctx.group_buys.start()
        stack.push_async_callback(ctx.group_buys.aclose)
    if "stage" in want and ctx.stage is None:
        ctx.stage = LiveStage(ctx.clock, max_cohosts=settings.live.max_cohosts)
        if ctx.cluster is not None and ctx.cluster.shared:  # several nodes: the stage lives in Redis
            sync = StageSync(ctx.stage, ctx.cluster.state, ctx.cluster.bus, node_id=settings.node_id)
            await sync.warm()
    if "shows" in want and ctx.shows is None:
        ctx.shows = ShowService(_need(ctx.stage, "stage", "shows"), ctx.hub, ctx.media,
                                ctx.storage.rooms, RtmChannel(ctx.rtm), ctx.closer,
                                record_by_default=settings.live.record_by_default)
    if "recorder" in want and ctx.recorder is None:
        ctx.recorder = _recorder(ctx, stack)
    if "replays" in want and ctx.replays is None:
        ctx.replays = ReplayService(_need(ctx.recorder, "recorder", "replays"),
                                    RtmChannel(ctx.rtm) if ctx.rtm is not None else None,
                                    _need(ctx.live, "live", "replays"))
    if "assistant" in want and ctx.assistant is None:
        ctx.assistant = _assistant(ctx, stack)
    if "voice" in want and ctx.voice is None:
        ctx.voice = _voice(settings, stack)
    if "photo" in want and ctx.photo is None and isinstance(ctx.assistant, AssistantService):
        ctx.photo = PhotoSearch.from_settings(settings, ctx.assistant)
        stack.push_async_callback(ctx.photo.aclose)
    if "desk" in want and ctx.desk is None:
        ctx.desk = await _desk(ctx, stack)
    if "translation" in want and ctx.translation is None:
        from souk.api.translation_boot import build_translation

        ctx.translation = build_translation(ctx, stack)
    if "captions" in want and ctx.captions is None:
        from souk.api.captions_boot import build_captions

        ctx.captions = build_captions(ctx, stack, lambda sender: RtmChannel(ctx.rtm, sender))
    if "voice_rooms" in want and ctx.voice_rooms is None:  # the seats; the socket asks them who may speak
        ctx.voice_rooms = VoiceRooms(ctx.storage.voice_rooms, RtmChannel(ctx.rtm, "voice"), ctx.voice_plane,
                                     ctx.clock, talking_publisher=RtmChannel(ctx.rtm, "voice-talking"),
                                     recordings_dir=ctx.media.recordings_dir if ctx.media is not None else None,
                                     sealer=_vault(ctx), consent=consent_service(ctx))
        stack.push_async_callback(ctx.voice_rooms.aclose)
        ctx.voice_seats = ctx.voice_rooms
    if "voice" in want and ctx.attendant is None and ctx.voice is not None and ctx.media is not None \
            and settings.calls.ai_attendant and isinstance(ctx.assistant, AssistantService):
        ctx.attendant = _attendant(ctx, stack)


async def _rtm(ctx: AppContext, stack: AsyncExitStack) -> RtmNode:
    s = ctx.settings
    s.data_path.mkdir(parents=True, exist_ok=True)
    node = await start_node(
        RtmConfig.from_settings(s.rtm), ctx.tokens, redis_url=s.redis_url,
        sqlite_path=None if s.redis_url else str(s.data_path / "rtm.db"), host=s.server.host,
        port=s.rtm.port if s.rtm.port > 0 else None, node_id=s.node_id, close_code=ws_close_code,
        clock=ctx.clock, guard=ctx.guard)
    stack.push_async_callback(node.aclose)
    return node


def _vault(ctx: AppContext) -> FileVault | None:
    """Encryption at rest of recordings (souk.privacy.vault) with the storage's key ring; None when off, and in a
    process built without storage (a test's bare context: it has no keys to seal with; the app always has one)."""
    keys = ctx.core.storage.keys if ctx.core is not None else None
    return None if keys is None else FileVault(keys)


def _recorder(ctx: AppContext, stack: AsyncExitStack) -> Recorder:
    # the media plane's rec_dir; the same path when no plane runs (the replay side still serves old shows)
    root = ctx.media.recordings_dir if ctx.media is not None else ctx.settings.data_path / "recordings"
    live = ctx.settings.live
    ffmpeg = live.ffmpeg_binary
    ffprobe = ffmpeg[: -len("ffmpeg")] + "ffprobe" if ffmpeg.endswith("ffmpeg") else "ffprobe"
    rec = Recorder(root, Binaries(pp_rec=live.pp_rec_binary, ffmpeg=ffmpeg, ffprobe=ffprobe), sealer=_vault(ctx))
    _need(ctx.stage, "stage", "recorder").add_listener(rec)
    stack.push_async_callback(rec.aclose)
    return rec


def _assistant(ctx: AppContext, stack: AsyncExitStack) -> AssistantService:
    storage = ctx.core.storage if ctx.core is not None else None  # none: the bundled demo store
    # actions on shoppers' orders write to storage and tell the merchant's webhooks (when this process runs them)
    sink = ctx.webhooks.dispatcher if ctx.webhooks is not None else None
    actions = OrderActions(storage, sink, ctx.clock) if storage is not None else None
    service = AssistantService.from_settings(ctx.settings, storage=storage, actions=actions)
    stack.push_async_callback(service.aclose)
    owner = TaskOwner("assistant")
    stack.push_async_callback(owner.aclose)
    owner.spawn(service.warm(), "warm")  # model + router + product index, off the request path
    return service


async def _desk(ctx: AppContext, stack: AsyncExitStack) -> DeskService:
    """The desk over the database's desk stores (in-memory ones in a process without them), sending webhooks
    through the merchant webhooks' dispatcher when this process runs them; consult calls linked to a
    conversation land on its timeline."""
    storage = ctx.core.storage if ctx.core is not None else None
    conversations: ConversationStore | None = getattr(storage, "desk", None)
    staff: StaffStore | None = getattr(storage, "desk_staff", None)
    desk_settings: DeskSettingsStore | None = getattr(storage, "desk_settings", None)
    if conversations is None or staff is None or desk_settings is None:
        log.warning("desk: no desk tables in storage; conversations are kept in memory")
        conversations, staff, desk_settings = MemoryConversations(), MemoryStaff(), MemoryDeskSettings()
    sink = ctx.webhooks.dispatcher if ctx.webhooks is not None else None
    router = ctx.cluster.router if ctx.cluster is not None else None  # several nodes: one serves a merchant's desk
    desk = DeskService(conversations, staff, desk_settings, clock=ctx.clock, webhooks=sink,
                       agent_grace_s=ctx.settings.desk.agent_grace_s, router=router)
    await desk.start()
    stack.push_async_callback(desk.aclose)
    if ctx.core is not None:
        ctx.calls.add_listener(desk)
    if isinstance(ctx.assistant, AssistantService):  # a session closed or idled out: the desk ends its side
        ctx.assistant.on_gone(partial(session_gone, desk))
    return desk


def _attendant(ctx: AppContext, stack: AsyncExitStack) -> AiAttendant:
    """The AI in a ringing consult call (docs/desk.md): what is said lands on the call's desk conversation."""
    desk = ctx.desk

    async def on_line(merchant_id: str, call_id: str, speaker: Speaker, text: str) -> None:
        if desk is not None:
            await desk.call_line(merchant_id, call_id, speaker, text)

    assert ctx.voice is not None and ctx.media is not None and isinstance(ctx.assistant, AssistantService)
    attendant = AiAttendant(media=ctx.media, voice=ctx.voice, brains=ctx.assistant, on_line=on_line,
                            clock=ctx.clock, join_after_s=ctx.settings.calls.ai_join_after_s,
                            node_id=ctx.settings.node_id, staff=getattr(ctx.storage, "desk_staff", None),
                            roster=HubRoster(ctx.hub))
    ctx.calls.add_listener(attendant)
    stack.push_async_callback(attendant.aclose)  # before the calls and the media plane close
    return attendant


def _voice(settings: Settings, stack: AsyncExitStack) -> VoiceService:
    def load() -> Any:
        from souk.agent.factory import build_voice_engine  # the models load on the first session

        return build_voice_engine(settings)

    service = VoiceService(load)
    stack.push_async_callback(service.aclose)
    return service


def _need(value: T | None, what: str, service: str) -> T:
    if value is None:
        raise ConfigError(f"the {service} service needs {what}, which this context does not hold")
    return value


class RtmChannel:
    """A live room's RTM channel as the merchant's server identity: live announcements are published to it
    (live.service.Publisher) and replays read its history (live.replays.RoomHistory)."""

    def __init__(self, node: RtmNode | None, identity: str = "live") -> None:
        self._node = node
        self._identity = identity  # the sender (RTM's rate limits are per sender and channel)

    async def publish(self, merchant_id: str, room_id: str, body: dict[str, Any], cid: str = "") -> int | None:
        acc = await self._service().publish(_live_identity(merchant_id, self._identity), room_id, Kind.SYSTEM, body,
                                            cid[:64])
        return None if acc is None else int(acc.seq)

    async def history(self, merchant_id: str, room_id: str, *, limit: int) -> list[bytes]:
        return await self._service().history(_live_identity(merchant_id, self._identity), room_id, since=None,
                                             limit=limit)

    def _service(self) -> RtmService:
        if self._node is None:
            raise Unavailable("real-time messaging is not running", code="rtm_unavailable")
        return self._node.service


def _live_identity(merchant_id: str, identity: str = "live") -> AccessClaims:
    return AccessClaims(merchant_id=merchant_id, identity=identity, room=ANY_ROOM, role=Role.SERVICE,
                        privileges=DEFAULT_PRIVILEGES[Role.SERVICE], expires_at=math.inf, name=identity)
