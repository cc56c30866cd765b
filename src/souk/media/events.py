"""Typed media events delivered per handle (publisher or subscriber), in order.

Janus's asynchronous messages (plugin events, webrtcup, media, hangup, slowlink, detached) are turned into
these by :mod:`souk.media.videoroom`; a consumer matches on the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from souk.media.types import Feed, Jsep


@dataclass(frozen=True, slots=True)
class PublisherJoined:
    """Another participant started publishing in the room (its feed can now be subscribed to)."""

    room_id: str
    feed: Feed


@dataclass(frozen=True, slots=True)
class PublisherLeft:
    """A feed went away: the participant unpublished, left, or was kicked."""

    room_id: str
    feed_id: int
    reason: Literal["unpublished", "left", "kicked"]


@dataclass(frozen=True, slots=True)
class WebrtcUp:
    """This handle's PeerConnection is up (ICE + DTLS done)."""


@dataclass(frozen=True, slots=True)
class MediaState:
    """Janus started or stopped receiving a medium on this handle."""

    kind: str  # "audio" | "video"
    receiving: bool
    mid: str = ""


@dataclass(frozen=True, slots=True)
class SlowLink:
    """Janus saw packet loss on this handle (uplink: from the peer to Janus)."""

    uplink: bool
    lost: int
    kind: str = ""


@dataclass(frozen=True, slots=True)
class HangUp:
    """This handle's PeerConnection was closed (the handle itself may still exist)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Renegotiate:
    """Janus sent a new session description for this handle (e.g. subscriber update)."""

    jsep: Jsep


@dataclass(frozen=True, slots=True)
class RoomDestroyed:
    room_id: str


@dataclass(frozen=True, slots=True)
class HandleGone:
    """The handle is gone for good: detached, its session timed out, or the Janus node was lost."""

    reason: Literal["detached", "session_timeout", "node_lost", "closed"]


@dataclass(frozen=True, slots=True)
class Talking:
    """VideoRoom's audio-level verdict on a publisher (rooms created with ``talking``): ``feed_id`` started
    (True) or stopped (False) talking; ``level`` is the average dBov of the window (0 loudest, 127 silence)."""

    room_id: str
    feed_id: int
    talking: bool
    level: float = 127.0


MediaEvent = (
    PublisherJoined | PublisherLeft | WebrtcUp | MediaState | SlowLink | HangUp | Renegotiate | RoomDestroyed
    | HandleGone | Talking
)
