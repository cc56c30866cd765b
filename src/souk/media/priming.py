"""Priming a warm subscription: hold it on its placeholder feed until Janus can resend its video.

Janus keeps nothing to resend until its NACK queue is sized from the first RTCP round trip: a packet lost
in the first keyframe after a switch would freeze the picture until the next keyframe. So the audio is held
at once and the video keeps flowing until an admin ``handle_info`` shows a queue (then it is held too).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from souk.core.clock import Clock
from souk.core.errors import SoukError
from souk.core.tenancy import RoomKey
from souk.media.admin import JanusAdmin

log = logging.getLogger(__name__)

PRIME_S = 6.0  # how long a warm subscription may relay its placeholder video while Janus sizes its NACK queue


class Holdable(Protocol):
    """What priming needs of a subscription (a VideoRoom :class:`~souk.media.videoroom.Subscriber`)."""

    @property
    def room(self) -> RoomKey: ...

    @property
    def handle_id(self) -> int: ...

    async def hold(self, kinds: Sequence[str] = ("audio", "video")) -> None: ...

    async def wait_webrtcup(self, timeout: float = 10.0) -> None: ...


AdminOpener = Callable[[RoomKey], Awaitable[tuple[JanusAdmin, int]]]  # room -> (admin client, Janus session id)


async def hold_primed(sub: Holdable, open_admin: AdminOpener, clock: Clock, *, prime_s: float = PRIME_S,
                      poll_s: float = 0.2) -> bool:
    """Hold ``sub``: audio at once, video once Janus can retransmit it or after ``prime_s``. Returns whether
    it was primed in time (the video is held either way). Cancel it to stop early (a switch)."""
    await sub.hold(("audio",))
    primed = False
    deadline = clock.now() + prime_s
    try:
        await sub.wait_webrtcup(prime_s)
        admin, session_id = await open_admin(sub.room)  # one admin connection for the whole wait
        try:
            while not primed and clock.now() < deadline:
                primed = nack_queue_ms(await admin.handle_info(session_id, sub.handle_id)).get("video", 0) > 0
                if not primed:
                    await clock.sleep(poll_s)
        finally:
            await admin.aclose()
    except (TimeoutError, SoukError) as exc:
        log.info("warm subscription %s not primed: %s", sub.handle_id, exc)
    await sub.hold(("video",))
    return primed


def nack_queue_ms(handle_info: dict[str, Any]) -> dict[str, int]:
    """Janus's retransmission queue per medium kind from an admin ``handle_info`` (0: nothing kept to resend)."""
    media = (handle_info.get("webrtc") or {}).get("media") or {}
    out: dict[str, int] = {}
    for x in media.values() if isinstance(media, dict) else media:
        if isinstance(x, dict) and x.get("type") in ("audio", "video"):
            kind = str(x["type"])
            out[kind] = max(out.get(kind, 0), int(x.get("nack-queue-ms") or 0))
    return out
