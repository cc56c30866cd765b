"""Voice rooms on the media plane: an AudioBridge room per Souk voice room, speakers, listeners, events.

Usage (see /docs/voice-rooms.md, "Media path")::

    voice = VoicePlane(media_plane)
    info = await voice.ensure_room(room, seats=8, prebuffer=2, record="m_acme/room_1/show.wav")
    speaker = await voice.join_speaker(room, "alice")        # a seat holder's connection (signaling does it)
    answer = await speaker.publish(Jsep("offer", browser_sdp))
    listener = await voice.listen(room, region="eu")          # a Streaming viewer of the mix
    await listener.start(Jsep("answer", browser_answer))
    await voice.mute(room, "alice", True); await voice.kick(room, "alice")
    voice.on_event(callback)                                  # Talking / SpeakerMuted / SpeakerJoined / SpeakerLeft
    await voice.destroy_room(room); await voice.aclose()

Speakers (the host and the seat holders) join the room's AudioBridge on its node (placed like VideoRoom rooms,
in the same :class:`~souk.media.nodes.NodePool`) and hear the mix of the others. Listeners never join it: see
:mod:`souk.media.voice_mounts`. A speaker's AudioBridge id is derived from (merchant, room, identity)
(:func:`~souk.media.audiobridge.participant_id`), so any Souk process on the same Janus can mute or kick it.
Events come from a monitor participant (no PeerConnection) that the process which ensured the room keeps in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from souk.core.errors import ConfigError, Conflict, SoukError
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media.audiobridge import (
    MONITOR,
    PLUGIN,
    BridgeControl,
    BridgeOptions,
    Monitor,
    ParticipantGone,
    ParticipantUpdate,
    Speaker,
    TalkingChanged,
    join,
    participant_id,
)
from souk.media.errors import NoSuchRoom
from souk.media.events import HandleGone, RoomDestroyed
from souk.media.links import NodeLink, node_room_pin, node_room_secret
from souk.media.plane import MediaPlane
from souk.media.roomids import janus_room_id
from souk.media.streaming import Viewer
from souk.media.voice_mounts import VoiceMounts
from souk.media.voice_types import (
    SpeakerJoined,
    SpeakerLeft,
    SpeakerMuted,
    SpeakerState,
    Talking,
    VoiceEvent,
    VoiceRoomInfo,
    VoiceRoomSpec,
    recording_path,
    wait_recording_closed,
)

__all__ = ["SpeakerJoined", "SpeakerLeft", "SpeakerMuted", "SpeakerState", "Talking", "VoiceEvent", "VoicePlane",
           "VoiceRoomInfo", "VoiceRoomSpec", "recording_path"]

log = logging.getLogger(__name__)

MAX_SEATS = 64
RESTORE_RETRY_S = 0.2
REPLACE_WAIT_S = 2.0  # how long a speaker joining again waits for its kicked older connection to go


class VoicePlane:
    """Voice rooms on a :class:`~souk.media.plane.MediaPlane`'s nodes. ``aclose()`` before the plane's."""

    def __init__(self, plane: MediaPlane) -> None:
        self.plane = plane
        self.pool = plane.pool
        self.clock = plane.clock
        self._rooms: dict[RoomKey, VoiceRoomSpec] = {}
        self._controls: dict[str, BridgeControl] = {}
        self._monitors: dict[RoomKey, Monitor] = {}
        self._names: dict[RoomKey, dict[int, str]] = {}  # AudioBridge id -> identity, from the monitor
        self._speakers: set[Speaker] = set()
        self._callbacks: list[Callable[[VoiceEvent], None]] = []
        self._locks: dict[RoomKey, asyncio.Lock] = {}
        self._node_locks: dict[str, asyncio.Lock] = {}
        self._found: dict[RoomKey, str] = {}  # rooms another Souk process placed, found on a node (_locate)
        self._tasks = TaskOwner("voice-plane")
        self._closed = False
        js = plane.settings
        self.mounts = VoiceMounts(self, plane.cascade, plane.cascade.registry.souk_node,
                                  per_node=js.live.viewers_per_node, grace_s=js.janus.relay_grace_s,
                                  tasks=self._tasks, on_open=plane.opened, on_close=plane.closed_participant)

    # ------------------------------------------------------------------ MountHost

    async def link(self, node_id: str) -> NodeLink:
        return await self.plane.link(node_id)

    async def control(self, node_id: str) -> BridgeControl:
        """The AudioBridge control handle on a node. When the node's session was lost (Janus restarted, or our
        session on it timed out) the handle is attached again on the new link and the node's voice rooms are put
        back first (:meth:`_restore`)."""
        control = self._controls.get(node_id)
        if control is not None and control.handle.alive:
            return control
        async with self._node_locks.setdefault(node_id, asyncio.Lock()):
            control = self._controls.get(node_id)
            if control is not None and control.handle.alive:
                return control
            link = await self.plane.link(node_id)
            fresh = BridgeControl(await link.session.attach(PLUGIN), link.node.admin_key)
            self._controls[node_id] = fresh
            if control is not None:
                await self._restore(node_id)
            if not self._closed:
                self._tasks.spawn(self._watch_node(node_id, fresh), f"voice-node:{node_id}")
            return fresh

    async def _watch_node(self, node_id: str, control: BridgeControl) -> None:
        """When the node's session goes, put its voice rooms back as soon as the node is reachable again (the
        monitors' events and the listeners' mountpoints went with it)."""
        await control.handle.session.ended.wait()
        delay = RESTORE_RETRY_S
        while not self._closed and any(self.pool.node_of(r) == node_id for r in self._rooms):
            try:
                await self.control(node_id)
                return
            except SoukError as exc:
                log.info("voice rooms on %s not restored yet: %s", node_id, exc)
            await self.clock.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _restore(self, node_id: str) -> None:
        """The node lost our session: its mountpoints, forwarders and monitors are gone with it; re-create its
        rooms (an AudioBridge room survives only a lost session, not a restart: create is idempotent)."""
        await self.mounts.forget_node(node_id)
        for room, spec in list(self._rooms.items()):
            if self.pool.node_of(room) != node_id:
                continue
            self._monitors.pop(room, None)
            try:
                await self._create(room, node_id, spec)
                log.info("voice room %s restored on %s", room, node_id)
            except SoukError as exc:
                log.error("could not restore voice room %s on %s: %s", room, node_id, exc)

    async def wait_restored(self, room: RoomKey, timeout_s: float = 30.0) -> bool:
        """After the room's node was lost: True once the room is back on it (False: the room went, the plane
        closed, or ``timeout_s`` passed). The signaling socket waits on it before telling a page media.reset."""
        deadline = self.clock.now() + timeout_s
        while not self._closed and room in self._rooms:
            node_id = self.pool.node_of(room)
            if node_id is None:
                return False
            try:
                await self.control(node_id)
                return room in self._rooms
            except SoukError:
                if self.clock.now() + RESTORE_RETRY_S > deadline:
                    return False
                await self.clock.sleep(RESTORE_RETRY_S)
        return False

    def room_secret(self, room: RoomKey) -> str:
        return node_room_secret(self.pool.get(self._origin(room)), room)

    def janus_room(self, room: RoomKey) -> int:
        return janus_room_id(room.merchant_id, "voice:" + room.room_id)

    # ------------------------------------------------------------------ rooms

    async def ensure_room(self, room: RoomKey, *, seats: int, prebuffer: int = 2, record: str | None = None,
                          region: str | None = None, events: bool = True) -> VoiceRoomInfo:
        """Create the voice room if missing (idempotent): AudioBridge room, origin mix mountpoint and, with
        ``events``, the monitor whose events :meth:`on_event` callbacks get (one process per room should
        ask for them: the one whose service opened the room; the signaling socket's recovery does not)."""
        if not 1 <= seats <= MAX_SEATS:
            raise ConfigError(f"a voice room has 1..{MAX_SEATS} seats")
        options = BridgeOptions(prebuffer=prebuffer)
        options.check()
        known = self._rooms.get(room)
        if record is None and known is not None:  # ensured again without a recording: it keeps recording
            record = known.record
        recording = recording_path(self.plane.recordings_dir, record) if record is not None else None
        spec = VoiceRoomSpec(room, seats, options, record, events or (known is not None and known.events))
        async with self._locks.setdefault(room, asyncio.Lock()):
            node = self.pool.place(room, region)
            await self.control(node.node_id)
            created = await self._create(room, node.node_id, spec)
            self._rooms[room] = spec
        return VoiceRoomInfo(room, self.janus_room(room), node.node_id, seats, prebuffer, recording, created)

    async def _create(self, room: RoomKey, node_id: str, spec: VoiceRoomSpec) -> bool:
        """The room on ``node_id`` (idempotent), its monitor (when ``spec.events``) and its origin mountpoint."""
        node = self.pool.get(node_id)
        control = self._controls[node_id]
        recording = recording_path(self.plane.recordings_dir, spec.record) if spec.record is not None else None
        if recording is not None:
            recording.parent.mkdir(parents=True, exist_ok=True)
        created = await control.create(
            self.janus_room(room), secret=node_room_secret(node, room), pin=node_room_pin(node, room),
            description=f"souk voice {room}", options=spec.options,
            record_dir=str(recording.parent) if recording else None,
            record_file=recording.name if recording else None)
        if spec.events and (room not in self._monitors or not self._monitors[room].handle.alive):
            await self._monitor(room, node_id)
        await self.mounts.mount(room, node_id, node_id)
        return created

    async def destroy_room(self, room: RoomKey) -> bool:
        """Destroy the voice room: listeners, mountpoints, forwarders, speakers (kicked), the recording closed.
        False when it did not exist. Idempotent."""
        async with self._locks.setdefault(room, asyncio.Lock()):
            spec = self._rooms.pop(room, None)
            node_id = self.pool.node_of(room)
            if node_id is None:  # another Souk process made it (its host ends it here): find it
                try:
                    node_id = await self._locate(room)
                except NoSuchRoom:
                    node_id = None
                self._found.pop(room, None)
            await self.mounts.drop_room(room)
            monitor = self._monitors.pop(room, None)
            if monitor is not None:
                await monitor.aclose()
            self._names.pop(room, None)
            if node_id is None:
                return False
            try:
                control = await self.control(node_id)
                destroyed = await control.destroy(self.janus_room(room),
                                                  secret=node_room_secret(self.pool.get(node_id), room))
            finally:
                self.pool.release(room)
        if destroyed and spec is not None and spec.record is not None:
            await wait_recording_closed(recording_path(self.plane.recordings_dir, spec.record), self.clock)
        return destroyed

    def room_spec(self, room: RoomKey) -> VoiceRoomSpec | None:
        return self._rooms.get(room)

    def _origin(self, room: RoomKey) -> str:
        node_id = self.pool.node_of(room)
        if node_id is None:
            raise NoSuchRoom(f"voice room {room} is not on the media plane (ensure_room first)", janus_code=485)
        return node_id

    # ------------------------------------------------------------------ speakers

    async def join_speaker(self, room: RoomKey, identity: str, *, muted: bool = False) -> Speaker:
        """``identity``'s speaker connection (call :meth:`Speaker.publish` with the browser's offer next).
        The same identity already in the room (another tab) is replaced. Conflict ``seats_full`` past the
        room's seats plus its host."""
        origin = self._origin(room)
        node = self.pool.get(origin)
        control = await self.control(origin)
        spec = self._rooms.get(room)
        pid = participant_id(room, identity)
        there = [p for p in await control.participants(self.janus_room(room)) if p.display != MONITOR]
        if spec is not None and sum(1 for p in there if p.participant != pid) >= spec.seats + 1:
            raise Conflict(f"voice room {room.room_id} has all its {spec.seats} seats and its host speaking",
                           code="seats_full")
        if any(p.participant == pid for p in there):  # the same speaker from another tab: the new one wins
            await control.moderate(self.janus_room(room), pid, "kick", secret=node_room_secret(node, room))
        link = await self.plane.link(origin)
        handle = await link.session.attach(PLUGIN)
        deadline = self.clock.now() + REPLACE_WAIT_S
        try:
            while True:
                try:
                    member, _ = await join(handle, room, self.janus_room(room), pid, pin=node_room_pin(node, room),
                                           display=identity, muted=muted, kind=Speaker,
                                           on_close=self._speaker_closed)
                    break
                except Conflict:  # the kicked tab is still leaving (Janus removes it a moment after the kick)
                    if self.clock.now() + RESTORE_RETRY_S > deadline:
                        raise
                    await self.clock.sleep(0.05)
        except BaseException:
            with contextlib.suppress(SoukError):
                await handle.detach()
            raise
        self._speakers.add(member)
        self.pool.load(origin).handles += 1
        return member

    def _speaker_closed(self, speaker: object) -> None:
        if isinstance(speaker, Speaker) and speaker in self._speakers:
            self._speakers.discard(speaker)
            node_id = self.pool.node_of(speaker.room)
            if node_id is not None:
                load = self.pool.load(node_id)
                load.handles = max(0, load.handles - 1)

    async def _locate(self, room: RoomKey) -> str:
        """The node of ``room``: where this process placed it, else the node whose AudioBridge has it (room ids
        are derived from the room, so another Souk process's room is found: host controls work from any
        process). NoSuchRoom when no reachable node has it."""
        node_id = self.pool.node_of(room) or self._found.get(room)
        if node_id is not None:
            return node_id
        for node in self.pool.nodes():
            try:
                if await (await self.control(node.node_id)).exists(self.janus_room(room)):
                    self._found[room] = node.node_id
                    return node.node_id
            except SoukError as exc:
                log.warning("looking for voice room %s on %s: %s", room, node.node_id, exc)
        raise NoSuchRoom(f"voice room {room} is on no media node", janus_code=485)

    async def mute(self, room: RoomKey, identity: str, muted: bool) -> bool:
        """Host mute (True) / unmute (False) of a speaker; False when it is not in the room."""
        origin = await self._locate(room)
        control = await self.control(origin)
        return await control.moderate(self.janus_room(room), participant_id(room, identity),
                                      "mute" if muted else "unmute",
                                      secret=node_room_secret(self.pool.get(origin), room))

    async def kick(self, room: RoomKey, identity: str) -> bool:
        """Remove a speaker from the AudioBridge (its socket is told ``voice.removed``); False: not there."""
        origin = await self._locate(room)
        control = await self.control(origin)
        return await control.moderate(self.janus_room(room), participant_id(room, identity), "kick",
                                      secret=node_room_secret(self.pool.get(origin), room))

    async def speakers(self, room: RoomKey) -> list[SpeakerState]:
        control = await self.control(await self._locate(room))
        return [SpeakerState(p.display, p.muted, p.talking, p.connected)
                for p in await control.participants(self.janus_room(room)) if p.display != MONITOR]

    # ------------------------------------------------------------------ listeners

    async def listen(self, room: RoomKey, *, region: str | None = None, node_id: str | None = None) -> Viewer:
        """A listener of the room's mix: a Streaming viewer on the origin or, past ``live.viewers_per_node``
        listeners there, on another node (``region`` first). Answer its ``offer`` with ``start``."""
        origin = self._origin(room)
        if room not in self._rooms:
            raise NoSuchRoom(f"voice room {room} was not ensured by this process", janus_code=485)
        await self.control(origin)  # a node that lost our session: its rooms and mountpoints are put back first
        return await self.mounts.listen(room, origin, region=region, node_id=node_id)

    def listeners(self, room: RoomKey) -> dict[str, int]:
        """Listeners of ``room`` this process placed, per node id."""
        return self.mounts.listeners(room)

    # ------------------------------------------------------------------ events

    def on_event(self, callback: Callable[[VoiceEvent], None]) -> None:
        """Call ``callback`` with every :data:`VoiceEvent` of the rooms this process ensured."""
        self._callbacks.append(callback)

    async def _monitor(self, room: RoomKey, node_id: str) -> None:
        node = self.pool.get(node_id)
        link = await self.plane.link(node_id)
        handle = await link.session.attach(PLUGIN)
        try:
            member, there = await join(handle, room, self.janus_room(room), participant_id(room, MONITOR),
                                       pin=node_room_pin(node, room), display=MONITOR, muted=True, kind=Monitor)
        except BaseException:
            with contextlib.suppress(SoukError):
                await handle.detach()
            raise
        self._monitors[room] = member
        self._names[room] = {p.participant: p.display for p in there if p.display != MONITOR}
        self._tasks.spawn(self._follow(member), f"voice-monitor:{room}")

    async def _follow(self, monitor: Monitor) -> None:
        room = monitor.room
        names = self._names.setdefault(room, {})
        while True:
            ev = await monitor.next_bridge_event()
            if isinstance(ev, HandleGone | RoomDestroyed):
                return
            if isinstance(ev, ParticipantUpdate):
                p = ev.participant
                if p.display == MONITOR:
                    continue
                if p.participant not in names:
                    names[p.participant] = p.display
                    self._emit(SpeakerJoined(room, p.display))
                    if p.muted:
                        self._emit(SpeakerMuted(room, p.display, True))
                else:
                    self._emit(SpeakerMuted(room, p.display, p.muted))
            elif isinstance(ev, ParticipantGone):
                identity = names.pop(ev.participant, None)
                if identity is not None:
                    self._emit(SpeakerLeft(room, identity, ev.reason))
            elif isinstance(ev, TalkingChanged) and ev.display != MONITOR:
                self._emit(Talking(room, ev.display or names.get(ev.participant, ""), ev.talking))

    def _emit(self, event: VoiceEvent) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # one consumer's bug must not stop the room's events
                log.exception("voice event callback failed on %s", event)

    # ------------------------------------------------------------------ life cycle

    async def aclose(self) -> None:
        """Close listeners, mountpoints, speakers and monitors this process opened. Idempotent. The rooms
        themselves stay on Janus until destroyed (another Souk process may be serving them)."""
        if self._closed:
            return
        self._closed = True
        await self._tasks.aclose()
        await self.mounts.aclose()
        for speaker in list(self._speakers):
            await speaker.aclose()
        for monitor in list(self._monitors.values()):
            await monitor.aclose()
        self._monitors.clear()
        for control in self._controls.values():
            with contextlib.suppress(SoukError):
                await control.handle.detach()
        self._controls.clear()
