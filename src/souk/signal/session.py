"""One client's signaling session: join, publish, subscribe, trickle, mute, leave, over the media plane.

Every Janus handle this session opens is tracked here and released on leave, on error and on disconnect
(``aclose``), so a client can never leak a handle, whatever it sends.

A session's room is always its token's merchant's (:class:`~souk.core.tenancy.RoomKey`): a token of merchant B
naming a room id that merchant A also uses joins B's room (or gets ``unknown_room``), never A's. The media plane,
the room store and the live stage are reached through the Protocols of :mod:`souk.signal.ports`.
"""

from __future__ import annotations

import asyncio
import logging

from souk.auth.tokens import AccessClaims, Privilege
from souk.core.errors import BadRequest, Conflict, Forbidden, NotFound, SoukError, Unavailable
from souk.core.ids import new_id
from souk.core.tasks import TaskOwner
from souk.core.tenancy import RoomKey
from souk.media import events as ev
from souk.media.errors import NoSuchFeed
from souk.media.types import Jsep, RoomKind
from souk.signal import group, seat
from souk.signal import messages as m
from souk.signal.handles import (
    MAX_SUBSCRIPTIONS,
    Subscription,
    candidate,
    check_sdp,
    close_handle,
    media_error,
    sdp_error,
)
from souk.signal.hub import BACKSTAGE_MAX, Member, Outbox, SignalHub
from souk.signal.live_room import AUDIENCE_ROLES, partner_room, recorded_file, require_stage
from souk.signal.ports import (
    GoneListener,
    MediaHandle,
    MediaPort,
    PublisherPort,
    RoomDirectory,
    StagePort,
)
from souk.signal.red import feed_red, red_offer, room_red
from souk.signal.reset import LOST_REASONS, lost_media, reset_after_loss
from souk.signal.tuning import tune
from souk.signal.voice import VoiceSignals

log = logging.getLogger(__name__)

# Souk room kind -> (media plane room kind, publishers): a consult is two people, plus the AI while it rings
# (souk.consult.attendant) and the sellers preparing backstage (souk.signal.hub); a live show
# has a host and a few co-hosts; anything else is a small conference.
MEDIA_ROOMS: dict[str, tuple[RoomKind, int]] = {"consult": ("consult", 3 + BACKSTAGE_MAX), "live": ("live", 4),
                                                "group": ("conference", group.PUBLISHERS)}


