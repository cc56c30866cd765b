"""The MediaPlane facade: everything other areas need from Janus, in Souk terms.

Usage (the API layer)::

    plane = await MediaPlane.start(settings)          # embedded Janus or external nodes, per settings.janus
    room = RoomKey("m_acme", "room_01j...")            # every room is one merchant's
    info = await plane.ensure_room(room, kind="consult", max_publishers=2)
    pub = await plane.join_publisher(room, display="alice")
    answer = await pub.publish(Jsep("offer", browser_sdp))   # -> send answer.sdp to the browser
    await pub.trickle(candidate_dict_or_None)
    async for ev in pub.events(): ...                 # PublisherJoined / PublisherLeft / WebrtcUp / ...
    sub = await plane.subscribe(room, [other_feed_id])
    view = await plane.watch(room, [host_feed], region="eu")  # a live-show viewer: Subscriber or Viewer
    plane.audience(room); plane.relays(room)   # viewers per node, edge relays (stats)
    # send sub.offer.sdp to the browser; when its answer comes back:
    await sub.start(Jsep("answer", browser_answer_sdp))
    await sub.aclose(); await pub.aclose(); await plane.destroy_room(room)
    await plane.aclose()

Souk rooms are (merchant, room id) pairs (:class:`~souk.core.tenancy.RoomKey`): two merchants may use the same
room id and still get two Janus rooms. Janus room ids are derived from both deterministically
(:func:`souk.media.roomids.janus_room_id`), and the room secret is derived server-side from the admin key,
so nothing Janus-specific ever needs to reach a browser.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from souk.core.clock import Clock, SystemClock
from souk.core.errors import ConfigError, SoukError, Unavailable
from souk.core.settings import Settings
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media.admin import JanusAdmin
from souk.media.cascade import Cascade, RelayInfo
from souk.media.client import JanusConnection
from souk.media.config import BIND_IP
from souk.media.errors import NoSuchFeed, NoSuchRoom
from souk.media.links import NodeLink, node_room_pin, node_room_secret
from souk.media.nodes import JanusNode, NodePool
from souk.media.priming import PRIME_S, Holdable, hold_primed
from souk.media.registry import MemoryRegistry, MemoryRegistryStore, NodeRegistry, RedisRegistry
from souk.media.roomids import janus_room_id
from souk.media.streaming import Viewer
from souk.media.supervisor import JanusSupervisor
from souk.media.types import NodeHealth, RoomInfo, RoomKind
from souk.media.videoroom import PLUGIN, Publisher, RoomControl, Subscriber, join_publisher, join_subscriber

__all__ = ["MediaPlane", "Publisher", "RelayInfo", "RoomKey", "RoomSpec", "Subscriber", "Viewer"]

log = logging.getLogger(__name__)

BITRATES: dict[str, int] = {"consult": 1_000_000, "live": 2_500_000, "conference": 768_000}
FEED_RETRY_S = 0.1
RECONNECT_MAX_S = 10.0


@dataclass(frozen=True, slots=True)
class RoomSpec:
    room: RoomKey
    kind: RoomKind
    max_publishers: int
    bitrate: int
    record: bool
    description: str


class MediaPlane:
    """Rooms and participants on one or more Janus nodes. Build with :meth:`start`; ``aclose()`` when done."""

    def __init__(self, settings: Settings, pool: NodePool, *, supervisor: JanusSupervisor | None = None,
                 clock: Clock | None = None, registry: NodeRegistry | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self.supervisor = supervisor
        self.clock = clock or SystemClock()
        self.cascade = Cascade(self, registry or default_registry(settings, self.clock),
                               per_node=settings.live.viewers_per_node, grace_s=settings.janus.relay_grace_s)
        self.recordings_dir: Path = settings.data_path / "recordings"
        self._links: dict[str, NodeLink] = {}
        self._linking: dict[str, asyncio.Lock] = {}
        self._rooms: dict[RoomKey, RoomSpec] = {}
        self._participants: dict[Publisher | Subscriber | Viewer, str] = {}  # open ones -> their node
        self._relinked = asyncio.Event()  # set (and replaced) each time a dead node link is replaced
        self._tasks = TaskOwner("media-plane")
        self._closed = False
        self._closing = False

    # ------------------------------------------------------------------ life cycle

    @classmethod
    async def start(cls, settings: Settings, *, workdir: Path | None = None, clock: Clock | None = None,
                    registry: NodeRegistry | None = None) -> MediaPlane:
        """Start the embedded Janus (``janus.mode = "embedded"``) or attach to ``janus.urls`` (external)."""
        js = settings.janus
        pool = NodePool()
        supervisor = None
        if js.mode == "embedded":
            supervisor = JanusSupervisor(settings, workdir=workdir, clock=clock)
            pool.add(await supervisor.start())
        else:
            if not js.urls:
                raise ConfigError("janus.mode is external but janus.urls is empty")
            for i, url in enumerate(js.urls):
                pool.add(JanusNode(node_id=f"node{i + 1}", url=url, region=_nth(js.regions, i) or js.region,
                                   admin_url=_nth(js.admin_urls, i), relay_host=_nth(js.relay_hosts, i) or BIND_IP,
                                   api_secret=js.api_secret.get_secret_value(),
                                   admin_secret=js.admin_secret.get_secret_value(),
                                   admin_key=js.admin_key.get_secret_value()))
        plane = cls(settings, pool, supervisor=supervisor, clock=clock, registry=registry)
        await plane._link_all()
        if supervisor is not None:
            supervisor.on_restart.append(plane._on_embedded_restart)
        return plane

    @classmethod
    async def attach(cls, settings: Settings, nodes: Sequence[JanusNode], *, clock: Clock | None = None,
                     registry: NodeRegistry | None = None) -> MediaPlane:
        """Attach to already-running Janus nodes given in full (URLs, admin URL, secrets): tests, tools.

        ``registry`` shares audience load with other planes (other Souk processes); default: Redis when
        ``settings.redis_url`` is set, else this plane alone."""
        pool = NodePool()
        for node in nodes:
            pool.add(node)
        plane = cls(settings, pool, clock=clock, registry=registry)
        await plane._link_all()
        return plane

    async def _link_all(self) -> None:
        plane, pool = self, self.pool
        try:
            for node in pool.nodes():
                try:
                    await plane.link(node.node_id)
                except SoukError as exc:
                    if len(pool.nodes()) == 1:
                        raise
                    log.error("media node %s unreachable at start: %s", node.node_id, exc)
                    pool.set_up(node.node_id, False)
        except BaseException:
            await plane.aclose()
            raise

    async def aclose(self) -> None:
        """Close participants, sessions, connections and the embedded Janus. Idempotent."""
        if self._closing:
            return
        self._closing = True
        self.cascade.closing = True
        self._relinked.set()  # wake wait_restored callers: nothing comes back now
        await self._tasks.aclose()
        for p in list(self._participants):
            await p.aclose()
        try:
            await self.cascade.aclose()  # still needs the links: stops forwarders, destroys mountpoints
        finally:
            self._closed = True
        for link in list(self._links.values()):
            await link.session.destroy()
            await link.conn.aclose()
        self._links.clear()
        if self.supervisor is not None:
            await self.supervisor.aclose()

    # ------------------------------------------------------------------ rooms

    async def ensure_room(self, room: RoomKey, *, kind: RoomKind = "consult", max_publishers: int = 2,
                          bitrate: int | None = None, record: bool = False, description: str = "",
                          region: str | None = None) -> RoomInfo:
        """Create the room on its node if missing (idempotent). Returns where it lives."""
        if not 1 <= max_publishers <= 64:
            raise ConfigError("max_publishers must be 1..64")
        spec = RoomSpec(room, kind, max_publishers, bitrate or BITRATES[kind], record,
                        description or f"souk {kind} {room}")
        node = self.pool.place(room, region)
        link = await self.link(node.node_id)
        created = await self._create(link, spec)
        self._rooms[room] = spec
        return RoomInfo(room_id=room.room_id, merchant_id=room.merchant_id, janus_room=_janus(room),
                        node_id=node.node_id, kind=kind, max_publishers=max_publishers, created=created)

    async def _create(self, link: NodeLink, spec: RoomSpec) -> bool:
        # always set: a publisher may ask to record even when the room does not (files land here, not in cwd)
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        rec_dir = str(self.recordings_dir)
        return await link.control.create(
            _janus(spec.room), secret=node_room_secret(link.node, spec.room),
            pin=node_room_pin(link.node, spec.room), description=spec.description,
            publishers=spec.max_publishers, bitrate=spec.bitrate, record=spec.record, rec_dir=rec_dir,
            talking=spec.kind == "conference")  # group calls show the active speaker

    async def destroy_room(self, room: RoomKey) -> bool:
        """Destroy the room (participants get RoomDestroyed). False if it did not exist. Idempotent."""
        node_id = self.pool.node_of(room)
        self._rooms.pop(room, None)
        await self.cascade.drop_room(room)
        if node_id is None:
            # not placed by this process (e.g. Souk restarted while external Janus kept the room): room ids
            # are deterministic, so ask every reachable node
            found = False
            for node in self.pool.nodes():
                try:
                    link = await self.link(node.node_id)
                    found |= await link.control.destroy(_janus(room), secret=node_room_secret(node, room))
                except SoukError as exc:
                    log.warning("destroy_room %s on %s: %s", room, node.node_id, exc)
            return found
        try:
            link = await self.link(node_id)
            node = self.pool.get(node_id)
            return await link.control.destroy(_janus(room), secret=node_room_secret(node, room))
        finally:
            self.pool.release(room)

    def room_spec(self, room: RoomKey) -> RoomSpec | None:
        return self._rooms.get(room)

    async def kick(self, room: RoomKey, feed_id: int) -> bool:
        """Throw a publisher out of a room (live stage removal); False when it was not there."""
        link, node = await self._room_link(room)
        return await link.control.kick(_janus(room), feed_id, secret=node_room_secret(node, room))

    async def moderate(self, room: RoomKey, feed_id: int, *, audio: bool | None = None,
                       video: bool | None = None) -> None:
        """Server-side mute (False) / unmute (True) of a publisher's audio and/or video (None: unchanged)."""
        pub = next((p for p in self._participants if isinstance(p, Publisher) and p.room == room
                    and p.feed_id == feed_id), None)
        if pub is None:
            raise NoSuchFeed(f"feed {feed_id} is not publishing in {room} through this plane", janus_code=428)
        link, node = await self._room_link(room)
        for kind, flag in (("audio", audio), ("video", video)):
            if flag is not None:
                await link.control.moderate(_janus(room), feed_id, pub.mids(kind), mute=not flag,
                                            secret=node_room_secret(node, room))

    # ------------------------------------------------------------------ participants

    async def join_publisher(self, room: RoomKey, *, display: str = "") -> Publisher:
        """Join ``room`` as a publisher (call :meth:`Publisher.publish` with the browser's offer next).

        ``publisher.existing`` lists the feeds already publishing; later ones arrive as PublisherJoined.
        Raises NoSuchRoom (404) if :meth:`ensure_room` was not called, RoomFull (409) when full.
        """
        link, node = await self._room_link(room)
        handle = await link.session.attach(PLUGIN)
        try:
            pub = await join_publisher(handle, room, _janus(room), display=display,
                                       pin=node_room_pin(node, room), on_close=self.closed_participant)
        except BaseException:
            await handle.detach()
            raise
        self.opened(pub, node.node_id)
        return pub

    async def subscribe(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0) -> Subscriber:
        """Subscribe a member of ``room`` to ``feeds`` on the room's node; ``subscriber.offer`` is Janus's offer
        for the browser.

        A feed that is not up yet (its publisher's webrtcup has not happened: Janus says 428) is retried
        every 100 ms for up to ``wait_s`` seconds before NoSuchFeed is raised.
        """
        origin = self.pool.node_of(room)
        if origin is None:
            raise NoSuchRoom(f"room {room} is not on the media plane (ensure_room first)", janus_code=426)
        return await self.subscribe_on(room, origin, feeds, wait_s, on_close=self.closed_participant)

    async def watch(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float = 5.0, region: str | None = None,
                    node_id: str | None = None) -> Subscriber | Viewer:
        """A live-show viewer of ``feeds``: counted per node and, once the room's origin node serves
        ``live.viewers_per_node`` of them (or ``node_id`` names another node), placed on an edge node
        (``region`` first) where it gets a :class:`~souk.media.streaming.Viewer` of a relay instead of a
        VideoRoom :class:`Subscriber`; both have the same interface (offer, start, trickle, events,
        configure_layer, aclose). A viewer of several feeds stays on the origin. See :mod:`souk.media.cascade`.
        Feeds not up yet are waited for as in :meth:`subscribe`.
        """
        return await self.cascade.subscribe(room, feeds, wait_s=wait_s, region=region, node_id=node_id)

    async def subscribe_on(self, room: RoomKey, node_id: str, feeds: Sequence[int], wait_s: float, *,
                           on_close: Callable[[object], None]) -> Subscriber:
        """A VideoRoom subscription on ``node_id`` (the room's origin; the cascade places viewers here)."""
        link, node = await self.link(node_id), self.pool.get(node_id)
        handle = await link.session.attach(PLUGIN)
        deadline = self.clock.now() + wait_s
        try:
            while True:
                try:
                    sub = await join_subscriber(handle, room, _janus(room), feeds,
                                                pin=node_room_pin(node, room), on_close=on_close)
                    break
                except NoSuchFeed:
                    if self.clock.now() + FEED_RETRY_S > deadline:
                        raise
                    await self.clock.sleep(FEED_RETRY_S)
        except BaseException:
            await handle.detach()
            raise
        self.opened(sub, node.node_id)
        return sub

    async def hold_primed(self, sub: Holdable, *, prime_s: float = PRIME_S, poll_s: float = 0.2) -> bool:
        """Hold a warm subscription on its placeholder feed, video last (see :mod:`souk.media.priming`)."""
        return await hold_primed(sub, self._admin_of, self.clock, prime_s=prime_s, poll_s=poll_s)

    async def _admin_of(self, room: RoomKey) -> tuple[JanusAdmin, int]:
        node_id = self.pool.node_of(room)
        session_id = self.session_id(node_id)
        if session_id is None:
            raise Unavailable("no Janus session on the room's node")
        return await self.admin(node_id), session_id

    def opened(self, p: Publisher | Subscriber | Viewer, node_id: str) -> None:
        """Count a participant opened on ``node_id`` (its handle is the node's load)."""
        self._participants[p] = node_id
        self.pool.load(node_id).handles += 1

    def publisher_of(self, handle_id: int) -> tuple[RoomKey, str] | None:
        """(room, display) of this process's publisher on Janus handle ``handle_id`` (souk.media.evh's stats)."""
        return next(((p.room, p.display) for p in self._participants
                     if isinstance(p, Publisher) and p.handle.handle_id == handle_id), None)

    def closed_participant(self, p: object) -> None:
        """Forget a closed participant (every participant's ``on_close``; idempotent)."""
        node_id = self._participants.pop(p, None) if isinstance(p, Publisher | Subscriber | Viewer) else None
        if node_id is not None and node_id in {n.node_id for n in self.pool.nodes()}:
            load = self.pool.load(node_id)
            load.handles = max(0, load.handles - 1)

    @property
    def participants(self) -> int:
        return len(self._participants)

    def audience(self, room: RoomKey) -> dict[str, int]:
        """Audience viewers of ``room`` this process placed, per node id (stats, tests, benchmarks)."""
        return self.cascade.audience(room)

    def relays(self, room: RoomKey | None = None) -> list[RelayInfo]:
        """Edge relays (rtp_forward -> mountpoint) of ``room``, or of every room."""
        return self.cascade.relays(room)

    # ------------------------------------------------------------------ nodes

    async def health(self) -> list[NodeHealth]:
        out = []
        for node in self.pool.nodes():
            load = self.pool.load(node.node_id)
            try:
                link = await self.link(node.node_id)
                info = await link.conn.info(timeout=2.0)
                up, detail = True, info.version_string
            except SoukError as exc:
                up, detail = False, str(exc)
            out.append(NodeHealth(node.node_id, node.url, node.region, up, load.rooms, load.handles, detail))
        return out

    async def admin(self, node_id: str | None = None) -> JanusAdmin:
        """An admin API client for a node (caller closes it). Needs the node's admin URL and secret."""
        node = self.pool.get(node_id) if node_id else self.pool.nodes()[0]
        if not node.admin_url:
            raise ConfigError(f"media node {node.node_id} has no admin API URL")
        return await JanusAdmin.open(node.admin_url, admin_secret=node.admin_secret)

    def session_id(self, node_id: str | None = None) -> int | None:
        """The Janus session id this plane uses on a node (for admin checks), None when not linked."""
        link = self._links.get(node_id or self.pool.nodes()[0].node_id)
        return link.session.session_id if link and link.alive else None

    async def _room_link(self, room: RoomKey) -> tuple[NodeLink, JanusNode]:
        node_id = self.pool.node_of(room)
        if node_id is None:
            raise NoSuchRoom(f"room {room} is not on the media plane (ensure_room first)", janus_code=426)
        return await self.link(node_id), self.pool.get(node_id)

    async def link(self, node_id: str) -> NodeLink:
        """The live link to a node, (re)connecting when needed (one attempt per call)."""
        if self._closed:
            raise Unavailable("media plane is closed")
        link = self._links.get(node_id)
        if link is not None and link.alive:
            return link
        lock = self._linking.setdefault(node_id, asyncio.Lock())
        async with lock:
            link = self._links.get(node_id)
            if link is not None and link.alive:
                return link
            node = self.pool.get(node_id)
            js = self.settings.janus
            conn = await JanusConnection.open(node.url, api_secret=node.api_secret, timeout=js.request_timeout_s,
                                              clock=self.clock, name=node.node_id)
            try:
                session = await conn.create_session(js.keepalive_s)
                control = RoomControl(await session.attach(PLUGIN), node.admin_key)
            except BaseException:
                await conn.aclose()
                raise
            fresh = NodeLink(node, conn, session, control)
            if link is not None:  # the node restarted or lost our session: its rooms first, then the link
                try:
                    if link.conn.is_open:
                        await link.conn.aclose()
                    await self._restore_rooms(fresh)
                except BaseException:
                    await conn.aclose()
                    raise
            self._links[node_id] = fresh
            self.pool.set_up(node_id, True)
            self._tasks.spawn(self._watch(fresh), f"watch:{node_id}")
            if link is not None:
                relinked, self._relinked = self._relinked, asyncio.Event()
                relinked.set()
            return fresh

    async def _watch(self, link: NodeLink) -> None:
        """When a node's connection drops (Janus died or restarted) or our session on it is lost (a session
        timeout), reconnect with backoff; :meth:`link` re-creates the node's rooms before using the new link.
        Every handle on the old link got ``HandleGone`` (node_lost / session_timeout) at that moment."""
        lost = [asyncio.ensure_future(link.conn.closed.wait()), asyncio.ensure_future(link.session.ended.wait())]
        try:
            await asyncio.wait(lost, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in lost:
                waiter.cancel()
        if self._closed or self._closing:
            return
        node_id = link.node.node_id
        log.warning("media node %s %s (%s); reconnecting", node_id,
                    "connection lost" if link.conn.closed.is_set() else "session lost",
                    link.conn.close_reason or "session gone")
        self.pool.set_up(node_id, False)
        delay = self.settings.janus.restart_backoff_s
        while not self._closed:
            try:
                await self.link(node_id)
                log.info("media node %s reconnected", node_id)
                return
            except SoukError as exc:
                log.warning("media node %s reconnect failed: %s", node_id, exc)
            await self.clock.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _restore_rooms(self, link: NodeLink) -> None:
        for room in self.pool.rooms_on(link.node.node_id):
            spec = self._rooms.get(room)
            if spec is None:
                continue
            try:
                await self._create(link, spec)
            except SoukError as exc:
                log.error("could not restore room %s on %s: %s", room, link.node.node_id, exc)

    async def wait_restored(self, room: RoomKey) -> bool:
        """Wait until ``room``'s node is linked again after a loss, with its rooms re-created (see :meth:`link`).

        True at once when the room's node link is alive; False when the room is not on this plane (any more)
        or the plane closes. Signaling sessions call it after their handles went ``HandleGone`` (node_lost,
        session_timeout) before telling their client ``media.reset``."""
        while not self._closing:
            node_id = self.pool.node_of(room)
            if node_id is None or room not in self._rooms:
                return False
            link = self._links.get(node_id)
            if link is not None and link.alive:
                return True
            await self._relinked.wait()
        return False

    def _on_embedded_restart(self, node: JanusNode) -> None:
        self.pool.replace(node)
        if not self._closing:  # reconnect now, not at the watcher's next back-off step
            self._tasks.spawn(self._relink(node.node_id), f"relink:{node.node_id}")

    async def _relink(self, node_id: str) -> None:
        try:
            await self.link(node_id)
        except SoukError as exc:  # the watcher keeps trying
            log.warning("media node %s: reconnect after restart failed: %s", node_id, exc)


def _janus(room: RoomKey) -> int:
    return janus_room_id(room.merchant_id, room.room_id)


def default_registry(settings: Settings, clock: Clock) -> NodeRegistry:
    """Redis when ``settings.redis_url`` is set (several Souk processes share Janus nodes), else in-process."""
    souk_node = settings.node_id or f"souk-{secrets.token_hex(4)}"
    ttl = settings.janus.registry_ttl_s
    if settings.redis_url:
        return RedisRegistry(settings.redis_url, souk_node, ttl_s=ttl)
    return MemoryRegistry(MemoryRegistryStore(clock), souk_node, ttl_s=ttl)


def _nth(values: Sequence[str], i: int) -> str:
    return values[i] if i < len(values) else ""
