"""VideoRoom plugin wrapper: room control, publishers and subscribers, and event translation.

:func:`translate` (pure) turns what Janus sends a VideoRoom handle into typed :mod:`souk.media.events`.
:class:`Publisher` and :class:`Subscriber` wrap one plugin handle each; ``aclose()`` leaves and detaches,
idempotently, and is safe after the node is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from souk.core.errors import BadRequest, Conflict, SoukError, Unavailable
from souk.core.tenancy import RoomKey
from souk.media import messages as m
from souk.media.client import HandleItem, JanusHandle, wait_with_clock
from souk.media.errors import JanusError, NoSuchFeed, NoSuchRoom, RoomExists, SessionGone
from souk.media.events import (
    HandleGone,
    HangUp,
    MediaEvent,
    MediaState,
    PublisherJoined,
    PublisherLeft,
    Renegotiate,
    RoomDestroyed,
    SlowLink,
    Talking,
    WebrtcUp,
)
from souk.media.sdp import looks_like_sdp, media_mids
from souk.media.types import Feed, Jsep

log = logging.getLogger(__name__)

PLUGIN = "janus.plugin.videoroom"
# who is talking (rooms created with ``talking``): the average level of the last TALK_PACKETS audio packets
# (20 ms each) louder than -TALK_LEVEL dBov; Janus's defaults (100, 25) miss quiet speakers and are slow
TALK_PACKETS = 25
TALK_LEVEL = 40


# ------------------------------------------------------------------ pure translation


def feed_from(pub: dict[str, Any]) -> Feed:
    streams = pub.get("streams") or []
    kinds = {s.get("type") for s in streams if isinstance(s, dict) and not s.get("disabled")}
    return Feed(feed_id=int(pub["id"]), display=str(pub.get("display") or ""), audio="audio" in kinds,
                video="video" in kinds)


def handle_state(item: HandleItem) -> list[MediaEvent] | None:
    """The events any plugin's handle gets (gone, webrtcup, media, slowlink, hangup; nothing for other
    transport messages); None for a plugin event, which the plugin's own translation reads."""
    if isinstance(item, HandleGone):
        return [item]
    if isinstance(item, m.WebrtcUpMsg):
        return [WebrtcUp()]
    if isinstance(item, m.MediaMsg):
        return [MediaState(kind=item.type, receiving=item.receiving, mid=item.mid or "")]
    if isinstance(item, m.SlowLinkMsg):
        return [SlowLink(uplink=item.uplink, lost=item.lost, kind=item.media or "")]
    if isinstance(item, m.HangupMsg):
        return [HangUp(reason=item.reason)]
    if not isinstance(item, m.Event):
        return []
    return None


def translate(room_id: str, item: HandleItem) -> list[MediaEvent]:
    """Typed events for one message Janus sent a VideoRoom handle (possibly none, possibly several)."""
    state = handle_state(item)
    if state is not None:
        return state
    assert isinstance(item, m.Event)
    out: list[MediaEvent] = []
    data = item.plugindata.data if item.plugindata else {}
    kind = data.get("videoroom")
    if kind == "destroyed":
        out.append(RoomDestroyed(room_id))
    elif kind in ("talking", "stopped-talking") and isinstance(data.get("id"), int):
        level = data.get("audio-level-dBov-avg")
        out.append(Talking(room_id, data["id"], kind == "talking",
                           float(level) if isinstance(level, int | float) else 127.0))
    elif kind == "event":
        for pub in data.get("publishers") or []:
            if isinstance(pub, dict) and isinstance(pub.get("id"), int):
                out.append(PublisherJoined(room_id, feed_from(pub)))
        for key, reason in (("unpublished", "unpublished"), ("leaving", "left"), ("kicked", "kicked")):
            value = data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                out.append(PublisherLeft(room_id, value, reason))  # type: ignore[arg-type]
    if item.jsep is not None and item.jsep.get("type") in ("offer", "answer"):
        out.append(Renegotiate(Jsep.from_dict(item.jsep)))
    return out


