"""A subscription's tuning on a weak link, and ICE restarts: the ``layer``, ``receive`` and ``restart``
messages of a signaling session (docs/resilience.md).

The SDK picks a simulcast layer from the subscriber's measured bandwidth (``layer``), stops the video when the
link collapses and resumes it when it recovers (``receive``), and after an outage restarts ICE on the same
PeerConnections (``restart``): same Janus handles, same feed and subscription ids, so the call goes on. A
publisher reports its connection's round trip (``uplink``) for its subscribers' repair timing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from souk.core.errors import BadRequest, Conflict
from souk.media.types import Jsep
from souk.signal import messages as m
from souk.signal.handles import Subscription, check_sdp, sdp_error
from souk.signal.ports import PublisherPort

log = logging.getLogger(__name__)

Tuning = m.Layer | m.Receive | m.Restart | m.Uplink


async def tune(msg: Tuning, publisher: PublisherPort | None, sub_of: Callable[[str], Subscription],
               who: str, uplink: Callable[[int], object] | None = None) -> m.Ack | m.SdpAnswer | m.SdpOffer:
    """Apply one tuning message of ``who`` (the session's identity; ``sub_of`` finds its subscription or
    raises ``unknown_subscription``; ``uplink`` records its publishing round trip for the room:
    SignalHub.set_uplink, which tells the room ``feed.link`` when it moved by a step)."""
    match msg:
        case m.Uplink():  # its subscribers size their video hold and stall watch by it (sdk/playout.js)
            if publisher is None:
                raise Conflict("not publishing", code=m.ErrorCode.NOT_PUBLISHING)
            if uplink is not None:
                uplink(msg.rtt_ms)
            return m.Ack(id=msg.id)
        case m.Layer():
            await sub_of(msg.sub).handle.configure_layer(msg.substream, msg.temporal)
            return m.Ack(id=msg.id)
        case m.Receive():
            await sub_of(msg.sub).handle.relay_video(msg.video)
            log.info("%s: %s video %s", who, msg.sub, "resumed" if msg.video else "stopped (audio only)")
            return m.Ack(id=msg.id)
        case m.Restart():
            return await _restart(msg, publisher, sub_of, who)


async def _restart(msg: m.Restart, publisher: PublisherPort | None, sub_of: Callable[[str], Subscription],
                   who: str) -> m.SdpAnswer | m.SdpOffer:
    if msg.target != "pub":
        sub = sub_of(msg.target)
        if msg.sdp:
            raise BadRequest("a subscription's ICE restart takes no SDP: Janus offers, the client answers",
                             code=m.ErrorCode.BAD_SDP)
        offer = await sub.handle.restart_ice()
        log.info("%s: ICE restart on %s (%s)", who, sub.id, sub.feed)
        return m.SdpOffer(id=msg.id, sub=sub.id, feed=sub.feed, sdp=offer.sdp)
    if publisher is None:
        raise Conflict("not publishing", code=m.ErrorCode.NOT_PUBLISHING)
    check_sdp(msg.sdp, "ICE restart offer")
    try:
        answer = await publisher.restart_ice(Jsep("offer", msg.sdp))
    except BadRequest as exc:
        raise sdp_error(exc) from exc
    log.info("%s: ICE restart on its publisher", who)
    return m.SdpAnswer(id=msg.id, sdp=answer.sdp)


__all__ = ["Tuning", "tune"]
