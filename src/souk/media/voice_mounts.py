"""Voice-room listeners: the AudioBridge mix on Streaming mountpoints, one per (room, node), and placement.

Listeners never join the AudioBridge. Each node that serves listeners of a room has one audio-only RTP
mountpoint fed by its own AudioBridge ``rtp_forward`` of the room's mix (one Opus encode in the mixer, relayed
as is to every viewer of every mountpoint). The origin's mountpoint is made with the room and kept until the
room goes; another node's is made for its first listener and torn down a grace period after its last one.
Listeners are counted in the cascade's per-node registry (:meth:`souk.media.cascade.Cascade.count`), so live
viewers and voice listeners share each node's ``live.viewers_per_node``, and placed by the live cascade's rule
(:func:`souk.media.placement.place_viewer`): the origin first, then other nodes, the listener's region first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from souk.core.clock import Clock
from souk.core.errors import BadRequest, SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media.audiobridge import OPUS_PT, BridgeControl
from souk.media.cascade import Cascade
from souk.media.errors import JanusError
from souk.media.links import NodeLink
from souk.media.nodes import NodePool
from souk.media.placement import Candidate, place_viewer
from souk.media.roomids import room_secret
from souk.media.streaming import NO_SUCH_MOUNTPOINT, Viewer, mountpoint_id, watch
from souk.media.streaming import PLUGIN as STREAMING
from souk.media.videoroom import _Participant

log = logging.getLogger(__name__)

MIX_FEED = 0  # the "feed" id a mix mountpoint is named after (VideoRoom feed ids are never 0)


def mount_body(mp: int, *, admin_key: str, secret: str, pin: str, name: str, host: str) -> dict[str, Any]:
    """``create`` for an audio-only RTP mountpoint (Opus with in-band FEC) bound to ``host``; Janus picks the
    port from the Streaming plugin's range."""
    return {
        "request": "create", "admin_key": admin_key, "type": "rtp", "id": mp, "name": name[:100],
        "description": name[:100], "secret": secret, "pin": pin, "is_private": True, "permanent": False,
        "media": [{"type": "audio", "mid": "a", "label": "mix", "port": 0, "iface": host, "pt": OPUS_PT,
                   "codec": "opus", "fmtp": "useinbandfec=1"}],
    }


def parse_audio_port(data: dict[str, Any]) -> int:
    stream = data.get("stream") or {}
    for port in stream.get("ports") or []:
        if isinstance(port, dict) and port.get("type") == "audio" and isinstance(port.get("port"), int):
            return int(port["port"])
    raise JanusError(f"streaming create: reply without the audio port ({data!r:.200})")


class MountHost(Protocol):
    """What the mounts need of the voice plane: links, controls, the room's secrets."""

    pool: NodePool
    clock: Clock

    async def link(self, node_id: str) -> NodeLink: ...

    async def control(self, node_id: str) -> BridgeControl: ...

    def room_secret(self, room: RoomKey) -> str: ...

    def janus_room(self, room: RoomKey) -> int: ...


@dataclass(eq=False)
class MixMount:
    room: RoomKey
    node_id: str
    origin: str
    mountpoint: int
    port: int
    stream_id: int
    secret: str
    pin: str
    listeners: set[Viewer] = field(default_factory=set)
    grace: asyncio.Task[None] | None = None
    closed: bool = False