def check_sdp(jsep: Jsep) -> None:
    if not looks_like_sdp(jsep.sdp):
        raise BadRequest("sdp is not a session description (must start with v=0 and have an m= line)")


# ------------------------------------------------------------------ room control


class RoomControl:
    """Room create/exists/destroy through one control handle on a node."""

    def __init__(self, handle: JanusHandle, admin_key: str) -> None:
        self.handle = handle
        self.admin_key = admin_key

    async def exists(self, room: int) -> bool:
        data, _ = await self.handle.message({"request": "exists", "room": room})
        return bool(data.get("exists"))

    async def create(self, room: int, *, secret: str, pin: str, description: str, publishers: int,
                     bitrate: int, record: bool, rec_dir: str | None, talking: bool = False) -> bool:
        """Create the room; False when it already exists (idempotent). ``talking``: Janus tells every
        participant who starts and stops talking (``Talking`` events: group calls' active speaker)."""
        body: dict[str, Any] = {
            "request": "create", "room": room, "admin_key": self.admin_key, "secret": secret, "pin": pin,
            "description": description[:100], "publishers": publishers, "bitrate": bitrate, "fir_freq": 10,
            "audiocodec": "opus", "videocodec": "vp8", "is_private": True, "permanent": False,
            "notify_joining": False, "record": record,
            # resilience (docs/resilience.md): Opus in-band FEC and DTX negotiated with every publisher and
            # offered to every subscriber; audio levels and transport-wide CC on (Janus's defaults, said here)
            "opus_fec": True, "opus_dtx": True, "audiolevel_ext": True, "transport_wide_cc_ext": True,
        }
        if rec_dir:
            body["rec_dir"] = rec_dir
        if talking:
            body.update(audiolevel_event=True, audio_active_packets=TALK_PACKETS, audio_level_average=TALK_LEVEL)
        try:
            await self.handle.message(body)
        except RoomExists:
            return False
        return True

    async def destroy(self, room: int, *, secret: str) -> bool:
        """Destroy the room; False when it did not exist (idempotent)."""
        try:
            await self.handle.message({"request": "destroy", "room": room, "secret": secret, "permanent": False})
        except NoSuchRoom:
            return False
        return True

    async def participants(self, room: int) -> list[dict[str, Any]]:
        data, _ = await self.handle.message({"request": "listparticipants", "room": room})
        return list(data.get("participants") or [])

    async def kick(self, room: int, feed_id: int, *, secret: str) -> bool:
        """Throw a publisher out of the room (its handle gets ``kicked``); False when no such participant."""
        try:
            await self.handle.message({"request": "kick", "room": room, "secret": secret, "id": int(feed_id)})
        except NoSuchFeed:
            return False
        return True

    async def moderate(self, room: int, feed_id: int, mids: Sequence[str], *, mute: bool, secret: str) -> None:
        """Server-side mute/unmute of a publisher's streams (``mids``): the publisher cannot undo it itself."""
        for mid in mids:
            await self.handle.message({"request": "moderate", "room": room, "secret": secret, "id": int(feed_id),
                                       "mid": str(mid), "mute": bool(mute)})


# ------------------------------------------------------------------ participants


