"""A signaling session's voice-room connections: one speaker connection into the room's AudioBridge (for a seat
holder or the host) and one listener connection to the room's mix, over the media plane's voice rooms
(:mod:`souk.media.voice_plane`, reached through :class:`VoicePort`).

Who may speak is the voice-room service's word (:class:`SeatPolicy`, souk.voice): a seat granted in the database
lets that identity open a speaker connection; a seat taken away is a kick on the media plane, which this module
hears on the speaker's handle and tells the page (``voice.removed``). Messages: :mod:`souk.signal.voice_messages`.
Every handle opened here is closed on ``voice.unspeak``/``voice.unlisten``, when the session leaves its room
(:meth:`VoiceSignals.drop`) and when the socket goes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from souk.auth.tokens import AccessClaims
from souk.core.errors import BadRequest, Conflict, Forbidden, SoukError, Unavailable
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media import events as ev
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.signal import voice_messages as v
from souk.signal.handles import candidate, check_sdp, close_handle, media_error, sdp_error
from souk.signal.hub import Outbox
from souk.signal.ports import MediaHandle, ReceiverPort, RoomDirectory
from souk.signal.reset import LOST_REASONS

log = logging.getLogger(__name__)

RECOVER_SEATS = 16  # seats when the socket has to put a voice room back on the plane (a Souk restart)


class SpeakerPort(MediaHandle, Protocol):
    """A speaker's AudioBridge connection (:class:`souk.media.audiobridge.Speaker`)."""

    removed: str

    async def publish(self, offer: Jsep) -> Jsep: ...

    async def set_muted(self, muted: bool) -> None: ...


class VoicePort(Protocol):
    """What the socket needs of the media plane's voice rooms (:class:`souk.media.voice_plane.VoicePlane`)."""

    def room_spec(self, room: RoomKey) -> object | None: ...

    async def ensure_room(self, room: RoomKey, *, seats: int, prebuffer: int = 2, record: str | None = None,
                          region: str | None = None, events: bool = True) -> object: ...

    async def join_speaker(self, room: RoomKey, identity: str, *, muted: bool = False) -> SpeakerPort: ...

    async def listen(self, room: RoomKey, *, region: str | None = None, node_id: str | None = None
                     ) -> ReceiverPort: ...

    async def wait_restored(self, room: RoomKey, timeout_s: float = 30.0) -> bool:
        """After the room's media node was lost: True once the voice room is back on it."""


class SeatPolicy(Protocol):
    """The voice-room service's answers (souk.voice implements it; the database is the truth)."""

    async def may_speak(self, room: RoomKey, identity: str) -> bool:
        """``identity`` holds a seat in ``room`` (or is its host): it may open a speaker connection."""

    async def host_muted(self, room: RoomKey, identity: str) -> bool:
        """The host muted ``identity``: a self-unmute is refused (``host_muted``)."""


class VoiceSessionView(Protocol):
    """What this module needs of the signaling session it serves."""

    claims: AccessClaims
    outbox: Outbox
    rooms: RoomDirectory

    @property
    def room(self) -> RoomKey | None: ...


