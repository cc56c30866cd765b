"""The audience cascade: live viewers beyond one Janus node.

A live room's VideoRoom lives on its origin node. Audience viewers are counted per (room, node) here and in
the shared load registry (:mod:`souk.media.registry`). While the origin serves fewer than
``live.viewers_per_node`` viewers of the room, a viewer subscribes there as usual; past that, placement
(:mod:`souk.media.placement`) picks an edge node and the viewer watches a Streaming mountpoint on it, fed by
an ``rtp_forward`` from the origin (:mod:`souk.media.forward`, :mod:`souk.media.streaming`). One relay per
(room, feed, edge) is shared by all of that edge's viewers of the feed (:mod:`souk.media.relays`).

Relays are torn down when the feed leaves or unpublishes (a silent watcher in the room on the origin hears
it), when the room is destroyed, and when an edge's last viewer of the relay leaves (after a grace period,
so a viewer reloading the page finds it still there). A relay that cannot be built on an edge is logged,
the edge is avoided for a while, and the viewer goes to another node or the origin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from souk.core.errors import BadRequest, SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media.errors import NoSuchRoom
from souk.media.links import PlaneLinks
from souk.media.placement import Candidate, place_viewer
from souk.media.registry import Key, NodeRegistry, per_node
from souk.media.relays import EdgeFailed, RelayInfo, Relays
from souk.media.streaming import Viewer
from souk.media.videoroom import Subscriber

__all__ = ["Cascade", "RelayInfo"]

log = logging.getLogger(__name__)

EDGE_COOLDOWN_S = 10.0  # a node whose relay failed gets no new viewers for this long
OTHERS_CACHE_S = 0.5  # how long other Souk processes' counts are reused between placements


class Cascade:
    """Audience accounting, placement and relays for one media plane (:class:`~souk.media.links.PlaneLinks`)."""

    def __init__(self, plane: PlaneLinks, registry: NodeRegistry, *, per_node: int, grace_s: float) -> None:
        self.plane = plane
        self.registry = registry
        self.per_node = per_node
        self.grace_s = grace_s
        self._local: dict[Key, int] = {}
        self._counted: dict[object, Key] = {}
        self._cooldown: dict[str, float] = {}
        self._others: dict[Key, int] = {}
        self._others_at: float | None = None
        self._registry_problem: str | None = None
        self._dirty = asyncio.Event()
        self._tasks = TaskOwner("media-cascade")
        self._started = False
        self._relays = Relays(plane, registry.souk_node, grace_s=grace_s, tasks=self._tasks)

    # ------------------------------------------------------------------ public (through the plane)

    def audience(self, room: RoomKey) -> dict[str, int]:
        """This Souk process's audience viewers of ``room`` per node."""
        return per_node(self._local, room)

    def relays(self, room: RoomKey | None = None) -> list[RelayInfo]:
        return self._relays.list(room)

    @property
    def closing(self) -> bool:
        return self._relays.closing

    @closing.setter
    def closing(self, value: bool) -> None:
        self._relays.closing = value

    async def subscribe(self, room: RoomKey, feeds: Sequence[int], *, wait_s: float, region: str | None,
                        node_id: str | None) -> Subscriber | Viewer:
        pool = self.plane.pool
        origin = pool.node_of(room)
        if origin is None:
            raise NoSuchRoom(f"room {room} is not on the media plane (ensure_room first)", janus_code=426)
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
                room_viewers=per_node(counts, room), node_viewers=per_node(counts), per_node=self.per_node,
                region=region, forced=node_id, exclude=exclude)
            if node_id is not None and target != node_id:
                log.warning("viewer of %s asked for node %s, which is not usable: placed on %s", room, node_id,
                            target)
            key = (room, target)
            self._count(key, +1)  # reserve before any await so concurrent joins see it
            counts[key] = counts.get(key, 0) + 1
            try:
                if target == origin:
                    sub: Subscriber | Viewer = await self.plane.subscribe_on(
                        room, origin, feeds, wait_s, on_close=self._closed_viewer)
                else:
                    sub = await self._relays.watch_on_edge(room, feeds[0], origin, target, wait_s,
                                                           on_close=self._closed_viewer)
            except EdgeFailed as exc:
                self._count(key, -1)
                counts[key] -= 1
                log.warning("audience relay of %s on %s failed (%s); placing the viewer elsewhere", room,
                            target, exc.cause)
                self._cooldown[target] = self.plane.clock.now() + EDGE_COOLDOWN_S
                exclude.add(target)
                continue
            except BaseException:
                self._count(key, -1)
                raise
            self._counted[sub] = key
            return sub

    def count(self, room: RoomKey, node_id: str, delta: int) -> None:
        """Count an audience member placed elsewhere (voice-room listeners, souk.media.voice_plane) in the
        same per-node registry, so live viewers and listeners share each node's capacity."""
        self._start()
        self._count((room, node_id), delta)

    async def counts(self) -> dict[tuple[RoomKey, str], int]:
        """Audience per (room, node) over every Souk process (other processes' a heartbeat old)."""
        return await self._counts()

    async def drop_room(self, room: RoomKey) -> None:
        """Tear down the room's relays and its watcher (the room is being destroyed)."""
        await self._relays.drop_room(room)

    async def aclose(self) -> None:
        self.closing = True
        await self._tasks.aclose()
        await self._relays.aclose()
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
        self.plane.closed_participant(p)
        key = self._counted.pop(p, None)
        if key is not None:
            self._count(key, -1)
        if isinstance(p, Viewer):
            self._relays.viewer_closed(p)