class VoiceMounts:
    """This Souk process's mix mountpoints and listeners."""

    def __init__(self, host: MountHost, cascade: Cascade, owner: str, *, per_node: int, grace_s: float,
                 tasks: TaskOwner, on_open: Callable[[Viewer, str], None],
                 on_close: Callable[[object], None]) -> None:
        self.host = host
        self.cascade = cascade
        self.owner = owner
        self.per_node = per_node
        self.grace_s = grace_s
        self._tasks = tasks
        self._on_open = on_open
        self._on_close = on_close
        self._mounts: dict[tuple[RoomKey, str], MixMount] = {}
        self._locks: dict[tuple[RoomKey, str], asyncio.Lock] = {}
        self._mount_of: dict[Viewer, MixMount] = {}
        self._streaming: dict[str, Any] = {}
        self.closing = False

    def listeners(self, room: RoomKey) -> dict[str, int]:
        return {m.node_id: len(m.listeners) for m in self._mounts.values() if m.room == room and m.listeners}

    def mounts(self, room: RoomKey) -> list[MixMount]:
        return [m for m in self._mounts.values() if m.room == room]

    async def listen(self, room: RoomKey, origin: str, *, region: str | None, node_id: str | None) -> Viewer:
        pool = self.host.pool
        known = {n.node_id for n in pool.nodes()}
        if node_id is not None and node_id not in known:
            raise BadRequest(f"unknown media node {node_id!r}", code="unknown_media_node")
        counts = await self.cascade.counts()
        room_counts = {n: c for (r, n), c in counts.items() if r == room}
        node_counts: dict[str, int] = {}
        for (_, n), c in counts.items():
            node_counts[n] = node_counts.get(n, 0) + c
        target = place_viewer(origin=origin, nodes=[Candidate(n.node_id, n.region, pool.load(n.node_id).up)
                                                    for n in pool.nodes()],
                              room_viewers=room_counts, node_viewers=node_counts, per_node=self.per_node,
                              region=region, forced=node_id)
        self.cascade.count(room, target, +1)  # reserved before any await: concurrent listeners see it
        try:
            return await self._watch(room, origin, target)
        except SoukError as exc:
            if target == origin:
                raise
            log.warning("listener of %s on %s failed (%s): placing it on the origin", room, target, exc)
        except BaseException:
            self.cascade.count(room, target, -1)
            raise
        self.cascade.count(room, target, -1)
        self.cascade.count(room, origin, +1)
        try:
            return await self._watch(room, origin, origin)
        except BaseException:
            self.cascade.count(room, origin, -1)
            raise

    async def _watch(self, room: RoomKey, origin: str, node_id: str) -> Viewer:
        mount = await self.mount(room, origin, node_id)
        link = await self.host.link(node_id)
        handle = await link.session.attach(STREAMING)
        try:
            viewer = await watch(handle, room, mount.mountpoint, (MIX_FEED,), pin=mount.pin,
                                 on_close=self._closed)
        except BaseException:
            with contextlib.suppress(SoukError):
                await handle.detach()
            self._maybe_idle(mount)
            raise
        if mount.grace is not None:
            mount.grace.cancel()
            mount.grace = None
        mount.listeners.add(viewer)
        self._mount_of[viewer] = mount
        self._on_open(viewer, node_id)
        return viewer

    def _closed(self, viewer: _Participant) -> None:
        self._on_close(viewer)
        mount = self._mount_of.pop(viewer, None)  # type: ignore[call-overload]
        if mount is not None:
            mount.listeners.discard(viewer)  # type: ignore[arg-type]
            self.cascade.count(mount.room, mount.node_id, -1)
            self._maybe_idle(mount)

    async def mount(self, room: RoomKey, origin: str, node_id: str) -> MixMount:
        """The room's mix mountpoint on ``node_id``, made (mountpoint + forwarder) when missing."""
        key = (room, node_id)
        async with self._locks.setdefault(key, asyncio.Lock()):
            mount = self._mounts.get(key)
            if mount is not None and not mount.closed:
                return mount
            mount = await self._make(room, origin, node_id)
            self._mounts[key] = mount
            log.info("voice mix of %s on %s: mountpoint %s (forwarder %s from %s)", room, node_id,
                     mount.mountpoint, mount.stream_id, origin)
            return mount

    async def _make(self, room: RoomKey, origin: str, node_id: str) -> MixMount:
        node = self.host.pool.get(node_id)
        mp = mountpoint_id(room, MIX_FEED, f"voice:{self.owner}")
        key = node.admin_key or node.api_secret or "souk"
        secret = room_secret(room.merchant_id, f"voice-mount:{room.room_id}", key)
        pin = room_secret(room.merchant_id, f"voice-mount-pin:{room.room_id}", key)[:32]
        streaming = await self._streaming_handle(node_id)
        body = mount_body(mp, admin_key=node.admin_key, secret=secret, pin=pin, name=f"souk voice {room}",
                          host=node.relay_host)
        try:
            data, _ = await streaming.message(body)
        except JanusError:  # left over from an earlier Souk process: replace it
            await self._destroy_mp(node_id, mp, secret)
            data, _ = await streaming.message(body)
        port = parse_audio_port(data)
        try:
            control = await self.host.control(origin)
            stream_id = await control.forward(self.host.janus_room(room), host=node.relay_host, port=port,
                                              secret=self.host.room_secret(room))
        except BaseException:
            with contextlib.suppress(SoukError):
                await self._destroy_mp(node_id, mp, secret)
            raise
        return MixMount(room, node_id, origin, mp, port, stream_id, secret, pin)

    async def _streaming_handle(self, node_id: str) -> Any:
        handle = self._streaming.get(node_id)
        if handle is not None and handle.alive:
            return handle
        link = await self.host.link(node_id)
        handle = await link.session.attach(STREAMING)
        self._streaming[node_id] = handle
        return handle

    async def _destroy_mp(self, node_id: str, mp: int, secret: str) -> bool:
        handle = await self._streaming_handle(node_id)
        try:
            await handle.message({"request": "destroy", "id": mp, "secret": secret, "permanent": False})
        except JanusError as exc:
            if exc.janus_code == NO_SUCH_MOUNTPOINT:
                return False
            raise
        return True

    def _maybe_idle(self, mount: MixMount) -> None:
        if (mount.node_id != mount.origin and not mount.listeners and not mount.closed and mount.grace is None
                and not self.closing):
            mount.grace = self._tasks.spawn(self._grace(mount), f"voice-grace:{mount.room}:{mount.node_id}")

    async def _grace(self, mount: MixMount) -> None:
        await self.host.clock.sleep(self.grace_s)
        mount.grace = None
        if not mount.listeners:
            await self.teardown(mount, "last listener left")

    async def teardown(self, mount: MixMount, reason: str) -> None:
        """Stop the forwarder and destroy the mountpoint (its listeners are hung up)."""
        async with self._locks.setdefault((mount.room, mount.node_id), asyncio.Lock()):
            if mount.closed:
                return
            mount.closed = True
            if mount.grace is not None and mount.grace is not asyncio.current_task():
                mount.grace.cancel()
            mount.grace = None
            log.info("voice mix of %s on %s down (%s)", mount.room, mount.node_id, reason)
            try:
                control = await self.host.control(mount.origin)
                await control.stop_forward(self.host.janus_room(mount.room), mount.stream_id,
                                           secret=self.host.room_secret(mount.room))
            except SoukError as exc:
                log.warning("stopping the voice forwarder of %s failed: %s", mount.room, exc)
            try:
                await self._destroy_mp(mount.node_id, mount.mountpoint, mount.secret)
            except SoukError as exc:
                log.warning("destroying voice mountpoint %s on %s failed: %s", mount.mountpoint, mount.node_id, exc)
            if self._mounts.get((mount.room, mount.node_id)) is mount:
                del self._mounts[(mount.room, mount.node_id)]

    async def forget_node(self, node_id: str) -> None:
        """``node_id`` lost our session (a Janus restart, or a session timeout): tear down the mountpoints on it
        and those fed from it. After a restart nothing is left to stop (the failures are logged); after a lost
        session the mountpoints and the room's forwarders are still there and must go."""
        self._streaming.pop(node_id, None)
        for mount in [m for m in self._mounts.values() if node_id in (m.node_id, m.origin)]:
            await self.teardown(mount, f"{node_id} lost our session")

    async def drop_room(self, room: RoomKey) -> None:
        for mount in self.mounts(room):
            for viewer in list(mount.listeners):
                await viewer.aclose()
            await self.teardown(mount, "room destroyed")

    async def aclose(self) -> None:
        self.closing = True
        for mount in list(self._mounts.values()):
            for viewer in list(mount.listeners):
                await viewer.aclose()
            await self.teardown(mount, "voice plane closing")
        for handle in self._streaming.values():
            with contextlib.suppress(SoukError):
                await handle.detach()
        self._streaming.clear()