class _Participant:
    role = "participant"

    def __init__(self, handle: JanusHandle, room: RoomKey, janus_room: int,
                 on_close: Callable[[_Participant], None] | None = None) -> None:
        self.handle = handle
        self.room = room
        self.janus_room = janus_room
        self._on_close = on_close
        self._up = asyncio.Event()
        self._down = asyncio.Event()
        self._closed = False
        self._backlog: deque[MediaEvent] = deque()
        handle.observer = self._observe

    @property
    def handle_id(self) -> int:
        return self.handle.handle_id

    @property
    def closed(self) -> bool:
        return self._closed or not self.handle.alive

    def _observe(self, item: HandleItem) -> None:
        if isinstance(item, m.WebrtcUpMsg):
            self._up.set()
        elif isinstance(item, m.HangupMsg | HandleGone):
            self._down.set()

    async def next_event(self, timeout: float | None = None) -> MediaEvent:
        """The next typed event (skipping Janus messages that carry none). HandleGone ends the stream."""
        while not self._backlog:
            item = await self.handle.next(timeout)
            # one Janus message can carry several events (e.g. several publishers at once)
            self._backlog.extend(translate(self.room.room_id, item))
        return self._backlog.popleft()

    async def events(self) -> AsyncIterator[MediaEvent]:
        """All events in order until the handle is gone (the final HandleGone is yielded too)."""
        while True:
            ev = await self.next_event()
            yield ev
            if isinstance(ev, HandleGone):
                return

    async def wait_webrtcup(self, timeout: float = 10.0) -> None:
        """Wait until Janus reports this PeerConnection up; raises Unavailable if it hangs up first."""
        up = asyncio.ensure_future(self._up.wait())
        down = asyncio.ensure_future(self._down.wait())
        try:
            race = asyncio.ensure_future(asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED))
            await wait_with_clock(race, timeout, self.handle.conn.clock, f"webrtcup on {self.role}")
        finally:
            up.cancel()
            down.cancel()
        if not self._up.is_set():
            raise Unavailable(f"{self.role} PeerConnection closed before it came up")

    @property
    def webrtc_up(self) -> bool:
        return self._up.is_set() and not self._down.is_set()

    async def trickle(self, candidate: dict[str, Any] | None) -> None:
        """Forward one browser ICE candidate ({candidate, sdpMid, sdpMLineIndex}) or None when done."""
        if candidate is not None and not isinstance(candidate.get("candidate"), str):
            raise BadRequest("ICE candidate needs a 'candidate' string")
        await self.handle.trickle(candidate)

    async def _leave(self) -> None:
        pass

    async def aclose(self) -> None:
        """Leave the room and detach the handle. Idempotent; never raises for an already-dead node."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.handle.alive:
                await self._leave()
        except (SoukError, TimeoutError) as exc:
            log.debug("%s %s: leave failed (%s); detaching anyway", self.role, self.handle_id, exc)
        finally:
            try:
                await self.handle.detach()
            except SoukError as exc:
                log.warning("%s %s: detach failed: %s", self.role, self.handle_id, exc)
            if self._on_close is not None:
                self._on_close(self)


class Publisher(_Participant):
    """A participant that joined a room as publisher (before or after actually publishing media)."""

    role = "publisher"

    def __init__(self, handle: JanusHandle, room: RoomKey, janus_room: int, joined: dict[str, Any],
                 on_close: Callable[[_Participant], None] | None = None) -> None:
        super().__init__(handle, room, janus_room, on_close)
        self.feed_id = int(joined["id"])
        self.private_id = int(joined.get("private_id") or 0)
        self.existing: tuple[Feed, ...] = tuple(feed_from(p) for p in joined.get("publishers") or []
                                                 if isinstance(p, dict) and isinstance(p.get("id"), int))
        self._mids: dict[str, list[str]] = {}
        self.published = False
        self.display = ""  # what it joined as (Souk: the participant's identity); Janus's media stats name handles

    async def publish(self, offer: Jsep, *, audio: bool = True, video: bool = True, record: bool = False,
                      filename: str | None = None) -> Jsep:
        """Send the browser's offer; returns Janus's answer. ``audio``/``video`` False start muted."""
        if offer.type != "offer":
            raise BadRequest("publish needs an SDP offer")
        check_sdp(offer)
        body: dict[str, Any] = {"request": "publish", "record": record}
        if record:
            # relative on purpose: an absolute filename with rec_dir set fails silently in Janus 1.1
            body["filename"] = filename or f"{self.janus_room}-{self.feed_id}"
        data, jsep = await self.handle.message(body, offer.to_dict())
        if jsep is None or jsep.get("type") != "answer":
            raise JanusError(f"publish got no answer from Janus ({data.get('videoroom')})")
        self._mids = media_mids(offer.sdp)
        self.published = True
        if not (audio and video):
            await self.set_media(audio=audio, video=video)
        return Jsep.from_dict(jsep)

    async def stop_recording(self) -> None:
        """Stop recording this feed (Janus closes its files; what was recorded so far stays)."""
        await self.handle.message({"request": "configure", "record": False})

    async def restart_ice(self, offer: Jsep) -> Jsep:
        """Renegotiate with the browser's ICE-restart offer (new ufrag/pwd, same m-lines): Janus answers with
        new ICE credentials and keeps the feed, its id and its subscribers."""
        if offer.type != "offer":
            raise BadRequest("an ICE restart needs an SDP offer")
        check_sdp(offer)
        if not self.published:
            raise Conflict("not publishing", code="not_publishing")
        data, jsep = await self.handle.message({"request": "configure"}, offer.to_dict())
        if jsep is None or jsep.get("type") != "answer":
            raise JanusError(f"ICE restart got no answer from Janus ({data.get('videoroom')})")
        return Jsep.from_dict(jsep)

    async def set_media(self, *, audio: bool | None = None, video: bool | None = None) -> None:
        """Mute/unmute what Janus relays from this publisher (per medium; None leaves it as is)."""
        streams = []
        for kind, flag in (("audio", audio), ("video", video)):
            if flag is not None:
                streams += [{"mid": mid, "send": flag} for mid in self._mids.get(kind, [])]
        if streams:
            await self.handle.message({"request": "configure", "streams": streams})

    def mids(self, kind: str) -> list[str]:
        """The mids of this publisher's ``audio`` or ``video`` streams (known once it published)."""
        return list(self._mids.get(kind, []))

    async def unpublish(self) -> None:
        if self.published:
            self.published = False
            await self.handle.message({"request": "unpublish"})

    async def _leave(self) -> None:
        await self.handle.message({"request": "leave"}, timeout=3.0)