class VoiceSignals:
    def __init__(self, session: VoiceSessionView, plane: VoicePort | None, seats: SeatPolicy | None) -> None:
        self.session = session
        self.plane = plane
        self.seats = seats
        self.speaker: SpeakerPort | None = None
        self.listener: ReceiverPort | None = None
        self._tasks = TaskOwner(f"voice:{session.claims.identity}")
        self._reset: asyncio.Task[None] | None = None

    @property
    def identity(self) -> str:
        return self.session.claims.identity

    async def handle(self, msg: v.VoiceClientMessage) -> m.ServerMessage | v.VoiceServerMessage:
        try:
            return await self._handle(msg)
        except SoukError as exc:  # never a janus_<n> code on the socket
            raise media_error(exc) from exc

    async def _handle(self, msg: v.VoiceClientMessage) -> m.ServerMessage | v.VoiceServerMessage:
        room = await self._voice_room()
        match msg:
            case v.VoiceSpeak():
                return await self.speak(room, msg)
            case v.VoiceMute():
                await self.mute(room, msg.muted)
            case v.VoiceUnspeak():
                if self.speaker is None:
                    raise Conflict("not speaking", code=v.VoiceErrorCode.NOT_SPEAKING)
                await self._drop_speaker()
            case v.VoiceListen():
                return await self.listen(room, msg)
            case v.VoiceAnswer():
                listener = self._listening()
                check_sdp(msg.sdp, "answer")
                try:
                    await listener.start(Jsep("answer", msg.sdp))
                except SoukError as exc:
                    await self._drop_listener()
                    raise sdp_error(exc) from exc
            case v.VoiceUnlisten():
                self._listening()
                await self._drop_listener()
            case v.VoiceTrickle():
                handle: MediaHandle | None = self.speaker if msg.target == "speak" else self.listener
                if handle is None:
                    raise Conflict(f"no {msg.target} connection", code=v.VoiceErrorCode.NOT_SPEAKING
                                   if msg.target == "speak" else v.VoiceErrorCode.NOT_LISTENING)
                await handle.trickle(candidate(msg.candidate))
        return m.Ack(id=msg.id)

    async def _voice_room(self) -> RoomKey:
        room = self.session.room
        if room is None:
            raise Conflict("join a room first", code=m.ErrorCode.NOT_JOINED)
        kind = await self.session.rooms.open_room_kind(room.merchant_id, room.room_id)
        if kind != "voice":
            raise Conflict(f"room {room.room_id} is a {kind} room, not a voice room",
                           code=v.VoiceErrorCode.NOT_VOICE_ROOM)
        return room

    def _plane(self) -> VoicePort:
        if self.plane is None:
            raise Unavailable("no media plane is running", code=m.ErrorCode.MEDIA_UNAVAILABLE)
        return self.plane

    async def _ensure(self, room: RoomKey) -> VoicePort:
        plane = self._plane()
        if plane.room_spec(room) is None:  # the service puts it there when the room opens: this is recovery
            await plane.ensure_room(room, seats=RECOVER_SEATS, events=False)
        return plane

    # ---- speaking ----
    async def speak(self, room: RoomKey, msg: v.VoiceSpeak) -> m.SdpAnswer:
        if self.seats is None or not await self.seats.may_speak(room, self.identity):
            log.warning("voice room %s: %s asked to speak without a seat; refused", room, self.identity)
            raise Forbidden("speaking in a voice room needs a seat (or the host role)",
                            code=v.VoiceErrorCode.NOT_SEATED)
        if self.speaker is not None:
            raise Conflict("already speaking", code=v.VoiceErrorCode.ALREADY_SPEAKING)
        check_sdp(msg.sdp, "speak offer")
        check_voice_offer(msg.sdp)
        plane = await self._ensure(room)
        muted = await self.seats.host_muted(room, self.identity)
        speaker = await plane.join_speaker(room, self.identity, muted=muted)
        self.speaker = speaker
        try:
            answer = await speaker.publish(Jsep("offer", msg.sdp))
        except SoukError as exc:
            await self._drop_speaker()
            raise sdp_error(exc) from exc
        except BaseException:
            await self._drop_speaker()
            raise
        self._tasks.spawn(self._pump(speaker, "speak", speaker), "voice-speak-events")
        log.info("voice room %s: %s speaks%s", room, self.identity, " (host-muted)" if muted else "")
        return m.SdpAnswer(id=msg.id, sdp=answer.sdp)

    async def mute(self, room: RoomKey, muted: bool) -> None:
        if self.speaker is None:
            raise Conflict("not speaking", code=v.VoiceErrorCode.NOT_SPEAKING)
        if not muted and self.seats is not None and await self.seats.host_muted(room, self.identity):
            raise Forbidden("the host muted you", code=v.VoiceErrorCode.HOST_MUTED)
        await self.speaker.set_muted(muted)

    # ---- listening ----
    async def listen(self, room: RoomKey, msg: v.VoiceListen) -> v.VoiceOffer:
        if self.listener is not None:
            raise Conflict("already listening", code=v.VoiceErrorCode.ALREADY_LISTENING)
        plane = await self._ensure(room)
        region = self.session.claims.metadata.get("region")
        listener = await plane.listen(room, region=region if isinstance(region, str) else None)
        self.listener = listener
        self._tasks.spawn(self._pump(listener, "listen", None), "voice-listen-events")
        return v.VoiceOffer(id=msg.id, sdp=listener.offer.sdp)

    def _listening(self) -> ReceiverPort:
        if self.listener is None:
            raise Conflict("not listening", code=v.VoiceErrorCode.NOT_LISTENING)
        return self.listener

    # ---- events ----
    async def _pump(self, handle: MediaHandle, target: str, speaker: SpeakerPort | None) -> None:
        push = self.session.outbox.push
        async for event in handle.events():
            match event:
                case ev.WebrtcUp():
                    push(m.MediaState(participant=self.identity, target=target, webrtc="up"))
                case ev.HangUp() | ev.RoomDestroyed() | ev.HandleGone():
                    push(m.MediaState(participant=self.identity, target=target, webrtc="down"))
                    reason = _removal(event, speaker.removed if speaker is not None else "")
                    if speaker is not None and reason and speaker is self.speaker:
                        room = self.session.room
                        self.session.outbox.push_frame(v.encode(v.VoiceRemoved(
                            room=room.room_id if room else "", reason=reason)))  # type: ignore[arg-type]
                    if reason == "media_lost":
                        self._media_lost()
                    if reason or isinstance(event, ev.HandleGone):
                        self._tasks.spawn(self._forget(handle), f"voice-forget-{target}")
                        return
                case _:
                    pass

    def _media_lost(self) -> None:
        """The media server under our connections was lost: tell the page ``media.reset`` once the voice room
        is back (the SDK then opens again what was open), as the session does for its VideoRoom handles."""
        if self._reset is None or self._reset.done():
            self._reset = self._tasks.spawn(self._reset_after_loss(), "voice-media-reset")

    async def _reset_after_loss(self) -> None:
        room = self.session.room
        if room is None or self.plane is None:
            return
        if not await self.plane.wait_restored(room):
            log.warning("voice room %s: not restored; %s gets no media.reset", room, self.identity)
            return
        if self.session.room == room:
            self.session.outbox.push(m.MediaReset(room=room.room_id))
            log.info("voice room %s: media.reset sent to %s", room, self.identity)

    async def _forget(self, handle: MediaHandle) -> None:
        if handle is self.speaker:
            await self._drop_speaker()
        elif handle is self.listener:
            await self._drop_listener()

    async def _drop_speaker(self) -> None:
        handle, self.speaker = self.speaker, None
        if handle is not None:
            await close_handle(handle)

    async def _drop_listener(self) -> None:
        handle, self.listener = self.listener, None
        if handle is not None:
            await close_handle(handle)

    async def drop(self) -> None:
        """Close both connections (the session leaves its room, or its media was lost)."""
        await self._drop_speaker()
        await self._drop_listener()

    async def aclose(self) -> None:
        await self.drop()
        await self._tasks.aclose()


def _removal(event: object, removed: str) -> str:
    """Why the server closed a connection, as ``voice.removed`` says it ("" when the client closed it);
    ``removed``: what the speaker's handle says Janus did to it (kicked, left)."""
    if isinstance(event, ev.RoomDestroyed):
        return "room_destroyed"
    if isinstance(event, ev.HandleGone):
        return "media_lost" if event.reason in LOST_REASONS else ""
    return removed


def check_voice_offer(sdp: str) -> None:
    """A speaker offer must carry audio (the AudioBridge mixes nothing else)."""
    if "\nm=audio " not in sdp and not sdp.startswith("m=audio "):
        raise BadRequest("a voice.speak offer needs an audio m-line", code=m.ErrorCode.BAD_SDP)
