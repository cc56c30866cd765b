"""Audience relays: one Streaming mountpoint on an edge node fed by an ``rtp_forward`` from the origin.

:class:`Relays` builds one relay per (room, feed, edge) for this Souk process and shares it among that
edge's viewers of the feed; it tears relays down when the feed leaves or unpublishes (a silent participant
in the room on the origin hears it), when the room goes, when the origin's session is lost, and when the
last viewer leaves (after a grace). Placement and counting live in :mod:`souk.media.cascade`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from souk.core.errors import SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media import messages as m
from souk.media.client import JanusHandle
from souk.media.errors import JanusError, NoSuchFeed
from souk.media.events import PublisherLeft, RoomDestroyed
from souk.media.forward import FeedStreams, Forwarder, Forwarding, feed_streams
from souk.media.links import PlaneLinks, node_room_pin, node_room_secret
from souk.media.roomids import janus_room_id, room_secret
from souk.media.streaming import PLUGIN as STREAMING
from souk.media.streaming import MountpointPorts, Mountpoints, Viewer, mountpoint_id, watch
from souk.media.videoroom import PLUGIN as VIDEOROOM
from souk.media.videoroom import translate

log = logging.getLogger(__name__)

FEED_POLL_S = 0.1


def _janus(room: RoomKey) -> int:
    return janus_room_id(room.merchant_id, room.room_id)


@dataclass(frozen=True, slots=True)
class RelayInfo:
    """One relay as stats and tests see it."""

    room: RoomKey
    feed_id: int
    origin: str
    edge: str
    mountpoint: int
    viewers: int


class EdgeFailed(Exception):
    """The edge side of a relay or watch failed: the viewer can go elsewhere."""

    def __init__(self, node_id: str, cause: BaseException) -> None:
        super().__init__(f"{node_id}: {cause}")
        self.node_id = node_id
        self.cause = cause


class Relay:
    def __init__(self, room: RoomKey, feed_id: int, origin: str, edge: str, ports: MountpointPorts,
                 forwarders: tuple[Forwarder, ...], pin: str, secret: str) -> None:
        self.room = room
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
    def key(self) -> tuple[RoomKey, int, str]:
        return self.room, self.feed_id, self.edge

    def info(self) -> RelayInfo:
        return RelayInfo(self.room, self.feed_id, self.origin, self.edge, self.ports.mountpoint,
                         len(self.viewers))


class RoomWatch:
    """A silent VideoRoom publisher on the origin: knows each feed's mids, hears feeds leave and the room go."""

    def __init__(self, handle: JanusHandle, room: RoomKey, origin: str) -> None:
        self.handle = handle
        self.room = room
        self.origin = origin
        self.streams: dict[int, FeedStreams] = {}

    def absorb(self, data: dict[str, object]) -> None:
        pubs = data.get("publishers")
        for pub in pubs if isinstance(pubs, list) else []:
            if isinstance(pub, dict) and isinstance(pub.get("id"), int):
                with contextlib.suppress(SoukError):
                    self.streams[pub["id"]] = feed_streams(pub["id"], [pub])


