"""AudioBridge plugin wrapper: voice-room control, speakers, the room monitor, and event translation.

A voice room is one AudioBridge room: every speaker sends Opus on one PeerConnection and hears the mix of the
others (never itself). Listeners never join it: the mix is ``rtp_forward``-ed to Streaming mountpoints
(:mod:`souk.media.voice_plane`).

The request bodies and :func:`translate` are pure (unit-tested without Janus). Facts measured on Janus 1.1.2
(Debian): a participant joining reaches the others as ``{"audiobridge": "joined", "participants": [...]}``;
mute flags, kicks and leaves come as ``"event"`` with ``participants`` / ``kicked`` / ``leaving``; the
kicked participant's own handle gets ``kicked`` with its own id; error 485 is "no such room", 486 "room
exists", 492 "no such user". ``record_file`` is taken relative to ``record_dir`` (even when it starts with
``/``) and Janus does not create folders.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from souk.core.errors import BadRequest, ConfigError, Conflict
from souk.core.tenancy import RoomKey
from souk.media import messages as m
from souk.media.client import HandleItem, JanusHandle
from souk.media.errors import JanusError, NoSuchRoom, RoomExists
from souk.media.events import HangUp, MediaEvent, RoomDestroyed
from souk.media.types import Jsep
from souk.media.videoroom import _Participant, check_sdp, handle_state

log = logging.getLogger(__name__)

PLUGIN = "janus.plugin.audiobridge"
OPUS_PT = 111
NO_SUCH_ROOM = 485
ROOM_EXISTS = 486
NO_SUCH_USER = 492
ID_EXISTS = 490
MONITOR = "souk-voice-monitor"
_MAX_SAFE = (1 << 53) - 1


def participant_id(room: RoomKey, identity: str) -> int:
    """The AudioBridge participant id of ``identity`` in ``room``: the same in every Souk process, so any of
    them can mute or kick a speaker by identity."""
    if not identity:
        raise BadRequest("a speaker needs an identity")
    text = f"{room.merchant_id}\x00{room.room_id}\x00{identity}"
    digest = hashlib.blake2b(text.encode(), digest_size=8, person=b"souk-voice").digest()
    return (int.from_bytes(digest, "big") & _MAX_SAFE) or 1


@dataclass(frozen=True, slots=True)
class BridgeOptions:
    """How a voice room mixes. ``prebuffer``: packets (20 ms) each speaker's jitter buffer holds before it is
    mixed (2 gave ~100 ms mouth-to-ear here, the default 6 gave 225 ms; 0 gives no audio). ``expected_loss``:
    the percent Opus in-band FEC is encoded for (the mix going out). ``active_packets``/``level_average``:
    the talking detector (a speaker talks when the average audio level over that many packets is below the
    average: 0 loudest, 127 silent)."""

    prebuffer: int = 2
    expected_loss: int = 10
    active_packets: int = 25
    level_average: int = 55
    sampling_rate: int = 48000

    def check(self) -> None:
        if not 1 <= self.prebuffer <= 50:
            raise ConfigError("voice prebuffer must be 1..50 packets of 20 ms (0 gives no audio)")
        if not 0 <= self.expected_loss <= 20:
            raise ConfigError("voice expected_loss must be 0..20 percent")
        if not 5 <= self.active_packets <= 500 or not 1 <= self.level_average <= 126:
            raise ConfigError("voice talking detector: active_packets 5..500, level_average 1..126")
        if self.sampling_rate not in (8000, 12000, 16000, 24000, 48000):
            raise ConfigError("voice sampling_rate must be one Opus supports")


# ------------------------------------------------------------------ pure request bodies


def create_body(room: int, *, admin_key: str, secret: str, pin: str, description: str, options: BridgeOptions,
                record_dir: str | None = None, record_file: str | None = None) -> dict[str, Any]:
    options.check()
    body: dict[str, Any] = {
        "request": "create", "room": room, "admin_key": admin_key, "secret": secret, "pin": pin,
        "description": description[:100], "is_private": True, "permanent": False,
        "sampling_rate": options.sampling_rate, "audiolevel_ext": True, "audiolevel_event": True,
        "audio_active_packets": options.active_packets, "audio_level_average": options.level_average,
        "default_prebuffering": options.prebuffer, "default_expectedloss": options.expected_loss,
        "record": record_file is not None,
    }
    if record_file is not None:
        if not record_dir:
            raise ConfigError("recording a voice room needs a record_dir")
        body["record_file"] = record_file
        body["record_dir"] = record_dir
    return body


def join_body(room: int, participant: int, *, pin: str, display: str, muted: bool = False,
              prebuffer: int | None = None, expected_loss: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"request": "join", "room": room, "id": participant, "pin": pin,
                            "display": display[:100], "muted": muted}
    if prebuffer is not None:
        body["prebuffer"] = prebuffer
    if expected_loss is not None:
        body["expected_loss"] = expected_loss
    return body


def rtp_forward_body(room: int, *, host: str, port: int, secret: str, admin_key: str, ssrc: int = 0
                     ) -> dict[str, Any]:
    """Forward the room's whole mix (Opus, ``OPUS_PT``) to ``host:port``; silence too, so a listener hears
    the room go quiet instead of losing its stream."""
    if not 0 < port <= 65535:
        raise BadRequest(f"bad forwarder port {port}")
    body: dict[str, Any] = {"request": "rtp_forward", "room": room, "host": host, "host_family": "ipv4",
                            "port": port, "ptype": OPUS_PT, "codec": "opus", "always_on": True,
                            "secret": secret, "admin_key": admin_key}
    if ssrc:
        body["ssrc"] = ssrc
    return body


def moderation_body(room: int, participant: int, *, action: Literal["mute", "unmute", "kick"], secret: str
                    ) -> dict[str, Any]:
    return {"request": action, "room": room, "id": participant, "secret": secret}


# ------------------------------------------------------------------ pure event translation


@dataclass(frozen=True, slots=True)
class BridgeParticipant:
    """One AudioBridge participant as Janus lists it (``display`` is the Souk identity)."""

    participant: int
    display: str
    muted: bool
    connected: bool
    talking: bool = False


@dataclass(frozen=True, slots=True)
class ParticipantUpdate:
    """A participant joined, or its flags changed (mute)."""

    room_id: str
    participant: BridgeParticipant


@dataclass(frozen=True, slots=True)
class ParticipantGone:
    room_id: str
    participant: int
    reason: Literal["left", "kicked"]


@dataclass(frozen=True, slots=True)
class TalkingChanged:
    room_id: str
    participant: int
    display: str
    talking: bool


BridgeEvent = ParticipantUpdate | ParticipantGone | TalkingChanged | MediaEvent


def participant_from(data: dict[str, Any]) -> BridgeParticipant:
    return BridgeParticipant(participant=int(data["id"]), display=str(data.get("display") or ""),
                             muted=bool(data.get("muted")), connected=bool(data.get("setup")),
                             talking=bool(data.get("talking")))


def translate(room_id: str, item: HandleItem) -> list[BridgeEvent]:
    """Typed events for one message Janus sent an AudioBridge handle (possibly none, possibly several)."""
    state = handle_state(item)
    if state is not None:
        return list(state)
    assert isinstance(item, m.Event)
    data = item.plugindata.data if item.plugindata else {}
    kind = data.get("audiobridge")
    out: list[BridgeEvent] = []
    if kind == "destroyed":
        out.append(RoomDestroyed(room_id))
    elif kind in ("talking", "stopped-talking") and isinstance(data.get("id"), int):
        out.append(TalkingChanged(room_id, int(data["id"]), str(data.get("display") or ""), kind == "talking"))
    elif kind in ("joined", "event"):
        for p in data.get("participants") or []:
            if isinstance(p, dict) and isinstance(p.get("id"), int):
                out.append(ParticipantUpdate(room_id, participant_from(p)))
        for key, reason in (("leaving", "left"), ("kicked", "kicked")):
            value = data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                out.append(ParticipantGone(room_id, value, reason))  # type: ignore[arg-type]
    return out


def _ab_error(exc: JanusError) -> JanusError:
    """AudioBridge's own codes as the plane's error classes (the VideoRoom ones are mapped in media.errors)."""
    if exc.janus_code == NO_SUCH_ROOM:
        return NoSuchRoom(exc.message, janus_code=exc.janus_code)
    if exc.janus_code == ROOM_EXISTS:
        return RoomExists(exc.message, janus_code=exc.janus_code)
    return exc


# ------------------------------------------------------------------ room control


class BridgeControl:
    """Voice-room requests through one AudioBridge control handle on a node."""

    def __init__(self, handle: JanusHandle, admin_key: str) -> None:
        self.handle = handle
        self.admin_key = admin_key

    async def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            data, _ = await self.handle.message(body)
        except JanusError as exc:
            raise _ab_error(exc) from exc
        return data

    async def create(self, room: int, *, secret: str, pin: str, description: str, options: BridgeOptions,
                     record_dir: str | None = None, record_file: str | None = None) -> bool:
        """Create the room; False when it already exists (idempotent)."""
        try:
            await self._send(create_body(room, admin_key=self.admin_key, secret=secret, pin=pin,
                                         description=description, options=options, record_dir=record_dir,
                                         record_file=record_file))
        except RoomExists:
            return False
        return True

    async def destroy(self, room: int, *, secret: str) -> bool:
        """Destroy the room (everyone is kicked, the recording closed); False when it did not exist."""
        try:
            await self._send({"request": "destroy", "room": room, "secret": secret, "permanent": False})
        except NoSuchRoom:
            return False
        return True

    async def exists(self, room: int) -> bool:
        data = await self._send({"request": "exists", "room": room})
        return bool(data.get("exists"))

    async def participants(self, room: int) -> list[BridgeParticipant]:
        data = await self._send({"request": "listparticipants", "room": room})
        return [participant_from(p) for p in data.get("participants") or []
                if isinstance(p, dict) and isinstance(p.get("id"), int)]

    async def moderate(self, room: int, participant: int, action: Literal["mute", "unmute", "kick"], *,
                       secret: str) -> bool:
        """Host mute / unmute / kick of one participant; False when no such participant is in the room."""
        try:
            await self._send(moderation_body(room, participant, action=action, secret=secret))
        except JanusError as exc:
            if exc.janus_code == NO_SUCH_USER:
                return False
            raise
        return True

    async def forward(self, room: int, *, host: str, port: int, secret: str) -> int:
        """Start forwarding the mix to ``host:port``; returns the forwarder's stream id."""
        data = await self._send(rtp_forward_body(room, host=host, port=port, secret=secret,
                                                 admin_key=self.admin_key))
        try:
            return int(data["stream_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise JanusError(f"audiobridge rtp_forward: no stream_id ({data!r:.200})") from exc

    async def stop_forward(self, room: int, stream_id: int, *, secret: str) -> bool:
        """Stop a forwarder; False when the room (or the forwarder) is already gone."""
        try:
            await self._send({"request": "stop_rtp_forward", "room": room, "stream_id": int(stream_id),
                              "secret": secret, "admin_key": self.admin_key})
        except NoSuchRoom:
            return False
        except JanusError as exc:
            if exc.kind == "not_found":
                return False
            raise
        return True


# ------------------------------------------------------------------ participants

M = TypeVar("M", bound="_BridgeMember")


class _BridgeMember(_Participant):
    """An AudioBridge handle: events translated with :func:`translate`."""

    def __init__(self, handle: JanusHandle, room: RoomKey, janus_room: int, participant: int, display: str,
                 on_close: Callable[[_Participant], None] | None = None) -> None:
        super().__init__(handle, room, janus_room, on_close)
        self.participant = participant
        self.display = display
        self.removed = ""  # "kicked" / "left" / "room_destroyed" once Janus removed this participant
        self._bridge_backlog: list[BridgeEvent] = []

    async def next_bridge_event(self, timeout: float | None = None) -> BridgeEvent:
        while not self._bridge_backlog:
            item = await self.handle.next(timeout)
            self._bridge_backlog.extend(translate(self.room.room_id, item))
        return self._bridge_backlog.pop(0)

    async def next_event(self, timeout: float | None = None) -> MediaEvent:
        """The next media event of this handle; a kick of this speaker or the room's end end it (HandleGone
        "closed" after the participant is gone on Janus's side)."""
        while True:
            ev = await self.next_bridge_event(timeout)
            if isinstance(ev, ParticipantGone) and ev.participant == self.participant:
                self.removed = ev.reason
                return HangUp(reason=ev.reason)
            if isinstance(ev, RoomDestroyed):
                self.removed = "room_destroyed"
                return ev
            if isinstance(ev, ParticipantUpdate | ParticipantGone | TalkingChanged):
                continue
            return ev

    async def _leave(self) -> None:
        try:
            await self.handle.message({"request": "leave"}, timeout=3.0)
        except JanusError as exc:  # already kicked, room already gone: nothing to leave
            log.debug("voice participant %s: leave refused (%s)", self.participant, exc)


class Speaker(_BridgeMember):
    """A speaker's PeerConnection into the AudioBridge. Events: WebrtcUp, HangUp (``reason`` "kicked" when the
    host removed it), RoomDestroyed, HandleGone."""

    role = "speaker"

    async def publish(self, offer: Jsep) -> Jsep:
        """Send the browser's offer (audio, Opus); returns Janus's answer."""
        if offer.type != "offer":
            raise BadRequest("a speaker connection needs an SDP offer")
        check_sdp(offer)
        data, jsep = await self.handle.message({"request": "configure"}, offer.to_dict())
        if jsep is None or jsep.get("type") != "answer":
            raise JanusError(f"audiobridge configure got no answer ({data.get('audiobridge')})")
        return Jsep.from_dict(jsep)

    async def restart_ice(self, offer: Jsep) -> Jsep:
        """The browser's ICE-restart offer on the same connection: Janus answers with new credentials."""
        return await self.publish(offer)

    async def set_muted(self, muted: bool) -> None:
        """Self mute: the speaker stops being mixed (the room hears the mute flag change)."""
        await self.handle.message({"request": "configure", "muted": bool(muted)})


class Monitor(_BridgeMember):
    """A silent participant without a PeerConnection that hears every participant event of the room."""

    role = "monitor"


async def join(handle: JanusHandle, room: RoomKey, janus_room: int, participant: int, *, pin: str, display: str,
               muted: bool, kind: type[M], on_close: Callable[[_Participant], None] | None = None
               ) -> tuple[M, list[BridgeParticipant]]:
    """Join ``janus_room`` as ``participant``; returns the member and who was there before."""
    try:
        data, _ = await handle.message(join_body(janus_room, participant, pin=pin, display=display, muted=muted))
    except JanusError as exc:
        if exc.janus_code == ID_EXISTS:
            raise Conflict(f"{display!r} is already in voice room {room.room_id}", code="already_speaking") from exc
        raise _ab_error(exc) from exc
    if data.get("audiobridge") != "joined":
        raise JanusError(f"audiobridge join: unexpected reply {data.get('audiobridge')!r}")
    others = [participant_from(p) for p in data.get("participants") or []
              if isinstance(p, dict) and isinstance(p.get("id"), int)]
    return kind(handle, room, janus_room, participant, display, on_close), others


__all__ = [
    "PLUGIN",
    "BridgeControl",
    "BridgeEvent",
    "BridgeOptions",
    "BridgeParticipant",
    "Monitor",
    "ParticipantGone",
    "ParticipantUpdate",
    "Speaker",
    "TalkingChanged",
    "create_body",
    "join",
    "join_body",
    "participant_id",
    "rtp_forward_body",
    "translate",
]
