"""Signaling wire types (pure: no I/O). JSON objects tagged by ``type``.

Client -> server requests carry an ``id`` chosen by the client; the reply (``ack``, ``joined``,
``answer``, ``offer`` or ``error``) echoes it. Server pushes (events) have no id.

Protocol, in order:
  connect ``/v1/signal?token=<access token>`` (or connect bare and send ``{"type":"auth","token":...}``
  as the first message) -> server sends ``welcome``;
  ``join`` -> ``joined`` (participants and published feeds already in the room; with ``"subscribe": true``
  also one ``offer`` per feed, saving a round trip per feed on slow links);
  ``publish`` (SDP offer) -> ``answer`` (Janus's SDP answer);
  ``subscribe`` (a feed's participant id) -> ``offer`` (Janus's SDP offer, with ``sub``) -> client ``answer``;
  ``trickle`` (ICE candidates for ``pub`` or a ``sub``), ``mute``, ``unsubscribe``, ``unpublish``, ``leave``;
  ``layer`` picks a simulcast layer for a subscription (see docs/live-stage.md); ``receive`` stops or resumes a
  subscription's video; ``restart`` restarts ICE on ``pub`` or a subscription (docs/resilience.md);
  ``warm`` -> ``offer`` (``warm: true``): a subscriber connection held on the client's own feed with nothing
  relayed once the server pushes ``warmed``, answered as usual; ``switch`` (sub, feed) -> ``switched``: that
  connection now carries ``feed``
  (a consult warms while it rings, then switches to the seller: no ICE/DTLS on the accept path).
  Group calls (docs/group-calls.md): ``hand`` (raised) -> ``ack``, the room hears ``hand``; the room hears
  ``speaking`` as the media server hears members start and stop talking.
  A staff token joining a consult room while its call rings joins backstage (``joined`` lists nobody, its feed
  is announced to nobody, ``subscribe``/``switch`` answer ``backstage``); the accept seats the seller who
  answered (``participant.joined`` and ``published`` both ways); the others get ``room.closed``
  (``answered_elsewhere``).
Errors: ``{"type":"error","id":...,"code":"...","message":"..."}`` with a stable code (see ``ErrorCode``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

MAX_UPLINK_RTT_MS = 60_000  # an ``uplink`` report above this is malformed

MediaKind = Literal["audio", "video"]
CallState = Literal["ringing", "accepted", "declined", "missed", "cancelled", "ended", "failed", "interrupted"]


class _Msg(msgspec.Struct, tag_field="type", forbid_unknown_fields=False, omit_defaults=True):
    pass


# ---- client -> server ---------------------------------------------------------------------------


class Auth(_Msg, tag="auth"):
    token: str
    id: str = ""


class Join(_Msg, tag="join"):
    room: str
    id: str = ""
    name: str = ""
    subscribe: bool = False  # also subscribe to every feed already up: offers come back in ``joined``


class Publish(_Msg, tag="publish"):
    sdp: str
    id: str = ""
    audio: bool = True
    video: bool = True


class Subscribe(_Msg, tag="subscribe"):
    feed: str  # the publishing participant's identity
    id: str = ""
    room: str = ""  # live PK: the linked partner room whose host/co-host feed this is (default: own room)


class Answer(_Msg, tag="answer"):
    sub: str
    sdp: str
    id: str = ""


class Candidate(msgspec.Struct, omit_defaults=True):
    candidate: str
    sdpMid: str | None = None
    sdpMLineIndex: int | None = None


class Trickle(_Msg, tag="trickle"):
    target: str  # "pub" or a subscription id
    candidate: Candidate | None = None  # None = gathering completed
    id: str = ""


class Mute(_Msg, tag="mute"):
    kind: MediaKind
    muted: bool
    id: str = ""


class Layer(_Msg, tag="layer"):
    """Pick the simulcast layer of a subscription: substream 0 (lowest) .. 2 (highest), temporal 0..2."""

    sub: str
    substream: int
    id: str = ""
    temporal: int | None = None


class Receive(_Msg, tag="receive"):
    """What a subscription relays: ``video: false`` stops its video (the SDK's audio-only fallback when the
    link collapses), ``true`` resumes it (Janus sends the publisher a keyframe request: the SDK also sends it
    to a subscription whose picture is stuck on a lost reference, sdk/playout.js). Audio always flows."""

    sub: str
    video: bool
    id: str = ""


class Restart(_Msg, tag="restart"):
    """ICE restart after an outage, the call goes on (same handles, same feeds, same ids): ``target`` "pub"
    with the browser's ICE-restart offer -> ``answer``; a subscription id -> ``offer`` (Janus's, new ICE
    credentials), answered with ``answer`` as usual."""

    target: str
    sdp: str = ""
    id: str = ""


class Warm(_Msg, tag="warm"):
    """Open a subscriber connection before there is anything to watch (a consult while it rings).

    Janus needs a feed to subscribe to, so the client's own published feed holds the m-lines. Its audio is
    held at once (``send: false``), its video once Janus can resend lost packets on the connection; then the
    server pushes :class:`Warmed`. The client answers the offer as usual; a later :class:`Switch` points the
    connected subscription at the other side's feed without renegotiation."""

    id: str = ""