class _Receiver(_Participant):
    """A handle that receives: Janus makes the offer, :meth:`start` takes the answer (VideoRoom subscribers and
    Streaming viewers take it the same way)."""

    def __init__(self, handle: JanusHandle, room: RoomKey, janus_room: int, feeds: Sequence[int], offer: Jsep,
                 on_close: Callable[[_Participant], None] | None = None) -> None:
        super().__init__(handle, room, janus_room, on_close)
        self.feeds = tuple(feeds)
        self.offer = offer
        self.started = False

    async def start(self, answer: Jsep) -> None:
        if answer.type != "answer":
            raise BadRequest("start needs an SDP answer")
        check_sdp(answer)
        await self.handle.message({"request": "start"}, answer.to_dict())
        self.started = True


class Subscriber(_Receiver):
    """A subscription to one or more feeds. Janus makes the offer; :meth:`start` takes the answer."""

    role = "subscriber"

    async def configure_layer(self, substream: int, temporal: int | None = None) -> None:
        """Pick the simulcast layer relayed to this subscriber (0 lowest .. 2 highest) on every video stream."""
        if not 0 <= substream <= 2 or (temporal is not None and not 0 <= temporal <= 2):
            raise BadRequest("substream and temporal must be 0..2", code="bad_layer")
        mids = media_mids(self.offer.sdp).get("video", [])
        if not mids:
            raise BadRequest("this subscription carries no video", code="no_video")
        streams: list[dict[str, Any]] = []
        for mid in mids:
            stream: dict[str, Any] = {"mid": mid, "substream": substream}
            if temporal is not None:
                stream["temporal"] = temporal
            streams.append(stream)
        await self.handle.message({"request": "configure", "streams": streams})

    async def restart_ice(self) -> Jsep:
        """Ask Janus for a new offer with new ICE credentials (``restart: true``) on this subscription; the
        browser answers it with :meth:`start` as usual. Same handle, same feeds: the call goes on."""
        _, jsep = await self.handle.message({"request": "configure", "restart": True})
        if not jsep or jsep.get("type") != "offer":
            raise JanusError("ICE restart: Janus sent no new offer")
        return Jsep.from_dict(jsep)

    async def relay_video(self, on: bool) -> None:
        """Relay (or stop relaying) this subscription's video: the audio-only fallback on a collapsed link."""
        mids = media_mids(self.offer.sdp).get("video", [])
        if not mids:
            raise BadRequest("this subscription carries no video", code="no_video")
        await self.handle.message({"request": "configure", "streams": [{"mid": x, "send": on} for x in mids]})

    async def hold(self, kinds: Sequence[str] = ("audio", "video")) -> None:
        """Relay nothing on the streams of ``kinds`` (a warm subscription: ICE and DTLS up, no media)."""
        mids = [mid for kind in kinds for mid in media_mids(self.offer.sdp).get(kind, [])]
        if mids:
            await self.handle.message({"request": "configure", "streams": [{"mid": x, "send": False} for x in mids]})

    async def switch(self, feed_id: int, source_mids: dict[str, list[str]]) -> list[str]:
        """Point this subscription's audio/video m-lines at ``feed_id``'s streams (same PeerConnection, no
        renegotiation; Janus asks the publisher for a keyframe). ``source_mids``: the publisher's mids per kind.
        Returns the kinds now carried from ``feed_id``; Conflict ``switch_incompatible`` when none could be."""
        own = media_mids(self.offer.sdp)
        streams = [{"feed": int(feed_id), "mid": src, "sub_mid": dst}
                   for kind in ("audio", "video") for dst, src in zip(own.get(kind, []), source_mids.get(kind, []))]
        if not streams:
            raise Conflict("the feed has no audio or video stream this subscription can carry",
                           code="switch_incompatible")
        data, _ = await self.handle.message({"request": "switch", "streams": streams})
        kinds = sorted({str(x.get("type")) for x in data.get("streams") or []
                        if isinstance(x, dict) and x.get("feed_id") == int(feed_id) and x.get("type") in ("audio", "video")})
        if not kinds:  # Janus skips streams of another codec without an error: say it here
            raise Conflict("Janus switched no stream (different codecs?)", code="switch_incompatible")
        self.feeds = (int(feed_id),)
        return kinds

    async def update(self, *, subscribe: Sequence[int] = (), unsubscribe: Sequence[int] = ()) -> Jsep | None:
        """Add/remove feeds; returns Janus's new offer when renegotiation is needed (answer with start)."""
        body: dict[str, Any] = {"request": "update"}
        if subscribe:
            body["subscribe"] = [{"feed": f} for f in subscribe]
        if unsubscribe:
            body["unsubscribe"] = [{"feed": f} for f in unsubscribe]
        _, jsep = await self.handle.message(body)
        self.feeds = tuple([f for f in self.feeds if f not in set(unsubscribe)] + list(subscribe))
        return Jsep.from_dict(jsep) if jsep else None

    async def _leave(self) -> None:
        await self.handle.message({"request": "leave"}, timeout=3.0)