class SignalSession:
    def __init__(
        self,
        *,
        claims: AccessClaims,
        hub: SignalHub,
        media: MediaPort | None,
        rooms: RoomDirectory,
        outbox: Outbox,
        gone: GoneListener | None = None,
        stage: StagePort | None = None,
    ) -> None:
        self.claims = claims
        self.hub = hub
        self.media = media
        self.rooms = rooms
        self.outbox = outbox
        self.gone = gone
        self.stage = stage
        self.room: RoomKey | None = None
        self.live = False  # joined a live room: stage rules apply
        self.red = False  # the room's feeds publish with RFC 2198 audio redundancy (souk.signal.red)
        self.publisher: PublisherPort | None = None
        self.subs: dict[str, Subscription] = {}
        self.voice: VoiceSignals | None = None  # voice-room connections, set by the socket
        self._tasks = TaskOwner(f"signal:{claims.identity}")
        self._record: asyncio.Task[None] | None = None
        self._reset: asyncio.Task[None] | None = None  # the media server was lost: see souk.signal.reset
        self._closed = False

    @property
    def identity(self) -> str:
        return self.claims.identity

    # ---- dispatch ----
    async def handle(self, msg: m.ClientMessage) -> m.ServerMessage:
        try:
            return await self._handle(msg)
        except SoukError as exc:  # never a janus_<n> code on the socket
            if lost_media(exc):  # e.g. a publish under way when Janus died: media.reset follows
                self._media_lost()
            raise media_error(exc) from exc

    async def _handle(self, msg: m.ClientMessage) -> m.ServerMessage:
        match msg:
            case m.Ping():
                return m.Pong(id=msg.id)
            case m.Join():
                return await self.join(msg)
            case m.Publish():
                return await self.publish(msg)
            case m.Subscribe():
                return await self.subscribe(msg)
            case m.Warm():
                return await self.warm(msg)
            case m.Switch():
                return await self.switch(msg)
            case m.Answer():
                return await self.answer(msg)
            case m.Trickle():
                return await self.trickle(msg)
            case m.Mute():
                return await self.mute(msg)
            case m.Hand():
                return group.hand(self.hub, self._joined(), self.identity, msg)
            case m.Layer() | m.Receive() | m.Restart() | m.Uplink():  # souk.signal.tuning: weak links, ICE restarts
                room = self._joined()
                return await tune(msg, self.publisher, self._sub, self.identity,
                                  lambda rtt_ms: self.hub.set_uplink(room, self.identity, rtt_ms))
            case m.Unsubscribe():
                await self._drop_sub(self._sub(msg.sub))
                return m.Ack(id=msg.id)
            case m.Unpublish():
                self._joined()
                if self.publisher is None:
                    raise Conflict("not publishing", code=m.ErrorCode.NOT_PUBLISHING)
                await self._drop_publisher()
                return m.Ack(id=msg.id)
            case m.Leave():
                await self.leave("left")
                return m.Ack(id=msg.id)
            case m.Auth():
                raise Conflict("already authenticated", code="already_authenticated")
        raise BadRequest("unsupported message", code=m.ErrorCode.UNKNOWN_TYPE)

    # ---- room ----
    async def join(self, msg: m.Join) -> m.Joined:
        if self.room is not None:
            raise Conflict(f"already joined {self.room.room_id}", code=m.ErrorCode.ALREADY_JOINED)
        if msg.room in ("lobby", "*"):  # token scopes, never rooms
            raise NotFound(f"no room {msg.room!r}", code="unknown_room")
        self.claims.require_room(msg.room)
        if not (self.claims.can(Privilege.SUBSCRIBE) or self.claims.can(Privilege.PUBLISH)):
            raise Forbidden("token may neither publish nor subscribe", code="privilege_missing")
        # the token's merchant's room of that id: another merchant's room of the same id is never reached
        room = RoomKey(self.claims.merchant_id, msg.room)
        kind = await self.rooms.open_room_kind(room.merchant_id, room.room_id)
        media = self._media()
        if media.room_spec(room) is None and kind != "voice":  # voice rooms: AudioBridge (souk.signal.voice)
            media_kind, publishers = MEDIA_ROOMS.get(kind, ("conference", 16))
            if kind == "live" and self.stage is not None:
                publishers = self.stage.max_publishers
            await media.ensure_room(room, kind=media_kind, max_publishers=publishers)
        self.live, self.red = kind == "live", room_red(kind)
        old = self.hub.member(room, self.identity)
        if old is not None and old.session is not self:  # same identity reconnected: the new socket wins
            old.session.outbox.push(m.RoomClosed(room=msg.room, reason="replaced"))  # (another tab, say)
            await old.session.leave("replaced")
        backstage = self.gone is not None and self.gone.backstage(room, self.identity)  # a call that rings
        member = Member(identity=self.identity, role=self.claims.role.value, name=msg.name[:80] or self.claims.name,
                        session=self, quiet=self.audience or kind == "voice", backstage=backstage, on_seat=self.seat)
        group.admit(self.hub, room, self.identity, kind)  # a full group call: refused before anything changed
        state = self.hub.add_member(room, member)  # backstage_full: refused, nothing changed
        self.room = room
        if self.gone is not None:
            self.gone.participant_back(room, self.identity)
        # the participant record is bookkeeping: written off the join's critical path, in order with its leave
        self._record = self._tasks.spawn(
            self.rooms.record_join(room.merchant_id, room.room_id, self.identity, member.role, member.name),
            "record-join")
        others = [x for x in state.members.values() if x.identity != self.identity and x.seen and not backstage]
        feeds = [x for x in others if x.feed_id is not None]
        offers = []
        if msg.subscribe and self.claims.can(Privilege.SUBSCRIBE):
            for feed in feeds:
                try:
                    offers.append(await self._open_subscription(room, feed.identity))
                except SoukError as exc:  # the client can still subscribe to it on its own
                    log.warning("join-subscribe of %s to %s failed: %s", self.identity, feed.identity, exc)
        return m.Joined(id=msg.id, room=msg.room, participants=[x.info() for x in others],
                        feeds=[x.feed() for x in feeds], offers=offers, red=self.red)

    async def leave(self, reason: str) -> None:
        room = self.room
        if room is None:
            return
        await self.drop_media()
        self.room = None
        self.live = False
        self.hub.remove_member(room, self.identity, self)
        record, self._record = self._record, None
        if record is not None:
            await asyncio.gather(record, return_exceptions=True)
        await self.rooms.record_leave(room.merchant_id, room.room_id, self.identity)
        log.info("%s left %s (%s)", self.identity, room, reason)

    async def drop_media(self) -> None:
        """Close every subscription and the publisher (a dead handle is forgotten without asking Janus)."""
        for sub in list(self.subs.values()):
            await self._drop_sub(sub)
        await self._drop_publisher()
        if self.voice is not None:
            await self.voice.drop()

    @property
    def audience(self) -> bool:
        """A viewer of a live show (not announced, subscribes as audience)."""
        return self.live and self.claims.role in AUDIENCE_ROLES

    def _media(self) -> MediaPort:
        if self.media is None:
            raise Unavailable("no media plane is running", code="media_unavailable")
        return self.media

    # ---- publishing ----
    async def publish(self, msg: m.Publish) -> m.SdpAnswer:
        room = self._joined()
        if self.live:
            require_stage(self.stage, room, self.identity, self.claims.role)
        self.claims.require(Privilege.PUBLISH)
        if self.publisher is not None:
            raise Conflict("already publishing", code=m.ErrorCode.ALREADY_PUBLISHING)
        check_sdp(msg.sdp, "publish offer")
        media = self._media()
        recording = await recorded_file(self, room, media.recordings_dir) if self.live else None  # consent too
        handle = await media.join_publisher(room, display=self.identity)
        self.publisher = handle
        try:
            if recording is None:
                answer = await handle.publish(Jsep("offer", msg.sdp))
            else:
                answer = await handle.publish(Jsep("offer", msg.sdp), record=True, filename=recording)
        except SoukError as exc:
            await self._drop_publisher()
            raise sdp_error(exc) from exc
        except BaseException:
            await self._drop_publisher()
            raise
        member = self.hub.member(room, self.identity)
        if member is not None:
            member.audio, member.video = msg.audio, msg.video
            member.simulcast, member.red = "\na=simulcast:" in msg.sdp, self.red and red_offer(msg.sdp)
        self._tasks.spawn(self._pump(handle, "pub"), "pub-events")
        return m.SdpAnswer(id=msg.id, sdp=answer.sdp, red=member is not None and member.red)

    async def leave_stage(self, reason: str) -> None:
        """The host removed this co-host (or they left the stage): stop publishing and tell the client."""
        room = self.room
        if room is None:
            return
        await self._drop_publisher()
        self.outbox.push(m.StageEvent(event=reason, room=room.room_id, identity=self.identity))

    async def _drop_publisher(self) -> None:
        handle, self.publisher = self.publisher, None
        if handle is None:
            return
        for sub in [x for x in self.subs.values() if x.warm]:  # held on our own feed: it goes with it
            await self._drop_sub(sub)
        await close_handle(handle)
        if self.room is not None:
            member = self.hub.member(self.room, self.identity)
            if member is not None and member.session is self and member.feed_id is not None:
                member.feed_id = None
                self.hub.unpublished(self.room, self.identity)

    async def mute(self, msg: m.Mute) -> m.Ack:
        room = self._joined()
        if self.publisher is None:
            raise Conflict("not publishing", code=m.ErrorCode.NOT_PUBLISHING)
        if msg.kind == "audio":
            await self.publisher.set_media(audio=not msg.muted)
        else:
            await self.publisher.set_media(video=not msg.muted)
        self.hub.set_muted(room, self.identity, msg.kind, msg.muted)
        return m.Ack(id=msg.id)

    # ---- subscribing ----
    async def subscribe(self, msg: m.Subscribe) -> m.SdpOffer:
        room = self._joined()
        self.claims.require(Privilege.SUBSCRIBE)
        if len(self.subs) >= MAX_SUBSCRIPTIONS:
            raise Conflict(f"at most {MAX_SUBSCRIPTIONS} subscriptions", code="too_many_subscriptions")
        if msg.room and msg.room != room.room_id:
            stage = self.stage if self.live else None  # live PK: a feed of the linked room's stage
            offer = await self._open_subscription(partner_room(stage, room, msg.room, msg.feed, self.identity),
                                                  msg.feed)
        else:
            offer = await self._open_subscription(room, msg.feed)
        offer.id = msg.id
        return offer

    async def _open_subscription(self, room: RoomKey, feed: str) -> m.SdpOffer:
        self.hub.require_seen(self.room, self.identity)
        member = self.hub.member(room, feed)
        if member is None or member.feed_id is None or member.backstage or feed == self.identity:
            raise NotFound(f"{feed!r} is not publishing in this room", code=m.ErrorCode.UNKNOWN_FEED)
        media = self._media()
        if self.audience:
            # where the viewer is (the merchant's backend puts it in the token's metadata): nearest media
            # region first when the audience spills over to edge nodes
            region = self.claims.metadata.get("region")
            viewer = await media.watch(room, [member.feed_id], region=region if isinstance(region, str) else None)
            sub = Subscription(id=new_id("sub"), feed=feed, handle=viewer, room=room)
        else:
            handle = await media.subscribe(room, [member.feed_id])
            sub = Subscription(id=new_id("sub"), feed=feed, handle=handle, room=room, member=handle, red=member.red)
        self.subs[sub.id] = sub
        if room != self.room:
            self.hub.follow(room, self)
        self._tasks.spawn(self._pump(sub.handle, sub.id), f"sub-events-{sub.id}")
        return m.SdpOffer(sub=sub.id, feed=feed, sdp=sub.handle.offer.sdp, red=sub.red)

    async def warm(self, msg: m.Warm) -> m.SdpOffer:
        """A subscriber connection opened before the other side publishes (a consult while it rings).

        Janus subscribes only to existing feeds, so our own feed holds the m-lines; the client connects it
        (ICE, DTLS) now, it is held (nothing relayed: audio at once, video once Janus can resend it, see
        :meth:`MediaPlane.hold_primed`; then ``warmed``), and :meth:`switch` later points it at the other
        side's feed: the accept then costs one round trip and a keyframe instead of a whole WebRTC setup."""
        room = self._joined()
        self.claims.require(Privilege.SUBSCRIBE)
        if self.audience:
            raise Conflict("live-show viewers subscribe once the show has a feed", code=m.ErrorCode.WARM_UNSUPPORTED)
        if any(x.warm for x in self.subs.values()):
            raise Conflict("this client already has a warm subscription", code=m.ErrorCode.ALREADY_WARM)
        if len(self.subs) >= MAX_SUBSCRIPTIONS:
            raise Conflict(f"at most {MAX_SUBSCRIPTIONS} subscriptions", code="too_many_subscriptions")
        publisher = self.publisher
        if publisher is None:
            raise Conflict("warm holds the connection on your own feed: publish first",
                           code=m.ErrorCode.NOT_PUBLISHING)
        try:  # waits (up to 5 s) for our own feed to come up in Janus
            handle = await self._media().subscribe(room, [publisher.feed_id])
        except NoSuchFeed as exc:
            raise Conflict("your own feed did not come up in time", code=m.ErrorCode.NOT_PUBLISHING) from exc
        sub = Subscription(id=new_id("sub"), feed=self.identity, handle=handle, room=room, member=handle,
                           warm=True, red=feed_red(self.hub.member(room, self.identity)))
        self.subs[sub.id] = sub
        self._tasks.spawn(self._pump(handle, sub.id), f"sub-events-{sub.id}")
        sub.priming = self._tasks.spawn(seat.hold(self, self._media(), sub, handle), f"hold-{sub.id}")
        return m.SdpOffer(id=msg.id, sub=sub.id, feed=self.identity, sdp=handle.offer.sdp, warm=True, red=sub.red)

    async def switch(self, msg: m.Switch) -> m.Switched:
        """Point one of our subscriptions at ``msg.feed`` in the same room, on the same PeerConnection."""
        room = self._joined()
        sub = self._sub(msg.sub)
        if sub.member is None or sub.room != room:  # a Streaming viewer or a PK partner room: subscribe instead
            raise Conflict("this subscription cannot switch feeds", code=m.ErrorCode.SWITCH_INCOMPATIBLE)
        self.hub.require_seen(self.room, self.identity)
        member = self.hub.member(room, msg.feed)
        publisher = member.session.publisher if member is not None else None
        if (member is None or member.feed_id is None or member.backstage or msg.feed == self.identity
                or publisher is None or publisher.feed_id != member.feed_id):
            raise NotFound(f"{msg.feed!r} is not publishing in this room", code=m.ErrorCode.UNKNOWN_FEED)
        kinds = await seat.switch_to(sub, member)
        log.info("room %s: %s switched %s to %s (%s)", room, self.identity, sub.id, msg.feed, ",".join(kinds))
        return m.Switched(id=msg.id, sub=sub.id, feed=msg.feed, kinds=kinds)

    async def answer(self, msg: m.Answer) -> m.Ack:
        self._joined()
        sub = self._sub(msg.sub)
        check_sdp(msg.sdp, "answer")
        try:
            await sub.handle.start(Jsep("answer", msg.sdp))
        except SoukError as exc:
            await self._drop_sub(sub)
            raise sdp_error(exc) from exc
        sub.answered = True  # no await before the ack goes out: a server-side switch comes after it
        return m.Ack(id=msg.id)

    def seat(self, feed: str | None, notices: list[m.ServerMessage]) -> None:
        """A consult was answered: switch our warm subscription to ``feed``, then push ``notices`` (souk.signal.seat)."""
        if feed is None or seat.warm_sub(self) is None:
            for notice in notices:
                self.outbox.push(notice)
            return
        self._tasks.spawn(seat.on_seat(self, feed, notices), "seat-switch")

    async def trickle(self, msg: m.Trickle) -> m.Ack:
        self._joined()
        handle: MediaHandle | None = self.publisher if msg.target == "pub" else self._sub(msg.target).handle
        if handle is None:
            raise Conflict("not publishing", code=m.ErrorCode.NOT_PUBLISHING)
        await handle.trickle(candidate(msg.candidate))
        return m.Ack(id=msg.id)

    def _sub(self, sub_id: str) -> Subscription:
        sub = self.subs.get(sub_id)
        if sub is None:
            raise NotFound(f"no subscription {sub_id!r}", code=m.ErrorCode.UNKNOWN_SUBSCRIPTION)
        return sub

    def release_feed(self, feed: str, room: RoomKey | None = None) -> None:
        """The feed went away: close our subscriptions to it (their Janus handles) in the background."""
        if self._closed:
            return  # leaving already closes every subscription
        room = room or self.room
        for sub in [x for x in self.subs.values() if x.feed == feed and x.room == room]:
            self._release(sub)

    def release_room(self, room: RoomKey) -> None:
        """A PK link ended: close every subscription into ``room``."""
        if self._closed:
            return
        for sub in [x for x in self.subs.values() if x.room == room]:
            self._release(sub)

    def _release(self, sub: Subscription) -> None:
        self.subs.pop(sub.id, None)
        self._unfollow(sub.room)
        if sub.room != self.room:  # the partner room's events do not reach us: say it here
            self.outbox.push(m.Unpublished(participant=sub.feed))
        self._tasks.spawn(close_handle(sub.handle), f"release-{sub.id}")

    def _unfollow(self, room: RoomKey) -> None:
        if room != self.room and not any(x.room == room for x in self.subs.values()):
            self.hub.unfollow(room, self)

    async def _drop_sub(self, sub: Subscription) -> None:
        self.subs.pop(sub.id, None)
        self._unfollow(sub.room)
        await close_handle(sub.handle)

    # ---- media events ----
    async def _pump(self, handle: MediaHandle, target: str) -> None:
        async for event in handle.events():
            match event:
                case ev.WebrtcUp():
                    self.outbox.push(m.MediaState(participant=self.identity, target=target, webrtc="up"))
                    if target == "pub":
                        self._announce_feed(handle)
                case ev.HangUp():
                    self.outbox.push(m.MediaState(participant=self.identity, target=target, webrtc="down"))
                    if target == "pub":
                        self._withdraw_feed(handle)
                case ev.HandleGone(reason=reason):
                    self.outbox.push(m.MediaState(participant=self.identity, target=target, webrtc="down"))
                    if reason in LOST_REASONS:
                        self._media_lost()
                    return
                case ev.Talking() if target == "pub":
                    group.speaking(self, event)
                case _:
                    pass

    def _media_lost(self) -> None:
        """The media server under our handles was lost: drop them now, tell the client once it is back."""
        if self.room is not None and self.media is not None and (self._reset is None or self._reset.done()):
            self._reset = self._tasks.spawn(reset_after_loss(self, self.media, self.room), "media-reset")

    def _announce_feed(self, handle: MediaHandle) -> None:
        publisher = self.publisher
        if self.room is None or publisher is None or handle is not publisher:
            return
        member = self.hub.member(self.room, self.identity)
        if member is None or member.session is not self:
            return
        member.feed_id = int(publisher.feed_id)
        if member.backstage:
            return  # announced when the call is accepted (SignalHub.call_changed)
        self.hub.broadcast(self.room, m.Published(feed=member.feed()), exclude=self.identity)
        if self.live and self.stage is not None:
            self._tasks.spawn(self.stage.feed_published(self.room, self.identity, member.feed_id),
                              "feed-published")

    def _withdraw_feed(self, handle: MediaHandle) -> None:
        """The publisher's PeerConnection went down: the feed is no longer subscribable."""
        if self.room is None or handle is not self.publisher:
            return
        for sub in [x for x in self.subs.values() if x.warm]:  # held on the feed that just went down
            self._release(sub)
        member = self.hub.member(self.room, self.identity)
        if member is not None and member.session is self and member.feed_id is not None:
            member.feed_id = None
            self.hub.unpublished(self.room, self.identity)

    def _joined(self) -> RoomKey:
        if self.room is None:
            raise Conflict("join a room first", code=m.ErrorCode.NOT_JOINED)
        return self.room

    async def aclose(self) -> None:
        """The socket is gone: release every handle, leave the room, tell the call flow."""
        if self._closed:
            return
        self._closed = True
        room = self.room
        await self.leave("disconnected")
        await self._tasks.aclose()
        if room is not None and self.gone is not None:
            await self.gone.participant_gone(room, self.identity)