class Switch(_Msg, tag="switch"):
    """Point a subscription's m-lines at another participant's feed in the same room (VideoRoom switch)."""

    sub: str
    feed: str
    id: str = ""


class Unsubscribe(_Msg, tag="unsubscribe"):
    sub: str
    id: str = ""


class Unpublish(_Msg, tag="unpublish"):
    id: str = ""


class Leave(_Msg, tag="leave"):
    id: str = ""


class Ping(_Msg, tag="ping"):
    id: str = ""


class Hand(_Msg, tag="hand"):
    """Raise (or lower) this client's hand in its room: the room hears ``hand`` (group calls)."""

    raised: bool
    id: str = ""


class Uplink(_Msg, tag="uplink"):
    """The round trip of this client's publishing connection (ms), as its browser measures it: the room hears
    ``feed.link`` when it changed enough. Its subscribers' SDKs size their video hold and their stuck-picture
    watch by it, since a packet the publisher's link lost comes back only after a repair on that link (Janus
    asks the publisher again), which they cannot see (sdk/playout.js)."""

    rtt_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_UPLINK_RTT_MS)]
    id: str = ""


ClientMessage = (
    Auth | Join | Publish | Subscribe | Warm | Switch | Answer | Trickle | Mute | Layer | Receive | Restart
    | Unsubscribe | Unpublish | Leave | Ping | Hand | Uplink
)

# ---- server -> client ---------------------------------------------------------------------------


class ParticipantInfo(msgspec.Struct, omit_defaults=True):
    identity: str
    role: str
    name: str = ""
    hand: bool = False  # a raised hand (group calls)
    talking: bool = False  # the media server hears it talking now (group calls)


class FeedInfo(msgspec.Struct):
    participant: str
    audio: bool = True
    video: bool = True
    audio_muted: bool = False
    video_muted: bool = False
    simulcast: bool = False  # the video comes as simulcast layers: subscribers pick one (``layer``)
    rtt_ms: int = 0  # the publisher's round trip as it last reported it (``uplink``); 0: not reported


class CallInfo(msgspec.Struct, omit_defaults=True):
    call_id: str
    room: str
    shopper: str
    state: CallState
    product_sku: str = ""
    product_name: str = ""
    language: str = ""
    shopper_name: str = ""
    seller: str = ""
    requested_at: float = 0.0
    answered_at: float = 0.0
    ended_at: float = 0.0
    ring_timeout_s: float = 0.0
    origin_room: str = ""  # asked for from this live show (souk.api.routes.live consult)
    note: str = ""
    origin_cart: dict[str, Any] | None = None  # {items, total, currency} when the viewer asked
    conversation_id: str = ""  # a desk video escalation: answered from the desk, not by a console


