"""A signaling session's media handles: subscriptions, SDP checks, ICE candidates, closing a handle, Janus SDP
errors."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from souk.core.errors import BadRequest, Conflict, NotFound, SoukError, Timeout, Unavailable
from souk.core.tenancy import RoomKey
from souk.media.errors import (
    InvalidSdp,
    JanusBadRequest,
    JanusError,
    JanusUnavailable,
    NoSuchFeed,
    NoSuchRoom,
    RoomFull,
    SessionGone,
)
from souk.signal import messages as m
from souk.signal.ports import MediaHandle, ReceiverPort, SubscriberPort

log = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 16
_SDP_MEDIA = re.compile(r"^m=(audio|video|application) \d+ ", re.MULTILINE)


def check_sdp(sdp: str, expected: str) -> None:
    """Cheap sanity check before anything reaches Janus: a clear bad_sdp instead of a Janus code."""
    if not sdp.startswith("v=0") or not _SDP_MEDIA.search(sdp):
        raise BadRequest(f"{expected} is not an SDP (needs v=0 and at least one m= line)", code=m.ErrorCode.BAD_SDP)


def candidate(c: m.Candidate | None) -> dict[str, str | int] | None:
    """A trickled ICE candidate as Janus takes it (None: end of candidates)."""
    if c is None:
        return None
    out: dict[str, str | int] = {"candidate": c.candidate}
    if c.sdpMid is not None:
        out["sdpMid"] = c.sdpMid
    if c.sdpMLineIndex is not None:
        out["sdpMLineIndex"] = c.sdpMLineIndex
    return out


@dataclass
class Subscription:
    id: str
    feed: str
    handle: ReceiverPort
    room: RoomKey  # the room of the feed (a live PK partner room, or this session's room)
    member: SubscriberPort | None = None  # a room member's VideoRoom subscription (can switch feeds, be held)
    warm: bool = False  # held on our own feed (nothing relayed once primed) until a switch
    priming: asyncio.Task[None] | None = None  # a warm subscription still being held (see MediaPlane.hold_primed)
    answered: bool = False  # the client's SDP answer was applied (Janus can switch it)
    red: bool = False  # the client reads its audio as RFC 2198 RED: only RED feeds (souk.signal.red)


def sdp_error(exc: SoukError) -> SoukError:
    """Janus refusing an SDP is the client's bad_sdp; anything else stays what it was."""
    if isinstance(exc, InvalidSdp | JanusBadRequest):
        return BadRequest(f"Janus rejected the SDP: {exc.message}", code=m.ErrorCode.BAD_SDP)
    return exc


def media_error(exc: SoukError) -> SoukError:
    """A media plane error as the socket's documented codes: no ``janus_<n>`` ever reaches a client.

    A lost handle, session or room (Janus 458/459/426, after a Janus restart), an unreachable or slow media
    server: ``media_unavailable`` (retryable; once the server is back the client is told ``media.reset``).
    A feed that is not up: ``unknown_feed``. A full room: ``room_full``. A refused SDP: ``bad_sdp``. Any other
    Janus refusal: ``media_error``. Errors that are not the media plane's pass through unchanged."""
    if isinstance(exc, NoSuchFeed):
        return NotFound(f"the feed is not publishing: {exc.message}", code=m.ErrorCode.UNKNOWN_FEED)
    if isinstance(exc, RoomFull):
        return Conflict(f"the media room is full: {exc.message}", code=m.ErrorCode.ROOM_FULL)
    if isinstance(exc, InvalidSdp | JanusBadRequest):
        return sdp_error(exc)
    lost = isinstance(exc, SessionGone | NoSuchRoom | JanusUnavailable)
    if lost or (isinstance(exc, Unavailable | Timeout) and exc.code in ("unavailable", "timeout")):
        return Unavailable(f"the media server is unavailable: {exc.message}", code=m.ErrorCode.MEDIA_UNAVAILABLE)
    if isinstance(exc, JanusError):
        return SoukError(f"the media server refused: {exc.message}", code=m.ErrorCode.MEDIA_ERROR, kind=exc.kind)
    return exc


async def close_handle(handle: MediaHandle) -> None:
    """Close a handle; a failure is logged (the handle is gone either way)."""
    try:
        await handle.aclose()
    except SoukError as exc:
        log.warning("closing media handle failed: %s", exc.message)