async def join_publisher(handle: JanusHandle, room: RoomKey, janus_room: int, *, display: str, pin: str,
                         on_close: Callable[[_Participant], None] | None = None) -> Publisher:
    data, _ = await handle.message({"request": "join", "ptype": "publisher", "room": janus_room,
                                    "display": display[:100], "pin": pin})
    if data.get("videoroom") != "joined":
        raise JanusError(f"join as publisher: unexpected reply {data.get('videoroom')!r}")
    pub = Publisher(handle, room, janus_room, data, on_close)
    pub.display = display[:100]
    return pub


async def join_subscriber(handle: JanusHandle, room: RoomKey, janus_room: int, feeds: Sequence[int], *,
                          pin: str, on_close: Callable[[_Participant], None] | None = None) -> Subscriber:
    if not feeds:
        raise BadRequest("subscribe needs at least one feed")
    data, jsep = await handle.message({"request": "join", "ptype": "subscriber", "room": janus_room, "pin": pin,
                                       "streams": [{"feed": int(f)} for f in feeds]})
    if data.get("videoroom") != "attached" or not jsep:
        raise JanusError(f"join as subscriber: unexpected reply {data.get('videoroom')!r}")
    return Subscriber(handle, room, janus_room, feeds, Jsep.from_dict(jsep), on_close)


__all__ = [
    "PLUGIN",
    "Publisher",
    "RoomControl",
    "SessionGone",
    "Subscriber",
    "join_publisher",
    "join_subscriber",
    "translate",
]
