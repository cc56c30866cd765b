"""RFC 2198 RED audio for aiortc, which has no RED: keep each packet's primary block (plain Opus).

In a consult room the browsers publish their audio as RED (souk.signal.red, sdk/red.js) and Janus 1.1.2
relays it under its Opus payload type. The AI attendant reads the shopper's feed with aiortc, whose Opus
decoder would take a RED payload for Opus: :func:`unwrap_red` makes one receiver hand its decoder the primary
block of each packet instead (the redundant copies are dropped: the attendant transcribes, a lost 20 ms frame
is concealed as before). Payload layout (RFC 2198 section 3): 4-byte headers with the F bit set
(``F|PT(7) timestamp offset(14) block length(10)``) for each redundant block, one 1-byte header ``0|PT(7)`` for
the primary, then the redundant blocks in order, then the primary block.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


def red_primary(payload: bytes) -> bytes | None:
    """The primary block of a RED payload, or None when ``payload`` is not one (headers or lengths that do
    not fit)."""
    i = 0
    redundant = 0
    while True:
        if i >= len(payload):
            return None
        if payload[i] & 0x80 == 0:
            i += 1
            break
        if i + 4 > len(payload):
            return None
        redundant += ((payload[i + 2] & 0x03) << 8) | payload[i + 3]
        i += 4
    start = i + redundant
    if start > len(payload):
        return None
    return payload[start:]


def unwrap_red(receiver: Any) -> None:
    """Make an aiortc ``RTCRtpReceiver`` decode the primary block of each RED packet it receives (a packet
    that is not RED is dropped and counted). Replaces its ``_handle_rtp_packet`` on this instance only
    (aiortc 1.16: pinned; tests/unit/agent/test_red_unwrap.py runs it on a real receiver)."""
    handle: Callable[[Any, int], Awaitable[None]] = receiver._handle_rtp_packet
    bad = 0

    async def primary_only(packet: Any, arrival_time_ms: int) -> None:
        nonlocal bad
        body = red_primary(packet.payload)
        if body == b"":
            return  # a packet with no frame of its own
        if body is None:
            bad += 1
            if bad in (1, 100, 1000):
                log.warning("a RED feed's packet is not RED (%d so far): dropped", bad)
            return
        packet.payload = body
        await handle(packet, arrival_time_ms)

    receiver._handle_rtp_packet = primary_only
