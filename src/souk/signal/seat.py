"""Switching a warm subscription to the other side's feed: on the client's ``switch``, or by the server itself
the moment a consult is answered.

A consult warms both sides while it rings (the shopper's receiving connection, the seller's backstage one: see
:mod:`souk.signal.hub`), each held on its own feed. When the call is accepted the server knows both feeds and
both warm subscriptions, so it points each side's warm subscription at the other's feed itself (:func:`on_seat`)
instead of telling the clients and waiting for their ``switch`` requests: on a 150 ms link that saves a round
trip on each side, and Janus asks each publisher for its keyframe as soon as the accept lands. The client then
hears ``switched`` (no ``id``: unrequested) before the ``published`` it would otherwise switch on. When the
server cannot (no warm subscription yet, not answered yet, Janus refused, a kind the feed has that the switch did
not carry), it only sends the ``published`` and the client switches or subscribes as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from souk.core.errors import Conflict, SoukError
from souk.signal import messages as m

if TYPE_CHECKING:
    from souk.core.tenancy import RoomKey
    from souk.signal.handles import Subscription
    from souk.signal.hub import Member, Outbox, SignalHub
    from souk.signal.ports import MediaPort, SubscriberPort

log = logging.getLogger(__name__)

SEAT_SWITCH_S = 3.0  # the server's own switch at the accept: past this, the client is told to switch itself
SEAT_UP_S = 4.0  # how long the server's switch at the accept waits for the warm connection to come up first


class SeatSession(Protocol):
    """What switching needs of a signaling session (souk.signal.session.SignalSession)."""

    hub: SignalHub
    outbox: Outbox
    subs: dict[str, Subscription]

    @property
    def room(self) -> RoomKey | None: ...

    @property
    def identity(self) -> str: ...


async def switch_to(sub: Subscription, member: Member) -> list[str]:
    """Point ``sub`` (a subscription of a room member, warm or not) at ``member``'s feed on the same
    PeerConnection: stop holding it first if it is still being primed. Returns the kinds now carried."""
    publisher = member.session.publisher
    if sub.member is None or publisher is None or member.feed_id is None:
        raise SoukError(f"{member.identity!r} has no feed to switch to", code=m.ErrorCode.UNKNOWN_FEED)
    if sub.red != member.red and member.audio:  # the client decodes this subscription's audio as RED or as Opus, not both
        raise Conflict(f"{member.identity!r}'s audio is {'RED' if member.red else 'plain Opus'}, this subscription"
                       f" is {'RED' if sub.red else 'plain Opus'}: subscribe instead",
                       code=m.ErrorCode.SWITCH_INCOMPATIBLE)
    priming, sub.priming = sub.priming, None
    if priming is not None and not priming.done():  # switched before it was held: stop holding first
        priming.cancel()
        await asyncio.gather(priming, return_exceptions=True)
    kinds = await sub.member.switch(member.feed_id, {kind: publisher.mids(kind) for kind in ("audio", "video")})
    sub.feed, sub.warm = member.identity, False
    return kinds


async def wait_up(sub: Subscription, timeout: float) -> None:
    """Wait (at most ``timeout``) until Janus has ``sub``'s PeerConnection up. Janus asks the new publisher for a
    keyframe when it switches; one relayed before DTLS is done is lost, and Janus sends the next keyframe
    request to that publisher no sooner than a second after the last: switching a connection still coming up
    cost a second on a 150 ms link. Switched anyway when it does not come up in time."""
    if sub.member is None:
        return
    try:
        await sub.member.wait_webrtcup(timeout)
    except (SoukError, TimeoutError) as exc:
        log.info("%s not up before its switch: %s", sub.id, exc)


def missing_kinds(member: Member, kinds: Sequence[str]) -> list[str]:
    """The kinds ``member`` publishes that a switch carrying ``kinds`` left out."""
    return [k for k, on in (("audio", member.audio), ("video", member.video)) if on and k not in kinds]


def warm_sub(session: SeatSession) -> Subscription | None:
    """The session's warm subscription in its own room, answered by its client (so Janus can switch it)."""
    for sub in session.subs.values():
        if sub.warm and sub.answered and sub.member is not None and sub.room == session.room:
            return sub
    return None


async def on_seat(session: SeatSession, feed: str | None, notices: Sequence[m.ServerMessage]) -> None:
    """The consult was answered: switch ``session``'s warm subscription to ``feed`` (the other side) and say
    ``switched``; then push ``notices`` (the ``published`` of the other side, ...), whatever happened."""
    try:
        sub = warm_sub(session) if feed is not None else None
        member = session.hub.member(session.room, feed) if sub is not None and feed and session.room else None
        if sub is not None and member is not None and member.feed_id is not None and not member.backstage:
            await wait_up(sub, SEAT_UP_S)
            kinds = await asyncio.wait_for(switch_to(sub, member), SEAT_SWITCH_S)
            if missing_kinds(member, kinds):  # the client switches again, sees what is missing, subscribes
                log.info("%s: seat switch of %s to %s carried only %s", session.identity, sub.id, feed, kinds)
            else:
                session.outbox.push(m.Switched(sub=sub.id, feed=member.identity, kinds=kinds))
                log.info("room %s: %s switched %s to %s at the accept", session.room, session.identity, sub.id, feed)
    except (SoukError, TimeoutError) as exc:  # the client switches (or subscribes) itself on the published
        log.info("%s: no switch at the accept: %s", session.identity, exc)
    finally:
        for notice in notices:
            session.outbox.push(notice)


async def hold(session: SeatSession, media: MediaPort, sub: Subscription, handle: SubscriberPort) -> None:
    """Hold a warm subscription (audio at once, video once Janus can resend it), then say ``warmed``."""
    try:
        primed = await media.hold_primed(handle)
    except SoukError as exc:  # the subscription went away meanwhile
        log.info("holding %s failed: %s", sub.id, exc.message)
        return
    if sub.warm and session.subs.get(sub.id) is sub:
        session.outbox.push(m.Warmed(sub=sub.id, primed=primed))