class Welcome(_Msg, tag="welcome"):
    identity: str
    merchant: str
    room: str
    role: str
    privileges: list[str]
    max_message_bytes: int
    id: str = ""
    ice_servers: list[dict[str, str]] = msgspec.field(default_factory=list)  # for RTCPeerConnection


class Ack(_Msg, tag="ack"):
    id: str = ""


class Pong(_Msg, tag="pong"):
    id: str = ""


class SdpOffer(_Msg, tag="offer"):
    sub: str
    feed: str
    sdp: str
    id: str = ""
    warm: bool = False  # a warm subscription: held (see Warm) until a switch
    red: bool = False  # the feed's audio is RFC 2198 RED on Janus's Opus type (sdk/red.js, souk.signal.red)


class Warmed(_Msg, tag="warmed"):
    """A warm subscription is ready: connected, nothing relayed now. ``primed``: Janus can already resend lost
    video on it, so the first keyframe after a switch survives packet loss."""

    sub: str
    primed: bool


class Switched(_Msg, tag="switched"):
    sub: str
    feed: str
    kinds: list[str]  # the media kinds now carried from ``feed`` ("audio", "video")
    id: str = ""


class Joined(_Msg, tag="joined"):
    room: str
    participants: list[ParticipantInfo]
    feeds: list[FeedInfo]
    id: str = ""
    offers: list[SdpOffer] = msgspec.field(default_factory=list)  # with join.subscribe: one per feed
    red: bool = False  # this room's feeds publish with RFC 2198 audio redundancy (souk.signal.red)


class SdpAnswer(_Msg, tag="answer"):
    sdp: str
    id: str = ""
    red: bool = False  # a publish: the feed is RED (the SDK adds RED back into Janus's answer)


class ParticipantJoined(_Msg, tag="participant.joined"):
    participant: ParticipantInfo


class ParticipantLeft(_Msg, tag="participant.left"):
    identity: str


class Published(_Msg, tag="published"):
    feed: FeedInfo


class Unpublished(_Msg, tag="unpublished"):
    participant: str


class MediaState(_Msg, tag="media", omit_defaults=False):
    """Media state: a feed's mute flags changed, or one of this client's own PeerConnections came up/down."""

    participant: str
    audio_muted: bool = False
    video_muted: bool = False
    target: str = ""  # "pub" / sub id when about this client's own connection
    webrtc: str = ""  # "up" / "down"


class RoomClosed(_Msg, tag="room.closed"):
    """The server made everyone leave the room (``reason``: ``show_ended``, ``call_ended``...)."""

    room: str
    reason: str


class MediaReset(_Msg, tag="media.reset", omit_defaults=False):
    """The media server of ``room`` was lost (Janus died and was restarted, or Souk's session on it was lost)
    and the room is back on it: the server dropped every publisher and subscription this client had there.
    Publish again and subscribe again to the feeds as they are ``published`` (the browser SDK does it)."""

    room: str
    reason: str = "media_lost"


class StageEvent(_Msg, tag="stage"):
    """Live stage changes for this client: ``removed`` (your stage grant was revoked, publishing stopped)."""

    event: str
    room: str
    identity: str


class CallEvent(_Msg, tag="call"):
    call: CallInfo


class HandEvent(_Msg, tag="hand", omit_defaults=False):
    """``participant`` raised (or lowered) their hand; ``by`` is who lowered it when it was not them (a host)."""

    participant: str
    raised: bool
    by: str = ""


class FeedLink(_Msg, tag="feed.link", omit_defaults=False):
    """The publisher of ``participant``'s feed reported a new round trip for its publishing connection."""

    participant: str
    rtt_ms: int


