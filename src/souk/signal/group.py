"""Group calls on the signaling socket (docs/group-calls.md): who may join, raised hands, the active speaker.

A group call is a room of kind ``group``: up to :data:`MAX_CAMERAS` people on camera in one VideoRoom
(``conference`` media kind, simulcast publishers). A screen share is a second feed of its owner, published by a
second signaling connection of identity ``<owner>~screen`` (a token minted by ``POST
/v1/group-calls/{room}/screen-token``), so every feed stays one participant's one publisher: at most
:data:`MAX_SCREENS` at a time. A 10th person on camera is refused ``call_full`` at ``join`` (nothing joined,
nothing to undo); a second screen ``screen_busy``.

Who is talking comes from the media server: rooms of the ``conference`` kind are created with VideoRoom's
audio-level events (souk.media.videoroom TALK_*), one decision for everyone from the audio Janus receives,
whatever each client subscribes to (a hidden tile's video is not relayed, and clients would each measure a
different mix). Each member's own session relays its own verdicts as ``speaking``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from souk.core.errors import Conflict, NotFound
from souk.core.tenancy import RoomKey
from souk.media import events as ev
from souk.signal import messages as m
from souk.signal.hub import SignalHub
from souk.signal.ports import PublisherPort

log = logging.getLogger(__name__)

MAX_CAMERAS = 9
MAX_SCREENS = 1
PUBLISHERS = MAX_CAMERAS + MAX_SCREENS  # the VideoRoom's publishers: cameras and the screen share
SCREEN_SUFFIX = "~screen"


def is_screen(identity: str) -> bool:
    return identity.endswith(SCREEN_SUFFIX) and len(identity) > len(SCREEN_SUFFIX)


def screen_of(identity: str) -> str:
    """The identity of ``identity``'s screen share."""
    return identity + SCREEN_SUFFIX


def owner_of(identity: str) -> str:
    """Whose feed this is: a screen share's owner, else the identity itself."""
    return identity[: -len(SCREEN_SUFFIX)] if is_screen(identity) else identity


def admit(hub: SignalHub, room: RoomKey, identity: str, kind: str) -> None:
    """Refuse ``identity`` joining ``room`` (of Souk room ``kind``) when it is a full group call: call it right
    before the hub adds the member (no await in between, so two joins cannot both take the last place)."""
    if kind != "group":
        return
    others = [x for x in hub.participants(room) if x.identity != identity]
    if is_screen(identity):
        sharing = [owner_of(x.identity) for x in others if is_screen(x.identity)]
        if len(sharing) >= MAX_SCREENS:
            raise Conflict(f"{sharing[0]} is sharing a screen: one share at a time", code=m.ErrorCode.SCREEN_BUSY,
                           details={"sharing": sharing[0]})
        if not any(x.identity == owner_of(identity) for x in others):
            raise NotFound("join the call before sharing a screen", code=m.ErrorCode.NOT_JOINED)
        return
    cameras = sum(1 for x in others if not is_screen(x.identity))
    if cameras >= MAX_CAMERAS:
        log.info("group call %s: %s refused, %d on camera already", room, identity, cameras)
        raise Conflict(f"this call already has {MAX_CAMERAS} people on camera", code=m.ErrorCode.CALL_FULL,
                       details={"max": MAX_CAMERAS})


def raise_hand(hub: SignalHub, room: RoomKey, identity: str, raised: bool, by: str = "") -> bool:
    """Record ``identity``'s hand (raised or lowered by itself, or lowered by ``by``) and tell the room.
    False when it is not a member or the hand was already so."""
    member = hub.member(room, identity)
    if member is None or member.hand == raised:
        return False
    member.hand = raised
    if member.seen:
        hub.broadcast(room, m.HandEvent(participant=identity, raised=raised, by=by))
    return True


def hand(hub: SignalHub, room: RoomKey, identity: str, msg: m.Hand) -> m.Ack:
    """The ``hand`` message: raise or lower one's own hand (raising it twice changes nothing)."""
    raise_hand(hub, room, identity, msg.raised)
    return m.Ack(id=msg.id)


class Talker(Protocol):
    """What :func:`speaking` needs of a signaling session."""

    hub: SignalHub
    publisher: PublisherPort | None

    @property
    def room(self) -> RoomKey | None: ...

    @property
    def identity(self) -> str: ...


def speaking(session: Talker, event: ev.Talking) -> None:
    """A ``Talking`` event on a member's own publisher handle: tell the room when it is about that member's
    own feed (Janus tells every publisher in the room about every talker; each relays only its own)."""
    room, publisher = session.room, session.publisher
    if room is None or publisher is None or int(publisher.feed_id) != event.feed_id:
        return
    member = session.hub.member(room, session.identity)
    if member is None or not member.seen:
        return
    member.talking = event.talking  # a member joining later hears it in its participant info
    session.hub.broadcast(room, m.Speaking(participant=session.identity, talking=event.talking,
                                           level=round(event.level, 1)))