class Relays:
    """This Souk process's relays on a media plane (:class:`~souk.media.links.PlaneLinks`; ``owner``: its node
    id)."""

    def __init__(self, plane: PlaneLinks, owner: str, *, grace_s: float, tasks: TaskOwner) -> None:
        self.plane = plane
        self.owner = owner
        self.grace_s = grace_s
        self.closing = False
        self._tasks = tasks
        self._relays: dict[tuple[RoomKey, int, str], Relay] = {}
        self._relay_locks: dict[tuple[RoomKey, int, str], asyncio.Lock] = {}
        self._watches: dict[RoomKey, RoomWatch] = {}
        self._watch_locks: dict[RoomKey, asyncio.Lock] = {}
        self._mounts: dict[str, Mountpoints] = {}
        self._relay_of: dict[Viewer, Relay] = {}

    def list(self, room: RoomKey | None = None) -> list[RelayInfo]:
        return [r.info() for r in self._relays.values() if room is None or r.room == room]

    def viewer_closed(self, viewer: Viewer) -> None:
        relay = self._relay_of.pop(viewer, None)
        if relay is not None and not relay.closed:
            relay.viewers.discard(viewer)
            self._maybe_idle(relay)

    async def drop_room(self, room: RoomKey) -> None:
        """Tear down the room's relays and its watcher (the room is being destroyed)."""
        for relay in [r for r in self._relays.values() if r.room == room]:
            await self._teardown(relay, "room destroyed")
        await self._close_watch(room)

    async def aclose(self) -> None:
        """Tear everything down (the caller has closed the task owner already)."""
        self.closing = True
        for relay in list(self._relays.values()):
            await self._teardown(relay, "media plane closing")
        for room in list(self._watches):
            await self._close_watch(room)

    async def _grace(self, relay: Relay) -> None:
        await self.plane.clock.sleep(self.grace_s)
        relay.grace = None
        if not relay.viewers:
            await self._teardown(relay, "last viewer left")

    async def watch_on_edge(self, room: RoomKey, feed: int, origin: str, edge: str, wait_s: float, *,
                            on_close: Callable[[object], None]) -> Viewer:
        """A viewer of the (room, feed) relay on ``edge``, building the relay first if needed."""
        relay = await self._relay(room, feed, origin, edge, wait_s)
        try:
            link = await self.plane.link(edge)
            handle = await link.session.attach(STREAMING)
        except SoukError as exc:
            self._maybe_idle(relay)
            raise EdgeFailed(edge, exc) from exc
        try:
            viewer = await watch(handle, room, relay.ports.mountpoint, (feed,), pin=relay.pin,
                                 on_close=on_close)
        except BaseException as exc:
            with contextlib.suppress(SoukError):
                await handle.detach()
            self._maybe_idle(relay)
            if isinstance(exc, SoukError):
                raise EdgeFailed(edge, exc) from exc
            raise
        if relay.grace is not None:
            relay.grace.cancel()
            relay.grace = None
        relay.viewers.add(viewer)
        self._relay_of[viewer] = relay
        self.plane.opened(viewer, edge)
        return viewer

    def _maybe_idle(self, relay: Relay) -> None:
        if not relay.viewers and not relay.closed and relay.grace is None and not self.closing:
            relay.grace = self._tasks.spawn(self._grace(relay), f"grace:{relay.room}:{relay.edge}")

    async def _relay(self, room: RoomKey, feed: int, origin: str, edge: str, wait_s: float) -> Relay:
        key = (room, feed, edge)
        lock = self._relay_locks.setdefault(key, asyncio.Lock())
        async with lock:
            relay = self._relays.get(key)
            if relay is not None and not relay.closed:
                return relay
            relay = await self._make_relay(room, feed, origin, edge, wait_s)
            self._relays[key] = relay
            # the room's watcher may have closed while this relay was being built (the room's last other relay
            # went meanwhile): make sure one is listening for this feed leaving
            try:
                await self._room_watch(room, origin)
            except BaseException:
                self._maybe_idle(relay)
                raise
            log.info("audience relay up: room %s feed %s %s -> %s (mountpoint %s)", room, feed, origin, edge,
                     relay.ports.mountpoint)
            return relay

    async def _make_relay(self, room: RoomKey, feed: int, origin: str, edge: str, wait_s: float) -> Relay:
        plane = self.plane
        streams = await self._streams(room, origin, feed, wait_s)  # origin side: errors go to the caller
        edge_node = plane.pool.get(edge)
        origin_node = plane.pool.get(origin)
        mp = mountpoint_id(room, feed, self.owner)
        key = edge_node.admin_key or edge_node.api_secret or "souk"
        secret = room_secret(room.merchant_id, f"mount:{room.room_id}:{feed}", key)
        pin = room_secret(room.merchant_id, f"mount-pin:{room.room_id}:{feed}", key)[:32]
        try:
            mounts = await self._mountpoints(edge)
            try:
                ports = await mounts.create(mp, secret=secret, pin=pin, name=f"souk relay {room}/{feed}",
                                            host=edge_node.relay_host)
            except JanusError:
                # a mountpoint left over (e.g. a Souk restart): replace it
                if not await mounts.destroy(mp, secret=secret):
                    raise
                ports = await mounts.create(mp, secret=secret, pin=pin, name=f"souk relay {room}/{feed}",
                                            host=edge_node.relay_host)
        except SoukError as exc:
            raise EdgeFailed(edge, exc) from exc
        try:
            link = await plane.link(origin)
            fwd = Forwarding(link.control.handle, origin_node.admin_key)
            forwarders = await fwd.start(_janus(room), streams, host=edge_node.relay_host, ports=ports,
                                         secret=node_room_secret(origin_node, room))
        except BaseException:
            with contextlib.suppress(SoukError):
                await mounts.destroy(mp, secret=secret)
            raise
        return Relay(room, feed, origin, edge, ports, forwarders, pin, secret)

    async def _mountpoints(self, node_id: str) -> Mountpoints:
        mounts = self._mounts.get(node_id)
        if mounts is not None and mounts.handle.alive:
            return mounts
        link = await self.plane.link(node_id)
        mounts = Mountpoints(await link.session.attach(STREAMING), link.node.admin_key)
        self._mounts[node_id] = mounts
        return mounts

    async def _streams(self, room: RoomKey, origin: str, feed: int, wait_s: float) -> FeedStreams:
        """The feed's mids, waiting up to ``wait_s`` for it to publish (like a 428 on subscribe)."""
        watch_ = await self._room_watch(room, origin)
        deadline = self.plane.clock.now() + wait_s
        while feed not in watch_.streams:
            if self.plane.clock.now() + FEED_POLL_S > deadline:
                raise NoSuchFeed(f"feed {feed} is not publishing in room {room}", janus_code=428)
            await self.plane.clock.sleep(FEED_POLL_S)
        return watch_.streams[feed]

    async def _teardown(self, relay: Relay, reason: str) -> None:
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
            log.info("audience relay down: room %s feed %s %s -> %s (%s)", relay.room, relay.feed_id,
                     relay.origin, relay.edge, reason)
            plane = self.plane
            try:
                link = await plane.link(relay.origin)
                origin_node = plane.pool.get(relay.origin)
                await Forwarding(link.control.handle, origin_node.admin_key).stop(
                    _janus(relay.room), relay.feed_id, relay.forwarders,
                    secret=node_room_secret(origin_node, relay.room))
            except SoukError as exc:
                log.warning("stop_rtp_forward for %s on %s failed: %s", relay.room, relay.origin, exc)
            try:
                mounts = await self._mountpoints(relay.edge)
                await mounts.destroy(relay.ports.mountpoint, secret=relay.secret)
            except SoukError as exc:
                log.warning("destroying mountpoint %s on %s failed: %s", relay.ports.mountpoint, relay.edge, exc)
            finally:
                if self._relays.get(relay.key) is relay:  # listed until it is really gone
                    del self._relays[relay.key]
        if not any(r.room == relay.room for r in self._relays.values()):
            await self._close_watch(relay.room)

    # ------------------------------------------------------------------ the room watcher on the origin

    async def _room_watch(self, room: RoomKey, origin: str) -> RoomWatch:
        lock = self._watch_locks.setdefault(room, asyncio.Lock())
        async with lock:
            existing = self._watches.get(room)
            if existing is not None and existing.handle.alive and existing.origin == origin:
                return existing
            plane = self.plane
            link = await plane.link(origin)
            node = plane.pool.get(origin)
            handle = await link.session.attach(VIDEOROOM)
            try:
                data, _ = await handle.message({"request": "join", "ptype": "publisher",
                                                "room": _janus(room), "pin": node_room_pin(node, room),
                                                "display": "souk-cascade"})
            except BaseException:
                with contextlib.suppress(SoukError):
                    await handle.detach()
                raise
            w = RoomWatch(handle, room, origin)
            w.absorb(data)
            self._watches[room] = w
            if not self.closing:
                self._tasks.spawn(self._follow(w), f"room-watch:{room}")
            return w

    async def _follow(self, w: RoomWatch) -> None:
        while True:
            item = await w.handle.next()
            if isinstance(item, m.Event) and item.plugindata is not None:
                w.absorb(item.plugindata.data)
            for ev in translate(w.room.room_id, item):
                if isinstance(ev, PublisherLeft):
                    w.streams.pop(ev.feed_id, None)
                    for relay in [r for r in self._relays.values()
                                  if r.room == w.room and r.feed_id == ev.feed_id]:
                        await self._teardown(relay, f"publisher {ev.reason}")
                elif isinstance(ev, RoomDestroyed):
                    for relay in [r for r in self._relays.values() if r.room == w.room]:
                        await self._teardown(relay, "room destroyed")
            if not w.handle.alive:
                break
        if self._watches.get(w.room) is w and not self.closing:
            # the origin's session is gone (node restart or lost link): its forwarders went with it
            log.warning("room watcher of %s on %s lost (%s); tearing down its relays", w.room, w.origin,
                        w.handle.gone_reason)
            for relay in [r for r in self._relays.values() if r.room == w.room]:
                await self._teardown(relay, "origin session lost")
            await self._close_watch(w.room)

    async def _close_watch(self, room: RoomKey) -> None:
        w = self._watches.pop(room, None)
        if w is None:
            return
        try:
            if w.handle.alive:
                await w.handle.message({"request": "leave"}, timeout=3.0)
        except (SoukError, TimeoutError) as exc:
            log.debug("room watcher of %s: leave failed (%s)", room, exc)
        with contextlib.suppress(SoukError):
            await w.handle.detach()