class Speaking(_Msg, tag="speaking", omit_defaults=False):
    """The media server heard ``participant`` start (``talking``) or stop talking (group calls' active
    speaker); ``level``: the average dBov of the window that decided (0 loudest, 127 silence)."""

    participant: str
    talking: bool
    level: float = 127.0


class Error(_Msg, tag="error"):
    code: str
    message: str
    id: str = ""
    details: dict[str, Any] | None = None  # e.g. room_elsewhere: {node, url, signal_url}


ServerMessage = (
    Welcome | Ack | Pong | Joined | SdpAnswer | SdpOffer | Switched | Warmed | ParticipantJoined | ParticipantLeft | Published
    | Unpublished | MediaState | MediaReset | RoomClosed | StageEvent | CallEvent | Error | HandEvent | Speaking
    | FeedLink
)


class ErrorCode:
    """Stable error codes on the socket (clients switch on these)."""

    MALFORMED = "malformed"  # not JSON, or not an object of a known shape
    UNKNOWN_TYPE = "unknown_type"
    TOO_LARGE = "too_large"
    NOT_JOINED = "not_joined"
    ALREADY_JOINED = "already_joined"
    NOT_PUBLISHING = "not_publishing"
    ALREADY_PUBLISHING = "already_publishing"
    UNKNOWN_FEED = "unknown_feed"
    UNKNOWN_SUBSCRIPTION = "unknown_subscription"
    BAD_SDP = "bad_sdp"
    NOT_ON_STAGE = "not_on_stage"  # live room: publishing needs the host role or an accepted stage grant
    NOT_LINKED = "not_linked"  # live room: subscribing to another room needs an active PK link
    ALREADY_WARM = "already_warm"  # one warm (not yet switched) subscription per client
    WARM_UNSUPPORTED = "warm_unsupported"  # live-room audience: viewers subscribe when there is a feed
    SWITCH_INCOMPATIBLE = "switch_incompatible"  # no stream of the same kind and codec to switch to
    MEDIA_UNAVAILABLE = "media_unavailable"  # the media server is down or lost this request (retry later)
    ROOM_FULL = "room_full"  # the media room has its most publishers
    MEDIA_ERROR = "media_error"  # the media server refused the request for another reason
    BACKSTAGE = "backstage"  # waiting backstage for a call that rings: nobody to subscribe to until it is accepted
    BACKSTAGE_FULL = "backstage_full"  # as many sellers as allowed already wait backstage for this call
    CALL_FULL = "call_full"  # a group call already has its most participants on camera (souk.signal.group)
    SCREEN_BUSY = "screen_busy"  # someone else already shares a screen in this group call


_decoder = msgspec.json.Decoder(ClientMessage)
_encoder = msgspec.json.Encoder()


def encode(msg: ServerMessage | ClientMessage) -> bytes:
    return _encoder.encode(msg)


class DecodeFailure(Exception):
    def __init__(self, code: str, message: str, request_id: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


def decode_client(data: bytes | str) -> ClientMessage:
    """Decode one client message, or raise DecodeFailure with a stable code and a readable message."""
    return decode_with(_decoder, data)  # type: ignore[no-any-return]


def decode_with(decoder: msgspec.json.Decoder[Any], data: bytes | str) -> Any:
    """:func:`decode_client` with another decoder (the voice messages too: souk.signal.voice_messages)."""
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        text = str(exc)
        request_id = _peek_id(data)
        if "Invalid value" in text and "`$.type`" in text:
            return _raise(ErrorCode.UNKNOWN_TYPE, f"unknown message type ({text})", request_id)
        return _raise(ErrorCode.MALFORMED, f"invalid message: {text}", request_id)
    except msgspec.DecodeError as exc:
        return _raise(ErrorCode.MALFORMED, f"message is not valid JSON: {exc}")


def _raise(code: str, message: str, request_id: str = "") -> ClientMessage:
    raise DecodeFailure(code, message, request_id)


def _peek_id(data: bytes | str) -> str:
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return ""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return str(raw["id"])[:64]
    return ""
