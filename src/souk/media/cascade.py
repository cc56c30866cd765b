"""The audience cascade: live viewers beyond one Janus node.

A live room's VideoRoom lives on its origin node. Audience viewers are counted per (room, node) here and in
the shared load registry (:mod:`souk.media.registry`). While the origin serves fewer than
``live.viewers_per_node`` viewers of the room, a viewer subscribes there as usual; past that, placement
(:mod:`souk.media.placement`) picks an edge node and the viewer watches a Streaming mountpoint on it, fed by
an ``rtp_forward`` from the origin (:mod:`souk.media.forward`, :mod:`souk.media.streaming`). One relay per
(room, feed, edge) is shared by all of that edge's viewers of the feed.

Relays are torn down when the feed leaves or unpublishes (a silent watcher in the room on the origin hears
it), when the room is destroyed, and when an edge's last viewer of the relay leaves (after a grace period,
so a viewer reloading the page finds it still there). A relay that cannot be built on an edge is logged,
the edge is avoided for a while, and the viewer goes to another node or the origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from souk.core.errors import BadRequest, SoukError
from souk.core.tasks import TaskOwner
from souk.media import messages as m
from souk.media.client import JanusHandle
from souk.media.errors import JanusError, NoSuchFeed, NoSuchRoom
from souk.media.events import PublisherLeft, RoomDestroyed
from souk.media.forward import FeedStreams, Forwarder, Forwarding, feed_streams
from souk.media.placement import Candidate, place_viewer
from souk.media.registry import Key, NodeRegistry, per_node
from souk.media.roomids import janus_room_id, room_secret
from souk.media.streaming import PLUGIN as STREAMING
from souk.media.streaming import MountpointPorts, Mountpoints, Viewer, mountpoint_id, watch
from souk.media.videoroom import PLUGIN as VIDEOROOM
from souk.media.videoroom import Subscriber, translate

if TYPE_CHECKING:
    from souk.media.plane import MediaPlane

log = logging.getLogger(__name__)

FEED_POLL_S = 0.1
EDGE_COOLDOWN_S = 10.0  # a node whose relay failed gets no new viewers for this long
OTHERS_CACHE_S = 0.5  # how long other Souk processes' counts are reused between placements


@dataclass(frozen=True, slots=True)
class RelayInfo:
    """One relay as stats and tests see it."""

    room_id: str
    feed_id: int
    origin: str
    edge: str
    mountpoint: int
    viewers: int


class _EdgeFailed(Exception):
    """Internal: the edge side of a relay or watch failed (the viewer can go elsewhere)."""

    def __init__(self, node_id: str, cause: BaseException) -> None:
        super().__init__(f"{node_id}: {cause}")
        self.node_id = node_id
        self.cause = cause


class _Relay:
    def __init__(self, room_id: str, feed_id: int, origin: str, edge: str, ports: MountpointPorts,
                 forwarders: tuple[Forwarder, ...], pin: str, secret: str) -> None:
        self.room_id = room_id
        self.feed_id = feed_id
        self.origin = origin
        self.edge = edge
        self.ports = ports
        self.forwarders = forwarders
        self.pin = pin
        self.secret = secret
        self.viewers: set[Viewer] = set()
        self.grace: asyncio.Task[None] | None = None
        self.closed = False

    @property
    def key(self) -> tuple[str, int, str]:
        return self.room_id, self.feed_id, self.edge

    def info(self) -> RelayInfo:
        return RelayInfo(self.room_id, self.feed_id, self.origin, self.edge, self.ports.mountpoint,
                         len(self.viewers))


class _RoomWatch:
    """A silent VideoRoom publisher on the origin: knows each feed's mids, hears feeds leave and the room go."""

    def __init__(self, handle: JanusHandle, room_id: str, origin: str) -> None:
        self.handle = handle
        self.room_id = room_id
        self.origin = origin
        self.streams: dict[int, FeedStreams] = {}

    def absorb(self, data: dict[str, object]) -> None:
        pubs = data.get("publishers")
        for pub in pubs if isinstance(pubs, list) else []:
            if isinstance(pub, dict) and isinstance(pub.get("id"), int):
                with contextlib.suppress(SoukError):
                    self.streams[pub["id"]] = feed_streams(pub["id"], [pub])


