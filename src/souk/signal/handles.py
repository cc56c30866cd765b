"""A signaling session's media handles: subscriptions, SDP checks, closing a handle, Janus SDP errors."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from souk.core.errors import BadRequest, SoukError
from souk.core.tenancy import RoomKey
from souk.media.errors import InvalidSdp, JanusBadRequest
from souk.signal import messages as m
from souk.signal.ports import MediaHandle, ReceiverPort, SubscriberPort

log = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 16
_SDP_MEDIA = re.compile(r"^m=(audio|video|application) \d+ ", re.MULTILINE)


def check_sdp(sdp: str, expected: str) -> None:
    """Cheap sanity check before anything reaches Janus: a clear bad_sdp instead of a Janus code."""
    if not sdp.startswith("v=0") or not _SDP_MEDIA.search(sdp):
        raise BadRequest(f"{expected} is not an SDP (needs v=0 and at least one m= line)", code=m.ErrorCode.BAD_SDP)


@dataclass
class Subscription:
    id: str
    feed: str
    handle: ReceiverPort
    room: RoomKey  # the room of the feed (a live PK partner room, or this session's room)
    member: SubscriberPort | None = None  # a room member's VideoRoom subscription (can switch feeds, be held)
    warm: bool = False  # held on our own feed (nothing relayed once primed) until a switch
    priming: asyncio.Task[None] | None = None  # a warm subscription still being held (see MediaPlane.hold_primed)


def sdp_error(exc: SoukError) -> SoukError:
    """Janus refusing an SDP is the client's bad_sdp; anything else stays what it was."""
    if isinstance(exc, InvalidSdp | JanusBadRequest):
        return BadRequest(f"Janus rejected the SDP: {exc.message}", code=m.ErrorCode.BAD_SDP)
    return exc


async def close_handle(handle: MediaHandle) -> None:
    """Close a handle; a failure is logged (the handle is gone either way)."""
    try:
        await handle.aclose()
    except SoukError as exc:
        log.warning("closing media handle failed: %s", exc.message)