class Cascade:
    """Audience accounting, placement and relays for one :class:`~souk.media.plane.MediaPlane`."""

    def __init__(self, plane: MediaPlane, registry: NodeRegistry, *, per_node: int, grace_s: float) -> None:
        self.plane = plane
        self.registry = registry
        self.per_node = per_node
        self.grace_s = grace_s
        self._local: dict[Key, int] = {}
        self._relays: dict[tuple[str, int, str], _Relay] = {}
        self._relay_locks: dict[tuple[str, int, str], asyncio.Lock] = {}
        self._watches: dict[str, _RoomWatch] = {}
        self._watch_locks: dict[str, asyncio.Lock] = {}
        self._mounts: dict[str, Mountpoints] = {}
        self._counted: dict[object, Key] = {}
        self._relay_of: dict[Viewer, _Relay] = {}
        self._cooldown: dict[str, float] = {}
        self._others: dict[Key, int] = {}
        self._others_at: float | None = None
        self._registry_problem: str | None = None
        self._dirty = asyncio.Event()
        self._tasks = TaskOwner("media-cascade")
        self._started = False
        self.closing = False

    # ------------------------------------------------------------------ public (through the plane)

    def audience(self, room_id: str) -> dict[str, int]:
        """This Souk process's audience viewers of ``room_id`` per node."""
        return per_node(self._local, room_id)

    def relays(self, room_id: str | None = None) -> list[RelayInfo]:
        return [r.info() for r in self._relays.values() if room_id is None or r.room_id == room_id]

    async def subscribe(self, room_id: str, feeds: Sequence[int], *, wait_s: float, region: str | None,
                        node_id: str | None) -> Subscriber | Viewer:
        pool = self.plane.pool
        origin = pool.node_of(room_id)
        if origin is None:
            raise NoSuchRoom(f"room {room_id} is not on the media plane (ensure_room first)", janus_code=426)
        known = {n.node_id for n in pool.nodes()}
        if node_id is not None and node_id not in known:
            raise BadRequest(f"unknown media node {node_id!r}", code="unknown_media_node")
        if not feeds:
            raise BadRequest("subscribe needs at least one feed")
        self._start()
        counts = await self._counts()
        now = self.plane.clock.now()
        exclude = {n for n, until in self._cooldown.items() if until > now}
        if len(feeds) != 1:
            exclude |= known - {origin}  # an edge viewer watches one mountpoint: several feeds stay on the origin
        while True:
            target = place_viewer(
                origin=origin, nodes=[Candidate(n.node_id, n.region, pool.load(n.node_id).up) for n in pool.nodes()],
                room_viewers=per_node(counts, room_id), node_viewers=per_node(counts), per_node=self.per_node,
                region=region, forced=node_id, exclude=exclude)
            if node_id is not None and target != node_id:
                log.warning("viewer of %s asked for node %s, which is not usable: placed on %s", room_id, node_id,
                            target)
            key = (room_id, target)
            self._count(key, +1)  # reserve before any await so concurrent joins see it
            counts[key] = counts.get(key, 0) + 1
            try:
                if target == origin:
                    sub: Subscriber | Viewer = await self.plane._subscribe_on(
                        room_id, origin, feeds, wait_s, on_close=self._closed_viewer)
                else:
                    sub = await self._watch_on_edge(room_id, feeds[0], origin, target, wait_s)
            except _EdgeFailed as exc:
                self._count(key, -1)
                counts[key] -= 1
                log.warning("audience relay of %s on %s failed (%s); placing the viewer elsewhere", room_id,
                            target, exc.cause)
                self._cooldown[target] = self.plane.clock.now() + EDGE_COOLDOWN_S
                exclude.add(target)
                continue
            except BaseException:
                self._count(key, -1)
                raise
            self._counted[sub] = key
            return sub

    async def drop_room(self, room_id: str) -> None:
        """Tear down the room's relays and its watcher (the room is being destroyed)."""
        for relay in [r for r in self._relays.values() if r.room_id == room_id]:
            await self._teardown(relay, "room destroyed")
        await self._close_watch(room_id)

    async def aclose(self) -> None:
        self.closing = True
        await self._tasks.aclose()
        for relay in list(self._relays.values()):
            await self._teardown(relay, "media plane closing")
        for room_id in list(self._watches):
            await self._close_watch(room_id)
        await self.registry.aclose()

    # ------------------------------------------------------------------ counting

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._tasks.spawn(self._sync(), "registry-sync")

    def _count(self, key: Key, delta: int) -> None:
        n = self._local.get(key, 0) + delta
        if n > 0:
            self._local[key] = n
        else:
            self._local.pop(key, None)
        self._dirty.set()

    async def _counts(self) -> dict[Key, int]:
        """Other processes' counts (cached for OTHERS_CACHE_S: they are a heartbeat old anyway) plus ours."""
        now = self.plane.clock.now()
        if self._others_at is None or now - self._others_at >= OTHERS_CACHE_S:
            try:
                self._others = await self.registry.others()
                self._registry_state(None)
            except SoukError as exc:
                self._registry_state(f"unreadable ({exc}): placing with this process's counts only")
                self._others = {}
            self._others_at = now
        merged = dict(self._others)
        for key, n in self._local.items():
            merged[key] = merged.get(key, 0) + n
        return merged

    async def _sync(self) -> None:
        """Publish this process's counts on every change and at least every third of the registry TTL."""
        every = self.registry.ttl_s / 3
        clock = self.plane.clock
        while True:
            sleeper = asyncio.ensure_future(clock.sleep(every))
            waiter = asyncio.ensure_future(self._dirty.wait())
            try:
                await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waiter.cancel()
            self._dirty.clear()
            try:
                await self.registry.publish(dict(self._local))
                self._registry_state(None)
            except SoukError as exc:
                self._registry_state(f"write failed ({exc}): other Souk processes see stale counts")

    def _registry_state(self, problem: str | None) -> None:
        """Log registry trouble when it starts and when it ends, not on every placement."""
        if problem is not None and self._registry_problem is None:
            log.warning("load registry %s", problem)
        elif problem is None and self._registry_problem is not None:
            log.info("load registry reachable again")
        self._registry_problem = problem

    def _closed_viewer(self, p: object) -> None:
        self.plane._closed_participant(p)
        key = self._counted.pop(p, None)
        if key is not None:
            self._count(key, -1)
        relay = self._relay_of.pop(p, None) if isinstance(p, Viewer) else None
        if relay is not None and not relay.closed:
            relay.viewers.discard(p)  # type: ignore[arg-type]
            if not relay.viewers and not self.closing and relay.grace is None:
                relay.grace = self._tasks.spawn(self._grace(relay), f"grace:{relay.room_id}:{relay.edge}")

    async def _grace(self, relay: _Relay) -> None:
        await self.plane.clock.sleep(self.grace_s)
        relay.grace = None
        if not relay.viewers:
            await self._teardown(relay, "last viewer left")

    # ------------------------------------------------------------------ relays

    async def _watch_on_edge(self, room_id: str, feed: int, origin: str, edge: str, wait_s: float) -> Viewer:
        relay = await self._relay(room_id, feed, origin, edge, wait_s)
        try:
            link = await self.plane._link(edge)
            handle = await link.session.attach(STREAMING)
        except SoukError as exc:
            self._maybe_idle(relay)
            raise _EdgeFailed(edge, exc) from exc
        try:
            viewer = await watch(handle, room_id, relay.ports.mountpoint, (feed,), pin=relay.pin,
                                 on_close=self._closed_viewer)
        except BaseException as exc:
            with contextlib.suppress(SoukError):
                await handle.detach()
            self._maybe_idle(relay)
            if isinstance(exc, SoukError):
                raise _EdgeFailed(edge, exc) from exc
            raise
        if relay.grace is not None:
            relay.grace.cancel()
            relay.grace = None
        relay.viewers.add(viewer)
        self._relay_of[viewer] = relay
        self.plane._opened(viewer, edge)
        return viewer

    def _maybe_idle(self, relay: _Relay) -> None:
        if not relay.viewers and not relay.closed and relay.grace is None and not self.closing:
            relay.grace = self._tasks.spawn(self._grace(relay), f"grace:{relay.room_id}:{relay.edge}")

    async def _relay(self, room_id: str, feed: int, origin: str, edge: str, wait_s: float) -> _Relay:
        key = (room_id, feed, edge)
        lock = self._relay_locks.setdefault(key, asyncio.Lock())
        async with lock:
            relay = self._relays.get(key)
            if relay is not None and not relay.closed:
                return relay
            relay = await self._make_relay(room_id, feed, origin, edge, wait_s)
            self._relays[key] = relay
            log.info("audience relay up: room %s feed %s %s -> %s (mountpoint %s)", room_id, feed, origin, edge,
                     relay.ports.mountpoint)
            return relay

    async def _make_relay(self, room_id: str, feed: int, origin: str, edge: str, wait_s: float) -> _Relay:
        plane = self.plane
        streams = await self._streams(room_id, origin, feed, wait_s)  # origin side: errors go to the caller
        edge_node = plane.pool.get(edge)
        origin_node = plane.pool.get(origin)
        mp = mountpoint_id(room_id, feed, self.registry.souk_node)
        key = edge_node.admin_key or edge_node.api_secret or "souk"
        secret = room_secret(f"mount:{room_id}:{feed}", key)
        pin = room_secret(f"mount-pin:{room_id}:{feed}", key)[:32]
        try:
            mounts = await self._mountpoints(edge)
            try:
                ports = await mounts.create(mp, secret=secret, pin=pin, name=f"souk relay {room_id}/{feed}",
                                            host=edge_node.relay_host)
            except JanusError:
                # a mountpoint left over (e.g. a Souk restart): replace it
                if not await mounts.destroy(mp, secret=secret):
                    raise
                ports = await mounts.create(mp, secret=secret, pin=pin, name=f"souk relay {room_id}/{feed}",
                                            host=edge_node.relay_host)
        except SoukError as exc:
            raise _EdgeFailed(edge, exc) from exc
        try:
            link = await plane._link(origin)
            fwd = Forwarding(link.control.handle, origin_node.admin_key)
            forwarders = await fwd.start(janus_room_id(room_id), streams, host=edge_node.relay_host, ports=ports,
                                         secret=plane._secret(origin_node, room_id))
        except BaseException:
            with contextlib.suppress(SoukError):
                await mounts.destroy(mp, secret=secret)
            raise
        return _Relay(room_id, feed, origin, edge, ports, forwarders, pin, secret)

    async def _mountpoints(self, node_id: str) -> Mountpoints:
        mounts = self._mounts.get(node_id)
        if mounts is not None and mounts.handle.alive:
            return mounts
        link = await self.plane._link(node_id)
        mounts = Mountpoints(await link.session.attach(STREAMING), link.node.admin_key)
        self._mounts[node_id] = mounts
        return mounts

    async def _streams(self, room_id: str, origin: str, feed: int, wait_s: float) -> FeedStreams:
        """The feed's mids, waiting up to ``wait_s`` for it to publish (like a 428 on subscribe)."""
        watch_ = await self._room_watch(room_id, origin)
        deadline = self.plane.clock.now() + wait_s
        while feed not in watch_.streams:
            if self.plane.clock.now() + FEED_POLL_S > deadline:
                raise NoSuchFeed(f"feed {feed} is not publishing in room {room_id}", janus_code=428)
            await self.plane.clock.sleep(FEED_POLL_S)
        return watch_.streams[feed]

    async def _teardown(self, relay: _Relay, reason: str) -> None:
        if relay.closed:
            return
        lock = self._relay_locks.setdefault(relay.key, asyncio.Lock())
        async with lock:
            if relay.closed:
                return
            relay.closed = True
            if relay.grace is not None and relay.grace is not asyncio.current_task():
                relay.grace.cancel()
            relay.grace = None
            log.info("audience relay down: room %s feed %s %s -> %s (%s)", relay.room_id, relay.feed_id,
                     relay.origin, relay.edge, reason)
            plane = self.plane
            try:
                link = await plane._link(relay.origin)
                origin_node = plane.pool.get(relay.origin)
                await Forwarding(link.control.handle, origin_node.admin_key).stop(
                    janus_room_id(relay.room_id), relay.feed_id, relay.forwarders,
                    secret=plane._secret(origin_node, relay.room_id))
            except SoukError as exc:
                log.warning("stop_rtp_forward for %s on %s failed: %s", relay.room_id, relay.origin, exc)
            try:
                mounts = await self._mountpoints(relay.edge)
                await mounts.destroy(relay.ports.mountpoint, secret=relay.secret)
            except SoukError as exc:
                log.warning("destroying mountpoint %s on %s failed: %s", relay.ports.mountpoint, relay.edge, exc)
            finally:
                if self._relays.get(relay.key) is relay:  # listed until it is really gone
                    del self._relays[relay.key]
        if not any(r.room_id == relay.room_id for r in self._relays.values()):
            await self._close_watch(relay.room_id)

    # ------------------------------------------------------------------ the room watcher on the origin

    async def _room_watch(self, room_id: str, origin: str) -> _RoomWatch:
        lock = self._watch_locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            existing = self._watches.get(room_id)
            if existing is not None and existing.handle.alive and existing.origin == origin:
                return existing
            plane = self.plane
            link = await plane._link(origin)
            node = plane.pool.get(origin)
            handle = await link.session.attach(VIDEOROOM)
            try:
                data, _ = await handle.message({"request": "join", "ptype": "publisher",
                                                "room": janus_room_id(room_id), "pin": plane._pin(node, room_id),
                                                "display": "souk-cascade"})
            except BaseException:
                with contextlib.suppress(SoukError):
                    await handle.detach()
                raise
            w = _RoomWatch(handle, room_id, origin)
            w.absorb(data)
            self._watches[room_id] = w
            if not self.closing:
                self._tasks.spawn(self._follow(w), f"room-watch:{room_id}")
            return w

    async def _follow(self, w: _RoomWatch) -> None:
        while True:
            item = await w.handle.next()
            if isinstance(item, m.Event) and item.plugindata is not None:
                w.absorb(item.plugindata.data)
            for ev in translate(w.room_id, item):
                if isinstance(ev, PublisherLeft):
                    w.streams.pop(ev.feed_id, None)
                    for relay in [r for r in self._relays.values()
                                  if r.room_id == w.room_id and r.feed_id == ev.feed_id]:
                        await self._teardown(relay, f"publisher {ev.reason}")
                elif isinstance(ev, RoomDestroyed):
                    for relay in [r for r in self._relays.values() if r.room_id == w.room_id]:
                        await self._teardown(relay, "room destroyed")
            if not w.handle.alive:
                break
        if self._watches.get(w.room_id) is w and not self.closing:
            # the origin's session is gone (node restart or lost link): its forwarders went with it
            log.warning("room watcher of %s on %s lost (%s); tearing down its relays", w.room_id, w.origin,
                        w.handle.gone_reason)
            for relay in [r for r in self._relays.values() if r.room_id == w.room_id]:
                await self._teardown(relay, "origin session lost")
            await self._close_watch(w.room_id)

    async def _close_watch(self, room_id: str) -> None:
        w = self._watches.pop(room_id, None)
        if w is None:
            return
        try:
            if w.handle.alive:
                await w.handle.message({"request": "leave"}, timeout=3.0)
        except (SoukError, TimeoutError) as exc:
            log.debug("room watcher of %s: leave failed (%s)", room_id, exc)
        with contextlib.suppress(SoukError):
            await w.handle.detach()
